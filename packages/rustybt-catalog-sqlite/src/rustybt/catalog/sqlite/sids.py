"""Stable sids: one per (exchange or source, symbol), assigned once and never reused."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rustybt.catalog.sqlite import audit
from rustybt.catalog.sqlite.tables import assets
from rustybt.domain.assets import Asset, AssetType
from rustybt.domain.errors import UnknownSidError


def lookup(conn: Connection, exchange: str, symbol: str) -> int | None:
    query = select(assets.c.sid).where(assets.c.exchange == exchange, assets.c.symbol == symbol)
    found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def insert_if_new(conn: Connection, exchange: str, symbol: str, asset_type: AssetType, at: int) -> tuple[int, bool]:
    """The sid of (exchange, symbol) and whether this call created it."""
    values = {"exchange": exchange, "symbol": symbol, "asset_type": asset_type.value, "created_at": at}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(assets).values(values).on_conflict_do_nothing(index_elements=["exchange", "symbol"])
    created = conn.execute(statement.returning(assets.c.sid)).scalar()
    if created is not None:
        return int(created), True
    query = select(assets.c.sid).where(assets.c.exchange == exchange, assets.c.symbol == symbol)
    return int(conn.execute(query).scalar_one()), False


def lookup_many(conn: Connection, exchange: str, symbols: list[str], chunk: int = 500) -> dict[str, int]:
    """The sids already assigned to ``symbols`` of ``exchange`` (unknown symbols are absent)."""
    found: dict[str, int] = {}
    for first in range(0, len(symbols), chunk):
        query = select(assets.c.symbol, assets.c.sid).where(
            assets.c.exchange == exchange, assets.c.symbol.in_(symbols[first : first + chunk])
        )
        found.update((str(symbol), int(sid)) for symbol, sid in conn.execute(query))
    return found


def assign_many(conn: Connection, exchange: str, symbols: list[str], asset_type: AssetType, at: int) -> dict[str, int]:
    """The sids of ``symbols`` of ``exchange``, creating (and auditing) the new ones in order."""
    assigned = lookup_many(conn, exchange, symbols)  # again: another process may have added some
    for symbol in symbols:
        if symbol not in assigned:
            sid, created = insert_if_new(conn, exchange, symbol, asset_type, at)
            assigned[symbol] = sid
            if created:
                audit.record(conn, at, "assign_sid", sid=sid, exchange=exchange, symbol=symbol, asset_type=asset_type.value)
    return assigned


def get(conn: Connection, sid: int) -> Asset:
    row = conn.execute(select(assets).where(assets.c.sid == sid)).mappings().first()
    if row is None:
        raise UnknownSidError(sid, "the catalog")
    return _asset(row)


def listing(conn: Connection, exchange: str | None) -> list[Asset]:
    query = select(assets).order_by(assets.c.sid)
    if exchange is not None:
        query = query.where(assets.c.exchange == exchange)
    return [_asset(row) for row in conn.execute(query).mappings()]


def _asset(row: object) -> Asset:
    values = dict(row)  # type: ignore[call-overload]
    return Asset(int(values["sid"]), values["exchange"], values["symbol"], AssetType.parse(values["asset_type"]))
