"""Four writer processes ingest different symbols into one bundle and one catalog while four
reader processes run zipline backtests (``rustybt run``) against that bundle, two each.

The bundle starts with AAPL, IBM, KO and MSFT for January–March 2012. Each writer then
extends one symbol a quarter at a time to the end of 2012 (``rustybt ingest``, a fresh process
each step; every month is a partition file shared by all four). Each reader backtests 2012
twice in a row, recording every symbol's close each session.
Then:

* no writer or reader failed;
* every value a backtest recorded is the close the source holds for that symbol and
  session (no torn or mixed read), and each symbol's recorded sessions are a prefix of the
  year (no holes);
* every bar written is in the store, exactly, and ``rustybt catalog verify`` is clean.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

from rustybt.catalog.sqlite import DataCatalog

SYMBOLS = ("AAPL", "IBM", "KO", "MSFT")
BUNDLE = "conc"
STEP_ENDS = ["2012-06-30", "2012-09-30", "2012-12-31"]
RUNS_PER_READER = 2
ALGORITHM = """
from zipline.api import order, record, symbol

NAMES = ("AAPL", "IBM", "KO", "MSFT")


def initialize(context):
    context.assets = {name: symbol(name) for name in NAMES}
    context.bought = False


def handle_data(context, data):
    record(**{name: data.current(asset, "close") for name, asset in context.assets.items()})
    if not context.bought:
        for asset in context.assets.values():
            order(asset, 10)
        context.bought = True
"""


def test_a_backtest_that_never_trades_reports_its_summary(zygote: Any, kit: Any, baseline: Any, tmp_path: Path) -> None:
    home = baseline.restore()
    algo = tmp_path / "idle.py"
    algo.write_text("def initialize(context):\n    pass\n\n\ndef handle_data(context, data):\n    pass\n")
    err = tmp_path / "idle.err"
    args = ["run", str(algo), "--bundle", kit.BUNDLE, "--start", "2013-03-01", "--end", "2013-03-28", "--no-analyze"]
    rc = zygote.run(args, home, stderr=err)
    assert rc == 0, err.read_text()[-300:]


def _source_closes(kit: Any) -> dict[str, dict[date, float]]:
    closes = {}
    for name in SYMBOLS:
        frame = pl.read_csv(kit.EQUITIES / f"{name}.csv.gz", infer_schema=False).select("date", "close")
        closes[name] = {date.fromisoformat(d): float(c) for d, c in frame.iter_rows()}
    return closes


def _results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.slow
def test_writers_and_backtests_share_one_bundle_and_catalog(zygote: Any, kit: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name in SYMBOLS:
        assert zygote.run(kit.ingest_args(name, "2012-03-31", bundle=BUNDLE), home) == 0
    algo = tmp_path / "record_closes.py"
    algo.write_text(ALGORITHM)
    lanes: list[tuple[str, Any, Path]] = []
    for name in SYMBOLS:
        results = tmp_path / f"writer-{name}.jsonl"
        steps = [kit.ingest_args(name, end, bundle=BUNDLE) for end in STEP_ENDS]
        child = zygote.start(
            [], home, lane={"commands": steps, "results": str(results)}, stderr=tmp_path / f"w-{name}-{{n}}.err"
        )
        lanes.append(("writer", child, results))
    for i in range(4):
        results = tmp_path / f"reader-{i}.jsonl"
        run = ["run", str(algo), "--bundle", BUNDLE, "--start", "2012-01-03", "--end", "2012-12-31", "--no-analyze"]
        run += ["--output", str(tmp_path / f"perf-{i}-{{n}}.csv")]
        spec = {"commands": [run] * RUNS_PER_READER, "results": str(results)}
        lanes.append(("reader", zygote.start([], home, lane=spec, stderr=tmp_path / f"r-{i}-{{n}}.err"), results))
    for _, child, _ in lanes:
        assert child.wait() == 0

    runs = [(role, r) for role, _, path in lanes for r in _results(path)]
    failed = [(role, r) for role, r in runs if r["rc"] != 0]
    logs = {str(p.name): p.read_text()[-600:] for p in tmp_path.glob("*.err") if p.stat().st_size}
    assert failed == [], f"failed runs: {failed}; stderr: {logs}"
    writes = sum(role == "writer" for role, _ in runs)
    backtests = sum(role == "reader" for role, _ in runs)
    assert writes == len(SYMBOLS) * len(STEP_ENDS) and backtests == 4 * RUNS_PER_READER

    source = _source_closes(kit)
    sessions = sorted(d for d in source["KO"] if date(2012, 1, 3) <= d <= date(2012, 12, 31))
    seen_partial = 0
    for perf_file in sorted(tmp_path.glob("perf-*.csv")):
        perf = pd.read_csv(perf_file, index_col=0)
        days = [pd.Timestamp(t).date() for t in perf.index]
        for name in SYMBOLS:
            recorded = [(d, v) for d, v in zip(days, perf[name].tolist(), strict=True) if not math.isnan(v)]
            wrong = [(d, v, source[name].get(d)) for d, v in recorded if v != source[name].get(d)]
            assert wrong == [], f"{perf_file.name} {name}: read values nobody wrote: {wrong[:5]}"
            assert [d for d, _ in recorded] == sessions[: len(recorded)], (
                f"{perf_file.name} {name}: holes in {recorded}"
            )
            seen_partial += len(recorded) < len(sessions)
    assert seen_partial > 0, "no backtest ran while the writers were writing"

    stored = kit.read_bundle(home, BUNDLE)
    catalog = DataCatalog(f"sqlite:///{home / 'metadata.db'}")
    for name in SYMBOLS:
        sid = catalog.lookup_sid("csv:eq", name)
        got = {d: float(c) for d, c in stored.filter(pl.col("sid") == sid).select("date", "close").iter_rows()}
        want = {d: c for d, c in source[name].items() if date(2012, 1, 1) <= d <= date(2012, 12, 31)}
        assert got == want, f"{name}: stored bars differ from the written ones"
    rc, rows = zygote.verify(home)
    assert rc == 0 and {r["status"] for r in rows} == {"ok"}, rows
    print(f"concurrent operations {writes + backtests} ({writes} ingests, {backtests} backtests), errors 0; "
          f"{seen_partial} symbol-reads saw the year part-written")  # fmt: skip
