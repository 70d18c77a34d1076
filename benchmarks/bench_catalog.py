"""Metadata catalog: ``find_dataset`` latency over a large catalog, and registration throughput.

Fills a SQLite catalog with 10,000 datasets holding 100,000 symbol rows in all (10 per
dataset, drawn from 20,000 tickers with a few popular ones in many datasets), then times
``find_dataset`` for requests that match and requests that do not. References measured in the
same run: the same SQL through the bare ``sqlite3`` module on the same file (the floor under
SQLAlchemy and argument checks), and registration of the same rows through bare ``sqlite3``.

    python benchmarks/bench_catalog.py            # 10,000 datasets (about a minute)
    python benchmarks/bench_catalog.py --quick    # 1,000 datasets (seconds)
    python benchmarks/bench_catalog.py --url postgresql+psycopg://user@host/db
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.dialects import sqlite as sqlite_dialect

from rustybt.catalog.sqlite import DataCatalog
from rustybt.catalog.sqlite.queries import find_dataset as find_query
from rustybt.domain.date_range import DateRange
from rustybt.domain.resolution import Resolution

UTC = timezone.utc
TARGET_MS = 2.0
SYMBOLS_PER_DATASET = 10
POPULAR = ["SPY", "QQQ", "AAPL", "MSFT", "BTC/USDT", "ETH/USDT"]
SOURCES = ["yfinance", "ccxt:binance", "ccxt:kraken", "csv:vendor"]
RESOLUTIONS = ["1d", "1d", "1h", "1m"]


@dataclass(frozen=True)
class Spec:
    source: str
    symbols: tuple[str, ...]
    start: date
    end: date
    resolution: str


def make_specs(count: int, universe: int, rng: random.Random) -> list[Spec]:
    tickers = [f"T{i:05d}" for i in range(universe)]
    specs = []
    for _ in range(count):
        names = set(rng.sample(tickers, SYMBOLS_PER_DATASET - 1))
        names.add(rng.choice(POPULAR) if rng.random() < 0.5 else rng.choice(tickers))
        while len(names) < SYMBOLS_PER_DATASET:
            names.add(rng.choice(tickers))
        start = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 12 * 365))
        end = start + timedelta(days=rng.randrange(30, 3 * 365))
        specs.append(Spec(rng.choice(SOURCES), tuple(sorted(names)), start, end, rng.choice(RESOLUTIONS)))
    return specs


def make_requests(
    specs: Sequence[Spec], count: int, universe: int, rng: random.Random
) -> tuple[list[Spec], list[Spec]]:
    """Requests that a dataset satisfies, and requests no dataset satisfies."""
    hits, misses = [], []
    for _ in range(count):
        spec = rng.choice(specs)
        names = tuple(rng.sample(spec.symbols, rng.randint(1, 4)))
        span = (spec.end - spec.start).days
        start = spec.start + timedelta(days=rng.randrange(0, span // 2))
        hits.append(
            Spec(spec.source, names, start, start + timedelta(days=rng.randrange(1, span // 2)), spec.resolution)
        )
        absent = (f"T{rng.randrange(universe):05d}", f"NOPE{rng.randrange(10**6)}")
        misses.append(Spec(spec.source, absent, spec.start, spec.end, spec.resolution))
    return hits, misses


def timed(calls: Sequence[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1000)
    return out


def register(catalog: DataCatalog, spec: Spec) -> str:
    return catalog.register_dataset(
        spec.source, spec.symbols, spec.start, spec.end, spec.resolution, "c" * 64, row_count=1000, size_bytes=1 << 16
    )


def raw_registration_ms(specs: Sequence[Spec], folder: Path) -> list[float]:
    """The same rows registered with bare sqlite3 (same schema, WAL, one transaction each)."""
    path = folder / "raw.db"
    DataCatalog(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    seq = 0

    def one(spec: Spec) -> None:
        nonlocal seq
        seq += 1
        ident = str(uuid.uuid4())
        span = DateRange.of(spec.start, spec.end)
        start, end = (
            int((t - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 10**6) for t in (span.start, span.end)
        )
        now = int(time.time() * 10**6)
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO datasets (dataset_id, source, resolution, start_date, end_date, checksum, parquet_path,"
            " created_at, last_updated, row_count, size_bytes, status, bundle, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, 1000, 65536, 'complete', NULL, ?)",
            (ident, spec.source, spec.resolution, start, end, "c" * 64, now, now, seq),
        )
        db.executemany(
            "INSERT INTO symbols (dataset_id, symbol, asset_type, exchange, metadata) VALUES (?, ?, 'equity', NULL, NULL)",
            [(ident, s) for s in spec.symbols],
        )
        db.execute("COMMIT")

    times = timed([lambda s=s: one(s) for s in specs])
    db.close()
    return times


def raw_finds(path: Path, requests: Sequence[Spec]) -> list[Callable[[], object]]:
    """``find_dataset``'s own SQL for each request, compiled beforehand, run by bare sqlite3."""
    db = sqlite3.connect(path)
    dialect = sqlite_dialect.dialect(paramstyle="qmark")
    calls: list[Callable[[], object]] = []
    for spec in requests:
        query, values = find_query(
            spec.symbols, DateRange.of(spec.start, spec.end), Resolution.parse(spec.resolution), spec.source
        )
        expanded = query.compile(dialect=dialect).construct_expanded_state(values)
        sql, params = expanded.statement, list(expanded.positional_parameters)
        calls.append(lambda sql=sql, params=params: db.execute(sql, params).fetchone())
    return calls


def summarize(label: str, values: Sequence[float], reference: Sequence[float] | None, unit: str = "ms") -> str:
    median = statistics.median(values)
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)
    ratio = f"{median / statistics.median(reference):6.2f}x" if reference else "      -"
    return f"{label:<44} {median:9.3f} {p95:9.3f} {unit:>4} {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 datasets instead of 10,000")
    parser.add_argument("--url", help="catalog URL (default: a new SQLite file in a temp folder)")
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args()
    datasets = 1_000 if opts.quick else 10_000
    queries = 200 if opts.quick else 1_000
    universe = datasets * 2
    rng = random.Random(opts.seed)
    specs = make_specs(datasets, universe, rng)
    hits, misses = make_requests(specs, queries, universe, rng)

    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        folder = Path(tmp)
        catalog = DataCatalog(opts.url or folder / "metadata.db")
        began = time.perf_counter()
        register_ms = timed([lambda s=s: register(catalog, s) for s in specs])
        fill_s = time.perf_counter() - began
        symbol_rows = sum(len(s.symbols) for s in specs)

        for spec in hits[:20]:  # warm the statement cache and the page cache
            catalog.find_dataset(spec.symbols, spec.start, spec.end, spec.resolution, spec.source)
        hit_ms = timed(
            [lambda s=s: catalog.find_dataset(s.symbols, s.start, s.end, s.resolution, s.source) for s in hits]
        )
        miss_ms = timed(
            [lambda s=s: catalog.find_dataset(s.symbols, s.start, s.end, s.resolution, s.source) for s in misses]
        )
        found = sum(catalog.find_dataset(s.symbols, s.start, s.end, s.resolution, s.source) is not None for s in hits)
        any_source_ms = timed([lambda s=s: catalog.find_dataset(s.symbols, s.start, s.end, s.resolution) for s in hits])

        raw_hit_ms = raw_miss_ms = raw_reg_ms = None
        if catalog.engine.dialect.name == "sqlite":
            path = Path(catalog.metadata_db_path)
            raw_hit_ms = timed(raw_finds(path, hits))
            raw_miss_ms = timed(raw_finds(path, misses))
            raw_reg_ms = raw_registration_ms(specs[: min(1000, len(specs))], folder)
        catalog.close()

    print(
        f"catalog: {datasets:,} datasets, {symbol_rows:,} symbol rows, {universe:,} tickers ({opts.url or 'SQLite file'})"
    )
    print(f"found {found}/{len(hits)} matching requests; filling took {fill_s:.1f} s")
    print(f"{'':<44} {'median':>9} {'p95':>9} {'unit':>4} {'ratio':>7}")
    print(summarize("find_dataset, match (vs bare sqlite3)", hit_ms, raw_hit_ms))
    print(summarize("find_dataset, no match (vs bare sqlite3)", miss_ms, raw_miss_ms))
    print(summarize("find_dataset, match, any source", any_source_ms, raw_hit_ms))
    print(summarize("find_dataset, match (vs the 2 ms target)", hit_ms, [TARGET_MS]))
    print(summarize("register_dataset (vs bare sqlite3 inserts)", register_ms, raw_reg_ms))
    print(f"registration throughput: {1000 / statistics.median(register_ms):,.0f} datasets/s (median), "
          f"{len(specs) / fill_s:,.0f} datasets/s over the whole fill")  # fmt: skip


if __name__ == "__main__":
    main()
