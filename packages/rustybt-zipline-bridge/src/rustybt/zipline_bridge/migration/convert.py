"""Source bars to the storage schema, exactly: stored integer / scale, in decimal arithmetic.

Rows with a price zipline stored as 0 (which it reads back as NaN: "no price", or a value
outside the uint32 range it silently zeroed) are never stored as prices: they are left out
and listed in the report, with the columns concerned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from rustybt.domain.decimals import ConversionMode, to_decimal_columns
from rustybt.domain.errors import DecimalConversionError, InvalidRequestError
from rustybt.domain.schemas import FIELDS, PRICE_DTYPE, PRICE_FIELDS, VOLUME_DTYPE, storage_schema
from rustybt.zipline_bridge.migration.source_bars import SourceBars

SCALE = 8
_ONE = 10**SCALE


@dataclass
class ZeroValueReport:
    """Values zipline stored as 0/NaN: rows left out, and kept bars with zero volume."""

    nan_price_rows: list[dict[str, object]] = field(default_factory=list)
    zero_volume_rows: int = 0
    empty_rows: int = 0
    rounded_values: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "nan_price_rows": len(self.nan_price_rows),
            "nan_price_examples": self.nan_price_rows[:20],
            "zero_volume_rows": self.zero_volume_rows,
            "empty_rows": self.empty_rows,
            "rounded_values": self.rounded_values,
        }


def split_unpriced(bars: SourceBars, report: ZeroValueReport) -> pl.DataFrame:
    """The rows of ``bars`` that have every price; the others go to ``report``."""
    frame = bars.frame
    if bars.scaled:
        bad = pl.any_horizontal([pl.col(f) == 0 for f in PRICE_FIELDS])
    else:
        bad = pl.any_horizontal([pl.col(f).is_null() | pl.col(f).is_nan() | (pl.col(f) == 0) for f in PRICE_FIELDS])
    unpriced = frame.filter(bad)
    t = bars.time_column
    for row in unpriced.iter_rows(named=True):
        zeroed = [f for f in PRICE_FIELDS if not row[f] or row[f] != row[f]]
        report.nan_price_rows.append(
            {
                "sid": row["sid"],
                "symbol": bars.sid_symbols.get(row["sid"]),
                t: str(row[t]),
                "columns": zeroed,
                "file": bars.path,
            }
        )
    kept = frame.filter(~bad)
    report.zero_volume_rows += kept.filter((pl.col("volume") == 0) | pl.col("volume").is_null()).height
    report.empty_rows += bars.empty_rows
    return kept


def scaled_decimal(column: str, scale_column: str, scales: set[int], dtype: pl.Decimal) -> pl.Expr:
    """``column / scale_column`` as an exact Decimal; scales must divide 10**8."""
    if any(_ONE % s for s in scales):
        raise InvalidRequestError(f"scale(s) {sorted(s for s in scales if _ONE % s)} do not divide 10**8")
    return (pl.col(column).cast(pl.Decimal(38, SCALE)) / pl.col(scale_column).cast(pl.Decimal(38, 0))).cast(dtype)


def to_storage_frame(bars: SourceBars, kept: pl.DataFrame, report: ZeroValueReport) -> pl.DataFrame:
    """``kept`` rows in the storage schema of ``bars.kind``."""
    t = bars.time_column
    if bars.scaled:
        scales = set(kept.get_column("price_scale").unique().to_list()) | set(
            kept.get_column("volume_scale").unique().to_list()
        )
        if all(_ONE % s == 0 for s in scales):
            frame = kept.select(
                t,
                "sid",
                *[scaled_decimal(f, "price_scale", scales, PRICE_DTYPE).alias(f) for f in PRICE_FIELDS],
                scaled_decimal("volume", "volume_scale", scales, VOLUME_DTYPE).alias("volume"),
            )
        else:
            frame = _python_decimals(kept, t)
    else:
        conversion = to_decimal_columns(
            kept.with_columns(pl.col("sid").cast(pl.String).alias("symbol")),
            mode=ConversionMode.LENIENT,
            time_column=t,
        )
        conversion.raise_if_rejected()
        report.rounded_values += len(conversion.rounded)
        frame = conversion.frame.drop("symbol")
    return frame.select(list(storage_schema(bars.kind))).sort("sid", t)


def _python_decimals(kept: pl.DataFrame, t: str) -> pl.DataFrame:
    quantum = Decimal(1).scaleb(-SCALE)
    data: dict[str, list[Decimal]] = {}
    for f in FIELDS:
        scale_col = "volume_scale" if f == "volume" else "price_scale"
        values = []
        for raw, scale in zip(kept.get_column(f).to_list(), kept.get_column(scale_col).to_list(), strict=True):
            exact = Decimal(raw) / Decimal(scale)
            if exact != exact.quantize(quantum):
                raise DecimalConversionError(
                    f"{f} = {raw}/{scale} has more than {SCALE} decimals",
                    column=f,
                    reason="too_many_decimals",
                    value=str(raw),
                )
            values.append(exact.quantize(quantum))
        data[f] = values
    return kept.select(t, "sid").with_columns(
        *[pl.Series(f, data[f], dtype=VOLUME_DTYPE if f == "volume" else PRICE_DTYPE) for f in FIELDS]
    )
