"""Find what a zipline bundle folder holds: bar files, asset and adjustment databases."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rustybt.domain.errors import BundleNotFoundError
from rustybt.zipline_bridge.errors import BundleFormatError

HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf")


@dataclass
class BundleFiles:
    """The parts of one zipline bundle ingestion."""

    root: Path
    bcolz_daily: Path | None = None
    bcolz_minute: Path | None = None
    hdf5: list[Path] = field(default_factory=list)
    asset_db: Path | None = None
    adjustments_db: Path | None = None
    minute_metadata: Path | None = None

    @property
    def bar_files(self) -> list[Path]:
        found = [p for p in (self.bcolz_daily, self.bcolz_minute) if p is not None]
        return found + self.hdf5

    def source_size_bytes(self) -> int:
        total = 0
        for path in self.bar_files:
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            total += sum(p.stat().st_size for p in files)
        return total


def _ingestion_dir(root: Path) -> Path:
    """``root`` itself when it holds bundle files, else its latest ingestion subfolder."""
    if _looks_like_ingestion(root):
        return root
    candidates = sorted(p for p in root.iterdir() if p.is_dir() and _looks_like_ingestion(p))
    if not candidates:
        raise BundleFormatError(
            f"{root} holds no zipline bundle (no bcolz tables, HDF5 files or asset database)", str(root)
        )
    return candidates[-1]


def _looks_like_ingestion(path: Path) -> bool:
    return (
        any((path / name).exists() for name in ("daily_equities.bcolz", "minute_equities.bcolz"))
        or any(p.suffix in HDF5_SUFFIXES for p in path.iterdir() if p.is_file())
        or any(path.glob("assets-*.sqlite"))
    )


def scan_bundle(source_dir: Path) -> BundleFiles:
    """Locate the parts of the bundle under ``source_dir``."""
    if not source_dir.is_dir():
        raise BundleNotFoundError(f"bundle folder {source_dir} does not exist")
    root = _ingestion_dir(source_dir)
    files = BundleFiles(root)
    daily, minute = root / "daily_equities.bcolz", root / "minute_equities.bcolz"
    files.bcolz_daily = daily if daily.is_dir() else None
    if minute.is_dir() and any(p.is_dir() for p in minute.iterdir()):
        files.bcolz_minute = minute
    metadata = minute / "metadata.json"
    files.minute_metadata = metadata if metadata.is_file() else None
    files.hdf5 = sorted(p for p in root.iterdir() if p.is_file() and p.suffix in HDF5_SUFFIXES)
    asset_dbs = sorted(root.glob("assets-*.sqlite"))
    files.asset_db = asset_dbs[-1] if asset_dbs else None
    adjustments = root / "adjustments.sqlite"
    files.adjustments_db = adjustments if adjustments.is_file() else None
    if not files.bar_files:
        raise BundleFormatError(f"{root} holds no bar data (bcolz daily/minute tables or HDF5 files)", str(root))
    return files
