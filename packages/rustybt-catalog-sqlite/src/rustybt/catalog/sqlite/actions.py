"""Splits and dividends per sid in the ``corporate_actions`` table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import polars as pl
from sqlalchemy import Connection, delete, select, tuple_

from rustybt.catalog.sqlite import sids
from rustybt.catalog.sqlite.tables import assets, corporate_actions
from rustybt.domain.assets import AssetType
from rustybt.domain.corporate_actions import STORED_ACTIONS_SCHEMA

EPOCH = date(1970, 1, 1)


def store(conn: Connection, exchange: str, actions: pl.DataFrame, at: int) -> int:
    """Insert ``actions`` (checked) for ``exchange``, replacing the same (sid, date, action)."""
    sid_of = {
        symbol: sids.insert_if_new(conn, exchange, symbol, AssetType.EQUITY, at)[0]
        for symbol in actions.get_column("symbol").unique().to_list()
    }
    rows = [
        {"sid": sid_of[symbol], "ex_date": (when - EPOCH).days, "action": action, "value": str(value)}
        for symbol, when, action, value in actions.select("symbol", "date", "action", "value").iter_rows()
    ]
    keys = [(r["sid"], r["ex_date"], r["action"]) for r in rows]
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        conn.execute(
            delete(corporate_actions).where(
                tuple_(corporate_actions.c.sid, corporate_actions.c.ex_date, corporate_actions.c.action).in_(chunk)
            )
        )
    if rows:
        conn.execute(corporate_actions.insert(), rows)
    return len(rows)


def load(conn: Connection, wanted: Sequence[int] | None) -> pl.DataFrame:
    query = select(
        corporate_actions.c.sid, assets.c.symbol, corporate_actions.c.ex_date, corporate_actions.c.action, corporate_actions.c.value
    ).join(assets, assets.c.sid == corporate_actions.c.sid)
    if wanted is not None:
        query = query.where(corporate_actions.c.sid.in_([int(s) for s in wanted]))
    query = query.order_by(corporate_actions.c.sid, corporate_actions.c.ex_date, corporate_actions.c.action)
    rows = [
        (int(sid), symbol, EPOCH + timedelta(days=int(days)), action, Decimal(value))
        for sid, symbol, days, action, value in conn.execute(query)
    ]
    return pl.DataFrame(rows, schema=STORED_ACTIONS_SCHEMA, orient="row")
