"""SIGKILL a process putting entries into the disk cache (and into the two-tier manager with
write-behind) at random moments, with a small byte budget so that evictions run too.

Every entry put for key ``k`` by its ``v``-th put has rows that all name ``k`` and ``v``, with
a row count and prices that follow from them (see ``cache_frame`` in ``ingest_zygote.py``).
After each kill a fresh cache over the same folder must: read every key as a miss or as one
whole entry (never a mixed or torn one, never a corrupt file); report entries and bytes equal
to the files on disk; and after ``cleanup()`` hold no temp file of the dead writer and fit its
budget.
"""

from __future__ import annotations

import random
import signal
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rustybt.cache import DiskCache
from rustybt.cache.disk import SUFFIX, TEMP_SUFFIX
from rustybt.domain.cache_key import CacheKey

KEYS = 12
MAX_BYTES = 24 * 1024  # about 8 of the 12 entries (2.7-3.9 KB each): every trial evicts
KILLS = {False: 20, True: 12}


def _key(k: int) -> CacheKey:
    return CacheKey.of([f"K{k}"], "2024-01-01", "2024-01-31", "1d", "cache-crash")


def _whole(k: int, frame: pl.DataFrame) -> str | None:
    """Why ``frame`` is not one whole entry of key ``k`` (``None`` when it is)."""
    versions = frame.get_column("volume").unique().to_list()
    if len(versions) != 1 or frame.get_column("sid").unique().to_list() != [k]:
        return f"rows of several puts: keys {frame.get_column('sid').unique().to_list()}, versions {versions}"
    v = versions[0]
    rows = 300 + (k * 37 + v * 11) % 500
    if frame.height != rows or frame.get_column("open").to_list() != list(range(rows)):
        return f"{frame.height} rows, the put had {rows}"
    expected = [Decimal(f"{k}.{v:04d}{i % 10_000:04d}") for i in range(rows)]
    return None if frame.get_column("close").to_list() == expected else "prices differ from the put"


@pytest.mark.parametrize("two_tier", [False, True], ids=["disk", "two-tier"])
def test_a_killed_cache_put_never_leaves_a_wrong_entry_or_wrong_accounting(
    zygote: Any, tmp_path: Path, two_tier: bool
) -> None:
    rng = random.Random(2026 + two_tier)
    root = tmp_path / "cache"
    hits = misses = mid_write = trial = 0
    while trial < KILLS[two_tier] or (not mid_write and trial < 4 * KILLS[two_tier]):  # until a kill lands mid-write
        trial += 1
        spec = {"root": str(root), "max_bytes": MAX_BYTES, "keys": KEYS, "seed": trial, "two_tier": two_tier}
        child = zygote.start([], tmp_path, cache=spec)
        time.sleep(rng.uniform(0.05, 0.3))
        assert child.kill() == -signal.SIGKILL, f"trial {trial}: the cache writer ended on its own"

        cache = DiskCache(root, MAX_BYTES, ttl_seconds=None)
        files = sorted(p for p in cache.root.iterdir() if p.name.endswith(SUFFIX))
        stats = cache.get_stats().tiers["disk"]
        assert (stats.entries, stats.bytes) == (len(files), sum(p.stat().st_size for p in files)), f"trial {trial}"
        for k in range(KEYS):
            entry = cache.fetch(_key(k))
            if entry is None:
                misses += 1
                continue
            hits += 1
            problem = _whole(k, entry.frame.collect() if isinstance(entry.frame, pl.LazyFrame) else entry.frame)
            assert problem is None, f"trial {trial}, key {k}: {problem}"
        assert cache.get_stats().tiers["disk"].corrupt == 0, f"trial {trial}: a killed put left a torn file"
        mid_write += any(p.name.endswith(TEMP_SUFFIX) for p in cache.root.iterdir())
        result = cache.cleanup()
        temps = [p.name for p in cache.root.iterdir() if p.name.endswith(TEMP_SUFFIX)]
        assert temps == [], f"trial {trial}: temp files of the dead writer survive cleanup: {temps}"
        assert result.bytes <= MAX_BYTES and result.bytes == sum(p.stat().st_size for p in cache.root.iterdir())
    assert hits > 0 and misses > 0 and mid_write > 0, (hits, misses, mid_write)
    kind = "two-tier" if two_tier else "disk"
    print(
        f"cache puts killed {trial} times ({kind}), {mid_write} mid-write: {hits} whole hits, {misses} misses"
    )
