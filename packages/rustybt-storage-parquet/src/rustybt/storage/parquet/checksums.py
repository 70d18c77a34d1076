"""SHA-256 of every partition file of a dataset, and verification against recorded values.

Paths are relative to the bundle folder (``daily_bars/year=2024/month=01/data.parquet``, and
``.../data-s4.parquet`` for a partition's other price classes), the same keys
``ParquetWriter.write`` returns and the catalog records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rustybt.domain.errors import CorruptDataError
from rustybt.domain.partitions import FOLDERS
from rustybt.storage.parquet.layout import partition_files
from rustybt.storage.parquet.partition_members import members

CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 hex of one file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def compute_checksums(bundle_dir: str | Path, kinds: tuple[str, ...] = ("daily", "minute")) -> dict[str, str]:
    """Relative path → SHA-256 of every file of every partition under ``bundle_dir`` (its
    ``data.parquet`` and ``data-s<N>.parquet`` files; temp files and anything else are left
    out)."""
    root = Path(bundle_dir)
    sums: dict[str, str] = {}
    for kind in kinds:
        for head in partition_files(root / FOLDERS[kind], kind):
            for path in members(head):
                sums[path.relative_to(root).as_posix()] = file_sha256(path)
    return sums


@dataclass(frozen=True)
class ChecksumReport:
    """The outcome of ``verify_checksums``: every path sorted into one list."""

    matching: tuple[str, ...]
    missing: tuple[str, ...]  # recorded, but no file
    extra: tuple[str, ...]  # a file, but nothing recorded
    changed: tuple[str, ...]  # a file whose SHA-256 differs from the record

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.changed)

    def summary(self) -> str:
        if self.ok:
            return f"{len(self.matching)} file(s) match their checksums"
        lines = [f"{len(self.matching)} file(s) match"]
        for label, paths in (("missing", self.missing), ("extra", self.extra), ("changed", self.changed)):
            if paths:
                lines.append(f"{label} ({len(paths)}): " + ", ".join(paths))
        return "; ".join(lines)

    def raise_if_damaged(self, bundle_dir: str | Path) -> None:
        """``CorruptDataError`` naming the first damaged path when anything does not match."""
        if not self.ok:
            first = (self.changed or self.missing or self.extra)[0]
            raise CorruptDataError(f"dataset under {bundle_dir} does not match its checksums: {self.summary()}", path=str(Path(bundle_dir) / first))


def verify_checksums(bundle_dir: str | Path, expected: Mapping[str, str], kinds: tuple[str, ...] | None = None) -> ChecksumReport:
    """Compare the partition files under ``bundle_dir`` with ``expected`` (relative path →
    SHA-256). ``kinds`` defaults to the storage kinds that ``expected`` mentions."""
    if kinds is None:
        named = {kind for kind, folder in FOLDERS.items() if any(p.startswith(folder + "/") for p in expected)}
        kinds = tuple(sorted(named)) or ("daily", "minute")
    actual = compute_checksums(bundle_dir, kinds)
    matching = sorted(p for p in expected if p in actual and actual[p] == expected[p])
    missing = sorted(p for p in expected if p not in actual)
    changed = sorted(p for p in expected if p in actual and actual[p] != expected[p])
    extra = sorted(p for p in actual if p not in expected)
    return ChecksumReport(tuple(matching), tuple(missing), tuple(extra), tuple(changed))
