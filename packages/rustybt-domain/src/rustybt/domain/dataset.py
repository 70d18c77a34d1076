"""What the catalog knows about a dataset."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rustybt.domain.assets import AssetType
from rustybt.domain.resolution import Resolution

PENDING = "pending"  # being written, interrupted, or failed validation: verify names it
COMPLETE = "complete"  # its files and the catalog agree
DATASET_STATUSES = (PENDING, COMPLETE)


@dataclass(frozen=True)
class SymbolRange:
    """The span one symbol covers inside a dataset.

    ``gaps`` counts the bars missing between its first and last bar (``validation.gaps``: the
    one definition every summary, listing and report uses); ``None`` when it was not counted
    (records from before counting). ``has_gaps`` follows ``gaps`` when that is known."""

    symbol: str
    start: datetime
    end: datetime
    bar_count: int
    has_gaps: bool = False
    gaps: int | None = None

    def __post_init__(self) -> None:
        if self.gaps is not None:
            object.__setattr__(self, "has_gaps", self.gaps > 0)


@dataclass(frozen=True)
class DatasetInfo(Mapping[str, Any]):
    """Full metadata of a registered dataset.

    Also readable as a mapping (``info["checksum"]``), as the spec's ``get_dataset_info``
    returns a dict.
    """

    dataset_id: str
    source: str
    resolution: Resolution
    start_date: datetime
    end_date: datetime
    checksum: str
    parquet_path: str = ""
    created_at: datetime | None = None
    last_updated: datetime | None = None
    row_count: int = 0
    size_bytes: int = 0
    symbols: tuple[str, ...] = ()
    date_ranges: tuple[SymbolRange, ...] = ()
    file_checksums: Mapping[str, str] = field(default_factory=dict)
    bundle: str | None = None
    status: str = COMPLETE
    exchange: str | None = None  # what the dataset's sids are keyed by, with each symbol
    asset_type: AssetType = AssetType.EQUITY

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-friendly dict (times as ISO strings, resolution as text)."""
        raw = asdict(self)
        raw["resolution"] = str(self.resolution)
        raw["asset_type"] = self.asset_type.value
        for name in ("start_date", "end_date", "created_at", "last_updated"):
            value = raw[name]
            raw[name] = value.isoformat() if value is not None else None
        raw["date_ranges"] = [
            {**r, "start": r["start"].isoformat(), "end": r["end"].isoformat()} for r in raw["date_ranges"]
        ]
        raw["symbols"] = list(self.symbols)
        raw["file_checksums"] = dict(self.file_checksums)
        return raw
