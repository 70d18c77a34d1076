"""The bar cache: hot hit, cold (disk) hit, Redis hit and the miss path, against bare reads, in one run.

    python benchmarks/bench_cache.py           # 500 assets × 252 sessions of daily bars
    python benchmarks/bench_cache.py --quick   # 100 assets × 63 sessions, seconds

The reference of the cold and Redis hits and of the miss path is a bare read of the same
frame from a plain Parquet file (ZSTD 3, ``pl.read_parquet``), measured in the same run. The
hot hit is compared with a bare ``OrderedDict`` get + ``move_to_end``. Redis runs as a
``redis-server`` subprocess on 127.0.0.1 on a free port when the binary is installed;
otherwise its rows say so. Times are medians.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic

from rustybt.cache import CacheManager, DiskCache, RedisCache
from rustybt.domain.cache_key import CacheKey

ROWS: list[tuple[str, str, str, str]] = []


def median_seconds(fn: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> float:
    if before:
        before()
    fn()  # warm
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def row(what: str, seconds: float | None, ratio: str, target: str) -> None:
    value = "—" if seconds is None else fmt(seconds)
    ROWS.append((what, value, ratio, target))
    print(f"  {what:<50} {value:>12} {ratio:>12}  {target}", flush=True)


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A throwaway redis-server on 127.0.0.1 (its URL), or None when the binary is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(400):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def bench(n_assets: int, n_sessions: int, repeat: int, work: Path) -> None:
    frame = synthetic.daily_universe(n_assets, n_sessions, late_listing_fraction=0.0)
    symbols = [f"SYM{i:04d}" for i in range(n_assets)]
    query = (symbols, "2024-01-02", "2024-12-31", "1d", "bench")
    key = CacheKey.of(*query)
    print(f"\ndaily: {n_assets} assets × {n_sessions} sessions, {frame.height:,} rows, "
          f"{frame.estimated_size() / 1e6:.1f} MB in memory", flush=True)

    bare_file = work / "bare.parquet"
    frame.write_parquet(bare_file, compression="zstd", compression_level=3)
    bare = median_seconds(lambda: pl.read_parquet(bare_file), repeat)

    print(f"\n  {'what':<50} {'median':>12} {'ratio':>12}  target")
    manager = CacheManager(work / "cache", hot_cache_size_mb=2048, cold_cache_size_mb=4096)
    manager.put(*query, frame)
    od: OrderedDict[str, pl.LazyFrame] = OrderedDict({key.digest: frame.lazy()})

    def dict_hit() -> None:
        od.get(key.digest)
        od.move_to_end(key.digest)

    floor = median_seconds(dict_hit, repeat * 2000)
    hot_key = median_seconds(lambda: manager.get_entry(key), repeat * 2000)
    hot_query = median_seconds(lambda: manager.get(*query), repeat * 2000)
    spec_key = median_seconds(lambda: CacheKey.of(*query).digest, repeat * 20)
    row("OrderedDict get + move_to_end (floor)", floor, "1.0×", "")
    row("hot hit, CacheKey object", hot_key, f"{hot_key / floor:.1f}× floor", "≤ 50 µs (spec < 1 ms)")
    row(f"hot hit, get({n_assets} symbols, ...) memoized key", hot_query, f"{hot_query / floor:.1f}× floor", "≤ 50 µs (spec < 1 ms)")
    row(f"the spec's key computed afresh ({n_assets} symbols)", spec_key, f"{spec_key / floor:.0f}× floor", "(avoided by the memo)")

    row("bare read of the same frame, pl.read_parquet", bare, "1.00×", "reference")
    disk = DiskCache(work / "disk", 4096 * 1024 * 1024)
    disk.put_entry(key, frame)
    cold = median_seconds(lambda: disk.get_entry(key), repeat)
    row("cold hit, DiskCache alone (sealed Parquet)", cold, f"{cold / bare:.2f}× bare", "≤ 30 ms (spec 10–100 ms)")
    promoted = median_seconds(lambda: manager.get_entry(key), repeat, before=manager.hot.clear)
    row("cold hit through CacheManager (+ promotion)", promoted, f"{promoted / bare:.2f}× bare", "≤ 30 ms (spec 10–100 ms)")

    with redis_server() as url:
        if url is None:
            row("Redis hit", None, "—", "redis-server not installed: not measured")
        else:
            for form in ("ipc", "parquet"):
                shared = RedisCache(url, prefix=f"bench:{form}:", max_bytes=4096 * 1024 * 1024, format=form)  # type: ignore[arg-type]
                shared.put_entry(key, frame)
                hit = median_seconds(lambda shared=shared: shared.get_entry(key), repeat)  # type: ignore[misc]
                row(f"Redis hit, RedisCache alone ({form})", hit, f"{hit / bare:.2f}× bare", "≤ 30 ms (as a cold hit)")
            two = CacheManager(work / "redis-two", cold=RedisCache(url, prefix="bench:two:"))
            two.put(*query, frame)
            via = median_seconds(lambda: two.get_entry(key), repeat, before=two.hot.clear)
            row("Redis hit through CacheManager (+ promotion)", via, f"{via / bare:.2f}× bare", "≤ 30 ms")

    miss_key = CacheKey.of(["NOT-CACHED"], *query[1:])
    miss_only = median_seconds(lambda: manager.get_entry(miss_key), repeat * 20)
    row("miss check alone (hot + cold lookups)", miss_only, f"{miss_only / bare:.3f}× bare", "small next to the read")

    def miss_path() -> None:
        if manager.get_entry(miss_key) is None:
            manager.put_entry(miss_key, pl.read_parquet(bare_file))

    full = median_seconds(miss_path, repeat, before=lambda: manager.invalidate(miss_key))
    row("miss + bare read + put (write-through)", full, f"{full / bare:.2f}× bare", "paid once per query")

    behind = CacheManager(work / "behind", hot_cache_size_mb=2048, cold_cache_size_mb=4096, write_behind=True)

    def miss_path_behind() -> None:
        if behind.get_entry(miss_key) is None:
            behind.put_entry(miss_key, pl.read_parquet(bare_file))

    def reset_behind() -> None:
        behind.flush()
        behind.invalidate(miss_key)

    lean = median_seconds(miss_path_behind, repeat, before=reset_behind)
    behind.close()
    row("miss + bare read + put (write_behind=True)", lean, f"{lean / bare:.2f}× bare", "≈ 1× bare")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 assets × 63 sessions, fewer repeats")
    args = parser.parse_args(argv)
    n_assets, n_sessions, repeat = (100, 63, 5) if args.quick else (500, 252, 21)
    with tempfile.TemporaryDirectory(prefix="rustybt-bench-cache-") as tmp:
        bench(n_assets, n_sessions, repeat, Path(tmp))
    print("\n| what | median | ratio | target |\n|---|---|---|---|")
    for what, value, ratio, target in ROWS:
        print(f"| {what} | {value} | {ratio} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
