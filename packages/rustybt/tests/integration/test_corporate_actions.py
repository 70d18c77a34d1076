"""Splits and dividends recorded in the catalog reach the zipline adjustments of a bundle."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from rustybt.adapters import CSVAdapter
from rustybt.app import build_container, load_settings
from rustybt.app.bundles import prepare_bundle
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA

SHARED = Path(__file__).resolve().parents[4] / ".." / "shared" / "data"
CSVDIR = SHARED / "zipline-test-resources" / "csvdir_samples" / "csvdir" / "daily"
OHLCV = ("open", "high", "low", "close", "volume")


def test_actions_become_zipline_adjustments(tmp_path: Path) -> None:
    app = build_container(load_settings(tmp_path, env={}))
    adapter = CSVAdapter(CSVDIR, name="csvdir", exchange="NASDAQ", schema_mapping={"date_column": "date", **{f"{c}_column": c for c in OHLCV}})
    adapter.ingest_sync(["AAPL", "KO"], "2012-01-01", "2014-12-31", "1d", app.catalog, app.writer("eq"), bundle="eq")
    actions = pl.DataFrame(
        [("AAPL", date(2014, 6, 9), "split", Decimal("7")), ("KO", date(2012, 8, 13), "split", Decimal("2")), ("KO", date(2014, 9, 11), "dividend", Decimal("0.305"))],
        schema=CORPORATE_ACTIONS_SCHEMA,
        orient="row",
    )
    assert app.catalog.record_corporate_actions("NASDAQ", actions) == 3
    prepare_bundle(app, "eq")
    db = tmp_path / "bundles" / "eq" / "zipline" / "adjustments.sqlite"
    with sqlite3.connect(db) as conn:
        splits = conn.execute("SELECT sid, effective_date, ratio FROM splits ORDER BY effective_date").fetchall()
        dividends = conn.execute("SELECT sid, effective_date, ratio FROM dividends").fetchall()
    aapl = app.catalog.lookup_sid("NASDAQ", "AAPL")
    ko = app.catalog.lookup_sid("NASDAQ", "KO")
    assert [(s, r) for s, _, r in splits] == [(ko, 0.5), (aapl, 1 / 7)]
    assert [s for s, _, _ in dividends] == [ko]
    assert 0.99 < dividends[0][2] < 1.0  # 1 - dividend / previous close
