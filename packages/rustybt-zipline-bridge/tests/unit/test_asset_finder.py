"""The schema-bound asset finder answers exactly as zipline's reflecting one, and refuses bad files."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from zipline.assets import AssetFinder

from rustybt.zipline_bridge.asset_db import SchemaBoundAssetFinder
from rustybt.zipline_bridge.errors import BundleFormatError


@pytest.fixture(scope="module")
def asset_db(example_data: Path) -> Path:
    return next((example_data / "root" / "data" / "test").iterdir()) / "assets-7.sqlite"


def _described(finder: AssetFinder) -> list[tuple]:
    return [
        (a.sid, a.symbol, a.asset_name, a.start_date, a.end_date, a.first_traded, a.auto_close_date, a.exchange_info)
        for a in finder.retrieve_all(finder.sids)
    ]


def test_lookups_equal_zipline_s_finder(asset_db: Path) -> None:
    theirs, ours = AssetFinder(str(asset_db)), SchemaBoundAssetFinder(asset_db)
    assert ours.sids == theirs.sids and ours.equities_sids == theirs.equities_sids
    assert _described(ours) == _described(theirs)
    day = pd.Timestamp("2010-01-04")
    assert ours.lookup_symbol("AAPL", day) == theirs.lookup_symbol("AAPL", day)
    assert ours.lookup_symbols(["MSFT", "DELL"], day) == theirs.lookup_symbols(["MSFT", "DELL"], day)
    dates = pd.DatetimeIndex(["2005-01-03", "2013-12-31"])
    ours_alive = ours.lifetimes(dates, include_start_date=False, country_codes=["US"])
    pd.testing.assert_frame_equal(ours_alive, theirs.lifetimes(dates, include_start_date=False, country_codes=["US"]))
    assert ours_alive.to_numpy().any()
    assert ours.exchange_info == theirs.exchange_info


def _altered(asset_db: Path, tmp_path: Path, statement: str) -> Path:
    """A copy of the asset database with ``statement`` applied."""
    copy = tmp_path / "assets-7.sqlite"
    shutil.copy(asset_db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute(statement)
    return copy


def test_a_file_without_zipline_s_tables_is_refused(asset_db: Path, tmp_path: Path) -> None:
    broken = _altered(asset_db, tmp_path, "DROP TABLE equity_symbol_mappings")
    with pytest.raises(BundleFormatError, match="equity_symbol_mappings"):
        SchemaBoundAssetFinder(broken)
    with pytest.raises(BundleFormatError, match="does not exist"):
        SchemaBoundAssetFinder(tmp_path / "missing.sqlite")


def test_another_asset_db_version_is_refused(asset_db: Path, tmp_path: Path) -> None:
    other = _altered(asset_db, tmp_path, "UPDATE version_info SET version = 6")
    with pytest.raises(BundleFormatError, match="version"):
        SchemaBoundAssetFinder(other)
