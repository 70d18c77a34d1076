"""Opening the catalog database: a file path or a SQLAlchemy URL becomes a configured engine.

SQLite gets WAL, foreign keys, a busy timeout and explicit ``BEGIN`` statements (``BEGIN
IMMEDIATE`` for writes, so two writers queue on the lock instead of failing on upgrade). A new
database file is created with ``file_mode`` inside folders created with ``dir_mode``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from rustybt.domain.errors import ConfigurationError, NotInstalledError

WRITE_OPTION = "rustybt_write"
"""Execution option marking a connection whose transaction will write."""

DbTarget = str | os.PathLike[str] | URL


def to_url(target: DbTarget) -> URL:
    """A SQLAlchemy URL for a file path (``metadata.db``) or a URL string/object."""
    if isinstance(target, URL):
        return target
    text = os.fspath(target)
    if not text:
        raise ConfigurationError("the catalog database path is empty; give a file path or a SQLAlchemy URL")
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        return make_url(text)
    except (ArgumentError, ValueError) as err:
        raise ConfigurationError(f"catalog database URL {text!r} is not a valid SQLAlchemy URL") from err


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, ``None`` for in-memory databases and other backends."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def create_private_file(path: Path, file_mode: int, dir_mode: int) -> None:
    """Create ``path`` (and missing parent folders) readable by its owner only, if it is new."""
    missing = [p for p in reversed(path.parents) if not p.exists()]
    for folder in missing:
        try:
            folder.mkdir(mode=dir_mode)
        except FileExistsError:
            continue
        os.chmod(folder, dir_mode)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, file_mode)


def make_engine(url: URL, *, busy_timeout: float, echo: bool = False, **options: Any) -> Engine:
    """A configured engine for ``url``. Raises ``NotInstalledError`` for a missing driver."""
    backend = url.get_backend_name()
    if backend == "sqlite" and sqlite_file(url) is None:
        options.setdefault("poolclass", StaticPool)
        options.setdefault("connect_args", {"check_same_thread": False})
    try:
        engine = create_engine(url, echo=echo, **options)
    except (ModuleNotFoundError, NoSuchModuleError) as err:
        extra = "rustybt-catalog-sqlite[postgresql]" if backend == "postgresql" else f"a driver for {backend!r}"
        raise NotInstalledError(f"the catalog URL needs {url.drivername!r}: install {extra} ({err})") from err
    if backend == "sqlite":
        _configure_sqlite(engine, busy_timeout)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN, so that writes can use BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
