"""Running a unit of work in one transaction, retried while the database is busy.

SQLite reports a busy database as ``database is locked``; PostgreSQL as a serialization
failure or deadlock. Both are retried with jittered backoff until ``lock_timeout`` seconds
have passed, then surface as ``CatalogBusyError``. Every other database failure becomes
``CatalogStorageError``; domain errors raised by the work roll back and pass through.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from rustybt.catalog.sqlite.engine import WRITE_OPTION
from rustybt.catalog.sqlite.errors import CatalogBusyError, CatalogStorageError

T = TypeVar("T")

_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
_PG_RETRYABLE = {"40001", "40P01", "55P03"}
_PG_WRITE_LOCK = 0x52425443  # one advisory lock serializes catalog writers, as SQLite does
_FIRST_DELAY = 0.005
_MAX_DELAY = 0.25


def is_busy(err: DBAPIError) -> bool:
    """True when ``err`` means "another transaction holds the lock; try again"."""
    sqlstate = getattr(err.orig, "sqlstate", None)
    if sqlstate in _PG_RETRYABLE:
        return True
    message = str(err.orig).lower()
    return any(m in message for m in _SQLITE_BUSY)


class TransactionRunner:
    """Runs callables inside transactions on ``engine``; ``where`` names the database in errors."""

    def __init__(self, engine: Engine, where: str, lock_timeout: float) -> None:
        self.engine = engine
        self.where = where
        self.lock_timeout = lock_timeout
        self._postgres = engine.dialect.name == "postgresql"

    def read(self, work: Callable[[Connection], T], what: str) -> T:
        """Run ``work`` in a read transaction (a consistent snapshot)."""
        return self._run(work, what, write=False)

    def write(self, work: Callable[[Connection], T], what: str) -> T:
        """Run ``work`` in a write transaction: all of it is committed, or none."""
        return self._run(work, what, write=True)

    def _run(self, work: Callable[[Connection], T], what: str, *, write: bool) -> T:
        deadline = time.monotonic() + self.lock_timeout
        delay = _FIRST_DELAY
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._once(work, write)
            except DBAPIError as err:
                if not is_busy(err):
                    raise CatalogStorageError(f"{what} failed on {self.where}: {err.orig}") from err
                if time.monotonic() + delay > deadline:
                    raise CatalogBusyError(
                        f"{what} gave up on {self.where} after {attempts} attempts in "
                        f"{self.lock_timeout:g} s: the database stayed locked by other writers"
                    ) from err
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, _MAX_DELAY)

    def _once(self, work: Callable[[Connection], T], write: bool) -> T:
        with self.engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if write and self._postgres:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_WRITE_LOCK})
                return work(conn)
