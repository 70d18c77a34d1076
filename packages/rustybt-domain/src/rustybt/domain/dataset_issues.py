"""What an ingest found wrong with a dataset's input, kept in the catalog beside it: the rows
it rejected and the flags it raised (a suspected split, a split with no jump in the prices).

One row per (row, rule): ``kind`` is ``rejected`` or ``flag``; ``timestamp`` the bar's time
(or day) as ISO text; ``location`` where the row came from (``file:line``) when the source said.
"""

from __future__ import annotations

import polars as pl

from rustybt.domain.errors import InvalidRequestError

REJECTED = "rejected"
FLAG = "flag"
ISSUE_KINDS = (REJECTED, FLAG)
ISSUE_SCHEMA = pl.Schema(
    {
        "kind": pl.String,
        "symbol": pl.String,
        "timestamp": pl.String,
        "rule": pl.String,
        "detail": pl.String,
        "location": pl.String,
    }
)


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def check_issues(issues: object) -> pl.DataFrame:
    """``issues`` with exactly the ``ISSUE_SCHEMA`` columns; ``InvalidRequestError`` naming
    what is wrong: not a frame, a missing column, an unknown kind or a row with no rule."""
    if not isinstance(issues, pl.DataFrame):
        raise InvalidRequestError(f"dataset issues must be a polars DataFrame, not {type(issues).__name__}")
    missing = [c for c in ISSUE_SCHEMA.names() if c not in issues.columns]
    if missing:
        raise InvalidRequestError(f"dataset issues lack column(s) {', '.join(missing)}; expected {', '.join(ISSUE_SCHEMA.names())}")
    try:
        frame = issues.select(pl.col(name).cast(dtype) for name, dtype in ISSUE_SCHEMA.items())
    except pl.exceptions.PolarsError as err:
        raise InvalidRequestError(f"dataset issues do not convert to text columns: {err}") from err
    kinds = set(frame.get_column("kind").drop_nulls().unique().to_list()) - set(ISSUE_KINDS)
    if kinds or frame.get_column("kind").has_nulls():
        raise InvalidRequestError(f"dataset issue kind must be one of {', '.join(ISSUE_KINDS)}, not {sorted(kinds) or [None]}")
    if frame.get_column("rule").has_nulls():
        raise InvalidRequestError("every dataset issue needs a rule")
    return frame


__all__ = ["FLAG", "ISSUE_KINDS", "ISSUE_SCHEMA", "REJECTED", "check_issues", "empty_issues"]
