"""Four processes commit to one table head at once, retrying on conflicts: no commit is lost and
the versions are contiguous, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rustybt.catalog.sqlite import DataCatalog
from rustybt.contract.version_log_support import DAILY, stored

PROCESSES = 4
COMMITS = 50

WORKER = r"""
import json, random, sys, time
from pathlib import Path
from rustybt.catalog.sqlite import DataCatalog
from rustybt.contract.version_log_support import DAILY, stored
from rustybt.domain.commit_retry import commit_with_retries

url, worker, count, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
catalog = DataCatalog(url)
while not go.exists():
    time.sleep(0.005)
latencies, attempts = [], 0
first = time.time()

def attempt(base, name):
    global attempts
    attempts += 1
    time.sleep(random.random() * 0.002)  # the writer's work between reading the base and committing
    return catalog.commit(DAILY, base, [stored(name)], operation="ingest", dataset_id=f"w{worker}", rows_added=10)

for i in range(count):
    name = f"w{worker}-{i}"
    started = time.perf_counter()
    commit_with_retries(catalog, DAILY, lambda base: attempt(base, name), attempts=200)
    latencies.append(time.perf_counter() - started)
print(json.dumps({"latencies": latencies, "attempts": attempts, "first": first, "last": time.time()}))
"""


def test_four_processes_commit_to_one_head_and_lose_nothing(
    database_url: str, tmp_path: Path, open_catalog: Callable[..., DataCatalog]
) -> None:
    catalog = open_catalog(database_url)
    catalog.commit(DAILY, 0, [stored("seed")], operation="import")
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, str(w), str(COMMITS), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(PROCESSES)
    ]
    time.sleep(1.0)  # every worker has opened the catalog
    go.touch()
    results = []
    for proc in workers:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    wall = max(r["last"] for r in results) - min(r["first"] for r in results)

    total = PROCESSES * COMMITS
    history = catalog.history(DAILY)
    assert catalog.head(DAILY) == total + 1
    assert [(v.version, v.parent) for v in history] == [(n, n - 1) for n in range(1, total + 2)]
    assert all(a.committed_at < b.committed_at for a, b in itertools.pairwise(history))
    expected = {stored(f"w{w}-{i}").path for w in range(PROCESSES) for i in range(COMMITS)} | {stored("seed").path}
    snapshot = catalog.snapshot(DAILY)
    assert set(snapshot.paths) == expected
    by_path = {f.path: f.seq for f in snapshot.files}
    for v in history[1:]:  # each version holds the file of the worker that committed it
        worker = v.dataset_id
        assert worker is not None
        assert sum(1 for p, seq in by_path.items() if seq == v.version and f"part-{worker}-" in p) == 1

    latencies = sorted(x for r in results for x in r["latencies"])
    retries = sum(r["attempts"] for r in results) - total
    print(
        f"\n{catalog.engine.dialect.name}: {PROCESSES} writers x {COMMITS} commits: {retries} retries, commit median "
        f"{statistics.median(latencies) * 1e3:.1f} ms, p95 {latencies[int(0.95 * len(latencies))] * 1e3:.1f} ms, "
        f"{total / wall:.0f} commits/s"
    )
