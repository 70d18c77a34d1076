"""Checks of corporate-action frames, shared by every catalog."""

from __future__ import annotations

import polars as pl

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.schemas import CORPORATE_ACTION_KINDS, CORPORATE_ACTIONS_SCHEMA, PRICE_DTYPE, check_schema

STORED_ACTIONS_SCHEMA = pl.Schema({"sid": pl.Int64(), "symbol": pl.String(), "date": pl.Date(), "action": pl.String(), "value": PRICE_DTYPE})


def check_corporate_actions(actions: pl.DataFrame) -> pl.DataFrame:
    """``actions`` with duplicates (same symbol, date, action) reduced to the last; raises
    ``InvalidRequestError`` naming the first bad row."""
    check_schema(actions, CORPORATE_ACTIONS_SCHEMA, what="corporate actions")
    indexed = actions.with_row_index("__row")
    bad = indexed.filter(
        pl.any_horizontal(pl.col(c).is_null() for c in CORPORATE_ACTIONS_SCHEMA.names())
        | ~pl.col("action").is_in(list(CORPORATE_ACTION_KINDS))
        | (pl.col("value") <= 0)
    )
    if not bad.is_empty():
        row = bad.row(0, named=True)
        raise InvalidRequestError(
            f"corporate action at row {row['__row']} ({row['symbol']!r} {row['date']} {row['action']!r} {row['value']}) is invalid: "
            f"action must be one of {', '.join(CORPORATE_ACTION_KINDS)} with a positive value, no field empty"
        )
    return actions.unique(["symbol", "date", "action"], keep="last", maintain_order=True)
