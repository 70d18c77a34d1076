"""Rejected rows of a lenient ingest: one row per (row, rule), located in its source."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from rustybt.domain.decimals import ValueIssue
from rustybt.domain.validation import ValidationReport

REJECTED_SCHEMA_BASE = {
    "row": pl.Int64,
    "symbol": pl.String,
    "timestamp": pl.String,
    "rule": pl.String,
    "detail": pl.String,
}
REJECTED_SCHEMA = {**REJECTED_SCHEMA_BASE, "location": pl.String}
# Optional columns of a raw frame naming where each row came from (e.g. a CSV file and line).
LOCATION_COLUMNS = ("source_file", "source_line")


def rejections(
    frame: pl.DataFrame, issues: Sequence[ValueIssue], report: ValidationReport, raw: pl.DataFrame
) -> pl.DataFrame:
    """One row per (row, rule) rejected, with where the row came from when the source says."""
    found: list[tuple[int, str | None, str | None, str, str]] = [
        (i.row, i.symbol, i.when, f"decimal_{i.reason}", i.describe(with_row=False)) for i in issues
    ]
    hits = [(row, v.rule, v.message) for v in report.errors for row in v.rows]
    if hits:
        picked = frame.select("symbol", "timestamp")[[row for row, _, _ in hits]]
        for (row, rule, message), (symbol, when) in zip(hits, picked.iter_rows(), strict=True):
            found.append((row, symbol, str(when), rule, message))
    if not found:
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    rejected = pl.DataFrame(found, schema=REJECTED_SCHEMA_BASE, orient="row").sort("row", "rule")
    return rejected.with_columns(_locations(raw, rejected.get_column("row")))


def without_rejected(frame: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
    """``frame`` minus every row named in ``rejected``."""
    if rejected.is_empty():
        return frame
    bad = rejected.get_column("row").unique()
    return frame.with_row_index("__row").filter(~pl.col("__row").is_in(bad.implode())).drop("__row")


def _locations(raw: pl.DataFrame, rows: pl.Series) -> pl.Series:
    """``file:line`` of each row when the source delivered ``source_file``/``source_line``."""
    if not set(LOCATION_COLUMNS) <= set(raw.columns):
        return pl.Series("location", [None] * rows.len(), dtype=pl.String)
    picked = raw.select(LOCATION_COLUMNS)[rows.to_list()]
    text = picked.select(pl.format("{}:{}", *LOCATION_COLUMNS)).to_series()
    return text.alias("location")


__all__ = ["LOCATION_COLUMNS", "REJECTED_SCHEMA", "REJECTED_SCHEMA_BASE", "rejections", "without_rejected"]
