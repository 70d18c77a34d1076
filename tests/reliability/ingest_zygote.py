"""A warm process that forks one ``rustybt`` command per request, with phase hooks.

Started once by the crash tests: it imports the command line and everything an ingest loads,
then reads one JSON request per line on stdin: ``{"args": [...], "home": DIR, "events": FILE,
"pause": SECONDS, "stdout": FILE, "stderr": FILE, "env": {NAME: VALUE}}`` (only ``args`` and
``home`` required; ``env`` is added to the child's environment). A request with ``"cache":
{"root": DIR, "max_bytes": N, "keys": N, "seed": N, "two_tier": BOOL}`` instead runs
``cache_puts`` in the child: cache puts until killed. A request with ``"lane": {"commands":
[[ARGS...], ...], "repeat_until": FILE, "results": FILE}`` runs the commands one after another,
each in a fresh fork (``{n}`` in an argument, ``stdout`` or ``stderr`` becomes the run number), cycling through them
until ``repeat_until`` exists when given, and appends one JSON line per run to ``results``:
``{"n", "args", "rc", "seconds"}``.
For each it forks a child that runs ``rustybt ARGS`` and answers
``{"pid": PID}`` at once and ``{"pid": PID, "rc": CODE}`` when the child ends (exit code, or
minus the signal that killed it). Forking a process that has imported but never run polars
leaves the child a clean thread pool.

In the child, named points of the ingest append a line to ``events`` when reached and then
pause ``pause`` seconds, so that a kill after a random delay lands in each phase:

``fetch``     the source is asked for bars
``stage``     one merged partition goes to its temp file
``rename``    staged files are renamed over their targets
``register``  files are in place, the catalog not yet told
``complete``  the catalog records the dataset complete
``bundle``    the zipline side of the bundle is written
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import ccxt.async_support  # noqa: F401  (warm import)
import polars

import rustybt.app.bundles as bundles
import rustybt.catalog.sqlite
import rustybt.storage.parquet.atomic as atomic
import rustybt.zipline_bridge.bundle_files  # warm import
import rustybt.zipline_bridge.migration.migrator  # noqa: F401  (warm import: zipline, h5py)
from rustybt.adapters.csv_adapter import CSVAdapter
from rustybt.app.cli import main
from rustybt.catalog.sqlite import DataCatalog


def _hooked(owner: Any, name: str, phase: str, mark: Callable[[str], None]) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark(phase)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def _install_hooks(events: str, pause: float) -> None:
    fd = os.open(events, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def mark(phase: str) -> None:
        os.write(fd, f"{phase}\n".encode())
        time.sleep(pause)

    _hooked(CSVAdapter, "fetch_raw", "fetch", mark)
    _hooked(atomic, "stage", "stage", mark)
    _hooked(atomic, "commit", "rename", mark)
    original_replace = os.replace

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        original_replace(src, dst, *args, **kwargs)
        if str(src).endswith(atomic.TEMP_SUFFIX):
            time.sleep(pause / 4)

    atomic.os.replace = replace  # type: ignore[attr-defined]
    _hooked(DataCatalog, "update_file_checksums", "register", mark)
    update_dataset = DataCatalog.update_dataset

    def completing(self: DataCatalog, dataset_id: str, **changes: Any) -> Any:
        info = update_dataset(self, dataset_id, **changes)
        if changes.get("status") == "complete":
            mark("complete")
        return info

    DataCatalog.update_dataset = completing  # type: ignore[method-assign]
    _hooked(bundles, "prepare_bundle", "bundle", mark)
    import rustybt.app.commands.ingest_cmd as ingest_cmd

    ingest_cmd.prepare_bundle = bundles.prepare_bundle


def cache_frame(key: int, version: int) -> polars.DataFrame:
    """The entry put for ``key`` by its ``version``-th put, a frame of bars: every row names both
    (``sid`` the key, ``volume`` the version, ``open`` the row), and the row count and prices
    follow from them, so a torn or mixed entry cannot pass for a whole one."""
    rows = 300 + (key * 37 + version * 11) % 500
    close = polars.Series("close", [f"{key}.{version:04d}{i % 10_000:04d}" for i in range(rows)]).cast(polars.Decimal(18, 8))
    return polars.DataFrame(
        {"sid": [key] * rows, "open": list(range(rows)), "high": close, "low": close, "close": close, "volume": [version] * rows}
    )


def cache_puts(spec: dict[str, Any]) -> None:
    """Put entries into a disk cache (or a two-tier manager over one) forever."""
    import random

    from rustybt.cache import CacheManager, DiskCache
    from rustybt.domain.cache_key import CacheKey

    root, max_bytes = spec["root"], int(spec["max_bytes"])
    if spec.get("two_tier"):
        cache: Any = CacheManager(
            root, hot_cache_size_mb=1, cold_cache_size_mb=max_bytes / 2**20, ttl_seconds=None, write_behind=True
        )
    else:
        cache = DiskCache(root, max_bytes, ttl_seconds=None)
    rng = random.Random(int(spec["seed"]))
    version = 0
    while True:
        key = rng.randrange(int(spec["keys"]))
        version += 1
        cache.put_entry(
            CacheKey.of([f"K{key}"], "2024-01-01", "2024-01-31", "1d", "cache-crash"), cache_frame(key, version)
        )


def _lane(request: dict[str, Any]) -> int:
    lane = request["lane"]
    stop = lane.get("repeat_until")
    n = 0
    with open(lane["results"], "a", encoding="utf-8") as results:
        while True:
            for args in lane["commands"]:
                concrete = [a.replace("{n}", str(n)) for a in args]
                started = time.monotonic()
                pid = os.fork()
                if pid == 0:
                    code = 1
                    try:
                        named = {k: request[k].replace("{n}", str(n)) for k in ("stdout", "stderr") if request.get(k)}
                        code = _child({**request, **named, "args": concrete, "lane": None})
                    except BaseException:
                        traceback.print_exc()
                    finally:
                        sys.stderr.flush()
                        os._exit(code)
                _, status = os.waitpid(pid, 0)
                rc = os.waitstatus_to_exitcode(status)
                line = {"n": n, "args": concrete, "rc": rc, "seconds": round(time.monotonic() - started, 3)}
                results.write(json.dumps(line) + "\n")
                results.flush()
                n += 1
            if not stop or os.path.exists(stop):
                return 0


def _child(request: dict[str, Any]) -> int:
    if request.get("lane"):
        return _lane(request)
    os.environ["RUSTYBT_HOME"] = request["home"]
    os.environ.update(request.get("env") or {})
    if request.get("events"):
        _install_hooks(request["events"], float(request.get("pause", 0.0)))
    target = request.get("stdout") or os.devnull
    os.dup2(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
    if request.get("stderr"):
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    if request.get("cache"):
        cache_puts(request["cache"])
    try:
        main.main(args=request["args"], prog_name="rustybt", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def _report(pid: int, lock: threading.Lock) -> None:
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    with lock:
        sys.stdout.write(json.dumps({"pid": pid, "rc": rc}) + "\n")
        sys.stdout.flush()


def serve() -> None:
    lock = threading.Lock()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        with lock:
            sys.stdout.write(json.dumps({"pid": pid}) + "\n")
            sys.stdout.flush()
        threading.Thread(target=_report, args=(pid, lock), daemon=True).start()


if __name__ == "__main__":
    serve()
