"""Check migrated bars against their source: row counts, SHA-256 of sorted data, spot checks.

The source side is computed from the stored integers (or floats) with integer/Decimal
arithmetic of its own, not through the conversion that produced the stored frame, so a
conversion bug shows up as a checksum mismatch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import polars as pl

from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.schemas import FIELDS
from rustybt.zipline_bridge.migration.source_bars import SourceBars

_ONE = 10**8
_QUANTUM = Decimal(1).scaleb(-8)
SPOT_CHECKS = 1000


@dataclass
class ValidationResult:
    """Outcome of validating one migrated file."""

    source_rows: int
    stored_rows: int
    read_back_rows: int
    sha256_source: str
    sha256_parquet: str
    spot_checks: int
    spot_check_failures: list[dict[str, object]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.stored_rows == self.read_back_rows
            and self.sha256_source == self.sha256_parquet
            and not self.spot_check_failures
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "source_rows": self.source_rows,
            "stored_rows": self.stored_rows,
            "read_back_rows": self.read_back_rows,
            "sha256_source": self.sha256_source,
            "sha256_parquet": self.sha256_parquet,
            "checksums_match": self.sha256_source == self.sha256_parquet,
            "spot_checks": self.spot_checks,
            "spot_check_failures": self.spot_check_failures[:20],
            "passed": self.passed,
        }


def exact_source_value(raw: object, scale: int | None) -> Decimal:
    """The value a source cell stands for, as the Decimal the store must hold."""
    if scale is None:
        return Decimal(repr(float(raw))).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)  # type: ignore[arg-type]
    return (Decimal(int(raw)) / Decimal(scale)).quantize(_QUANTUM)  # type: ignore[call-overload]


def _time_key(column: str, kind: str) -> pl.Expr:
    if kind == "daily":
        return pl.col(column).cast(pl.Int32).cast(pl.String)
    return pl.col(column).dt.convert_time_zone("UTC").dt.epoch("us").cast(pl.String)


def _digest(lines: pl.Series) -> str:
    sha = hashlib.sha256()
    for line in lines.to_list():
        sha.update(line.encode())
        sha.update(b"\n")
    return sha.hexdigest()


def source_digest(bars: SourceBars, kept: pl.DataFrame) -> str:
    """SHA-256 of the kept source rows, sorted by (sid, time), values as 8-decimal text."""
    t = bars.time_column
    if bars.scaled and all(
        _ONE % s == 0 for s in set(kept["price_scale"].to_list()) | set(kept["volume_scale"].to_list())
    ):
        texts = [_scaled_text(f, "volume_scale" if f == "volume" else "price_scale") for f in FIELDS]
    else:
        texts = [_python_text(bars, kept, f) for f in FIELDS]
    lines = kept.sort("sid", t).select(
        pl.concat_str([pl.col("sid").cast(pl.String), _time_key(t, bars.kind), *texts], separator=",")
    )
    return _digest(lines.to_series())


def _scaled_text(column: str, scale_column: str) -> pl.Expr:
    units = pl.col(column).cast(pl.Int128) * (pl.lit(_ONE, pl.Int128) // pl.col(scale_column).cast(pl.Int128))
    return pl.concat_str([(units // _ONE).cast(pl.String), pl.lit("."), (units % _ONE).cast(pl.String).str.zfill(8)])


def _python_text(bars: SourceBars, kept: pl.DataFrame, f: str) -> pl.Expr:
    ordered = kept.sort("sid", bars.time_column)
    if bars.scaled:
        scales = ordered.get_column("volume_scale" if f == "volume" else "price_scale").to_list()
    else:
        scales = [None] * ordered.height
    values = [
        format(exact_source_value(v, s), "f") for v, s in zip(ordered.get_column(f).to_list(), scales, strict=True)
    ]
    return pl.lit(pl.Series(values, dtype=pl.String))


def stored_digest(reader: BarReader, sids: list[int], start: object, end: object) -> tuple[str, int]:
    """SHA-256 (same layout as ``source_digest``) and row count of what ``reader`` returns."""
    t = reader.time_column
    frame = reader.load_raw_arrays(sids, list(FIELDS), start, end).collect()  # type: ignore[arg-type]
    lines = frame.sort("sid", t).select(
        pl.concat_str(
            [
                pl.col("sid").cast(pl.String),
                _time_key(t, reader.storage_kind),
                *[pl.col(f).cast(pl.String) for f in FIELDS],
            ],
            separator=",",
        )
    )
    return _digest(lines.to_series()), frame.height


def spot_check(
    bars: SourceBars, kept: pl.DataFrame, reader: BarReader, *, count: int = SPOT_CHECKS, seed: int = 7
) -> tuple[int, list[dict[str, object]]]:
    """Compare ``count`` random (row, field) cells of the source with ``reader.get_value``."""
    if kept.height == 0:
        return 0, []
    rng = np.random.default_rng(seed)
    rows = rng.choice(kept.height, size=min(count, kept.height), replace=False)
    fields = rng.integers(0, len(FIELDS), size=len(rows))
    t = bars.time_column
    failures = []
    for row, fi in zip(rows.tolist(), fields.tolist(), strict=True):
        record = kept.row(row, named=True)
        name = FIELDS[fi]
        scale = None
        if bars.scaled:
            scale = record["volume_scale" if name == "volume" else "price_scale"]
        expected = exact_source_value(record[name], scale)
        actual = reader.get_value(record["sid"], record[t], name)
        if actual != expected:
            failures.append(
                {"sid": record["sid"], t: str(record[t]), "field": name, "source": str(expected), "stored": str(actual)}
            )
    return len(rows), failures
