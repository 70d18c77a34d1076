"""find_dataset reads only the datasets that hold the requested symbols (SQLite's plan),
whether the database has the seeded planner statistics or measured ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects import sqlite as sqlite_dialect

from rustybt.catalog.sqlite import DataCatalog
from rustybt.catalog.sqlite.queries import find_dataset
from rustybt.domain.date_range import DateRange
from rustybt.domain.resolution import Resolution


def _plan(catalog: DataCatalog, source: str | None) -> list[str]:
    query, values = find_dataset(["AAPL", "MSFT"], DateRange.of("2024-01-01", "2024-02-01"), Resolution.D1, source)
    expanded = query.compile(dialect=sqlite_dialect.dialect()).construct_expanded_state(values)
    with catalog.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {expanded.statement}", tuple(expanded.positional_parameters))
        return [str(r[3]) for r in rows]


def _fill(catalog: DataCatalog) -> None:
    for i in range(60):
        symbols = [f"S{i}", f"S{i + 1}", "AAPL" if i % 3 == 0 else f"X{i}"]
        catalog.register_dataset(
            "yfinance" if i % 2 else "csv:x", symbols, "2023-01-01", "2024-12-31", "1d" if i % 4 else "1h", "c"
        )


def test_find_starts_from_the_symbol_index(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(tmp_path / "m.db")
    _fill(catalog)
    for source in (None, "yfinance"):
        plan = _plan(catalog, source)
        assert plan[0].startswith("SEARCH symbols USING COVERING INDEX idx_symbols_symbol"), plan
        assert not any("idx_datasets_resolution" in step or "idx_datasets_source" in step for step in plan), plan


def test_measured_statistics_keep_the_plan(tmp_path: Path, open_catalog: Callable[..., DataCatalog]) -> None:
    catalog = open_catalog(tmp_path / "m.db")
    _fill(catalog)
    with catalog.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    catalog.close()
    reopened = open_catalog(tmp_path / "m.db")
    assert _plan(reopened, "yfinance")[0].startswith("SEARCH symbols USING COVERING INDEX idx_symbols_symbol")
    assert reopened.find_dataset(["AAPL", "S0"], "2024-01-01", "2024-02-01", "1h") is not None
