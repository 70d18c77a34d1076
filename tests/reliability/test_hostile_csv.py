"""Hostile CSV files through ``CSVAdapter`` and the ingest workflow into a real Parquet store
and SQLite catalog (lenient mode: valid rows stored, the others rejected).

Each example writes a file of clean daily bars in which some cells are replaced by hostile
text (NaN/inf, huge numbers, too many decimals, unicode, 10,000-character fields, SQL and
path-traversal strings, markup); a few examples break a date. Then either the ingest raises a
``RustyBTDataError`` naming the file and line, storing nothing, or it succeeds and:

* every clean row reads back with exactly its input values;
* every hostile row is stored with exactly the value its text spells (rounded to 8 decimals
  only when the summary counts a rounded value), or rejected with its ``file:line`` and rule;
* nothing else is stored, and the catalog's row count matches the store.

Hostile symbols (SQL, traversal, unicode, very long) asked of a folder source must be refused
with a ``RustyBTDataError`` and never read a file outside the folder.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import itertools
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.adapters.csv_adapter import CSVAdapter
from rustybt.catalog.sqlite import DataCatalog
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import RustyBTDataError
from rustybt.domain.resolution import Resolution
from rustybt.storage.parquet import ParquetWriter

_spec = importlib.util.spec_from_file_location("rustybt_reliability_hostile", Path(__file__).with_name("hostile.py"))
assert _spec is not None and _spec.loader is not None
hostile = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = hostile
_spec.loader.exec_module(hostile)

FIELDS = ("Open", "High", "Low", "Close", "Volume")
FIRST = date(2020, 1, 6)
QUICK, SOAK = 120, 200
TALLY = hostile.Tally()
_bundles = itertools.count()


@st.composite
def clean_row(draw: Any) -> list[Decimal]:
    low = draw(st.decimals(min_value=1, max_value=5000, places=4))
    spread = [draw(st.decimals(min_value=0, max_value=50, places=2)) for _ in range(3)]
    high = low + spread[0] + spread[1] + spread[2]
    open_, close = low + spread[0], low + spread[0] + spread[1]
    volume = draw(st.decimals(min_value=0, max_value=10**12, places=3))
    return [open_, high, low, close, volume]


@st.composite
def hostile_file(draw: Any) -> tuple[list[list[str]], dict[int, str]]:
    """Rows as text (date + 5 fields) and which rows were made hostile (row → what)."""
    rows: list[list[str]] = []
    spoiled: dict[int, str] = {}
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        day = FIRST + timedelta(days=i)
        values = [str(v) for v in draw(clean_row())]
        row = [day.isoformat(), *values]
        if draw(st.booleans()):
            column = draw(st.integers(min_value=1, max_value=5))
            row[column] = draw(hostile.hostile_number)
            spoiled[i] = FIELDS[column - 1]
        rows.append(row)
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        i = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        rows[i][0] = draw(hostile.hostile_date)
        spoiled[i] = "Date"
    return rows, spoiled


class Store:
    """One SQLite catalog and a fresh Parquet bundle per example."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.catalog = DataCatalog(f"sqlite:///{root / 'metadata.db'}")

    def bundle(self) -> tuple[str, ParquetWriter]:
        name = f"b{next(_bundles)}"
        return name, ParquetWriter(self.root / "bundles" / name)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as root:
        yield Store(Path(root))
    print(TALLY.line())


def _stored(writer: ParquetWriter) -> dict[date, list[Decimal]]:
    reader = writer.reader("1d")
    sids = reader.sids()
    if not sids:
        return {}
    frame = reader.load_raw_arrays(
        sids, ["open", "high", "low", "close", "volume"], "1990-01-01", "2100-01-01"
    ).collect()
    return {
        r[0]: list(r[2:]) for r in frame.select("date", "sid", "open", "high", "low", "close", "volume").iter_rows()
    }


def _check(store: Store, rows: list[list[str]], spoiled: dict[int, str]) -> None:
    TALLY.tried["csv rows"] += len(rows)
    TALLY.tried["csv hostile cells"] += len(spoiled)
    name, writer = store.bundle()
    path = store.root / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Date", *FIELDS])
        out.writerows(rows)
    adapter = CSVAdapter(path, name="hostile", symbol="HOST")
    try:
        summary = adapter.ingest_sync(
            ["HOST"], "2020-01-01", "2020-12-31", "1d", store.catalog, writer, mode="lenient", bundle=name
        )
    except RustyBTDataError as error:
        TALLY.outcomes[f"file refused ({'date' if 'Date' in spoiled.values() else 'number'})"] += 1
        assert str(path) in str(error) and "line" in str(error), f"the error names no file and line: {error}"
        assert _stored(writer) == {} and store.catalog.list_datasets(bundle=name) == []
        return
    stored = _stored(writer)
    rejected = {loc: rule for loc, rule in summary.rejected.select("location", "rule").iter_rows()}
    for i, row in enumerate(rows):
        day, location = date.fromisoformat(row[0]) if spoiled.get(i) != "Date" else None, f"{path}:{i + 2}"
        expected = [hostile.exact(text) for text in row[1:]]
        if i not in spoiled:
            assert stored.get(day) == expected, f"clean line {i + 2} {row} stored as {stored.get(day)}"
            continue
        if day in stored:
            TALLY.outcomes["hostile row stored"] += 1
            for got, want, text in zip(stored.pop(day), expected, row[1:], strict=True):
                assert want is not None, f"line {i + 2}: {hostile.cell(text)} is no number but was stored as {got}"
                with localcontext() as wide:  # a 30-digit volume quantized to 8 decimals needs 38 digits
                    wide.prec = 80
                    rounded = want.quantize(Decimal("1e-8"), rounding=ROUND_HALF_EVEN)
                assert got == want or (got == rounded and summary.values_rounded > 0), f"line {i + 2}: {text!r} → {got}"
            continue
        TALLY.outcomes["hostile row rejected"] += 1
        assert rejected.get(location), (
            f"line {i + 2} ({spoiled[i]}={hostile.cell(row)}) neither stored nor rejected: {rejected}"
        )
    clean_days = {date.fromisoformat(r[0]) for i, r in enumerate(rows) if i not in spoiled}
    assert set(stored) <= clean_days, f"bars nobody wrote: {sorted(set(stored) - clean_days)}"
    datasets = store.catalog.list_datasets(bundle=name)
    assert sum(d.row_count for d in datasets) == len(_stored(writer))


@settings(max_examples=QUICK, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_file())
def test_hostile_csv_cells_are_stored_exactly_or_rejected_by_line_and_rule(store: Store, case: Any) -> None:
    _check(store, *case)


@pytest.mark.slow
@settings(max_examples=SOAK, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_file())
def test_hostile_csv_cells_soak(store: Store, case: Any) -> None:
    _check(store, *case)


@settings(max_examples=QUICK, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.sampled_from(hostile.ATTACKS), hostile.hostile_text))
def test_hostile_symbols_are_refused_and_never_leave_the_folder(store: Store, symbol: str) -> None:
    TALLY.tried["csv symbols"] += 1
    folder = store.root / "symbols"
    if not folder.exists():
        folder.mkdir()
        (folder / "GOOD.csv").write_text("Date,Open,High,Low,Close,Volume\n2020-01-06,1,2,1,2,10\n")
        (store.root / "passwd.csv").write_text("Date,Open,High,Low,Close,Volume\n2020-01-06,6,6,6,6,6\n")
    adapter = CSVAdapter(folder, name="folder")
    try:
        frame = asyncio.run(adapter.fetch_raw([symbol], DateRange.of("2020-01-01", "2020-12-31"), Resolution.D1))
    except RustyBTDataError as error:
        TALLY.outcomes[f"symbol refused: {type(error).__name__}"] += 1
        assert str(error), "an empty error message"
        return
    assert frame.is_empty() or set(frame.get_column("symbol").to_list()) == {"GOOD"}, f"{symbol!r} read {frame}"
    TALLY.outcomes["symbol read"] += 1
