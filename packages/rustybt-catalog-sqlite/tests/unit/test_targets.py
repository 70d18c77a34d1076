"""Naming the database: file paths and URLs, missing drivers, busy-error classification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from rustybt.catalog.sqlite.engine import make_engine, sqlite_file, to_url
from rustybt.catalog.sqlite.transactions import is_busy
from rustybt.domain.errors import ConfigurationError, NotInstalledError


@pytest.mark.parametrize(
    ("target", "backend", "database"),
    [
        ("metadata.db", "sqlite", "metadata.db"),
        (Path("/var/lib/rustybt/metadata.db"), "sqlite", "/var/lib/rustybt/metadata.db"),
        ("sqlite:////abs/metadata.db", "sqlite", "/abs/metadata.db"),
        ("sqlite:///rel/metadata.db", "sqlite", "rel/metadata.db"),
        ("postgresql+psycopg://rbt:secret@127.0.0.1:5432/catalog", "postgresql", "catalog"),
    ],
)
def test_paths_and_urls(target: str | Path, backend: str, database: str) -> None:
    url = to_url(target)
    assert (url.get_backend_name(), url.database) == (backend, database)


def test_home_folder_is_expanded() -> None:
    assert to_url("~/metadata.db").database == str(Path.home() / "metadata.db")


def test_only_sqlite_files_are_files() -> None:
    assert sqlite_file(to_url("sqlite:////abs/m.db")) == Path("/abs/m.db")
    assert sqlite_file(to_url("sqlite://")) is None
    assert sqlite_file(to_url("sqlite:///:memory:")) is None
    assert sqlite_file(to_url("postgresql+psycopg://u@h/db")) is None


@pytest.mark.parametrize("bad", ["", "postgresql+psycopg://u@h:notaport/db"])
def test_bad_targets_are_configuration_errors(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        to_url(bad)


def test_missing_driver_names_what_to_install() -> None:
    with pytest.raises(NotInstalledError, match=r"rustybt-catalog-sqlite\[postgresql\]"):
        make_engine(to_url("postgresql+nosuchdriver://u@h/db"), busy_timeout=1.0)


def test_busy_errors_are_recognised() -> None:
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    other = OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))
    assert is_busy(locked)
    assert not is_busy(other)
