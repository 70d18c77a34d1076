"""The disk tier on real files: layout, permissions, atomic writes, corruption, LRU, sharing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from rustybt.cache import DiskCache
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.errors import CacheError

QUERY = (["AAPL", "IBM", "KO", "MSFT"], "2012-01-03", "2014-12-31", "1d", "csvdir")
KEY = CacheKey.of(*QUERY)


def _key(symbol: str) -> CacheKey:
    return CacheKey.of([symbol], *QUERY[1:])


def test_files_live_under_cold_cache_with_private_modes(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    cache = DiskCache(tmp_path / "cache")
    cache.put_entry(KEY, real_bars)
    path = tmp_path / "cache" / "cold_cache" / f"{KEY.digest}.parquet"
    assert cache.path_for(KEY) == path and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "cache" / "cold_cache").stat().st_mode) == 0o700
    assert pl.read_parquet(path).equals(real_bars)  # an ordinary Parquet file
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_modes_are_configurable(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    old = os.umask(0)
    try:
        cache = DiskCache(tmp_path / "c", file_mode=0o640, dir_mode=0o750)
        cache.put_entry(KEY, real_bars)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.path_for(KEY).stat().st_mode) == 0o640
    assert stat.S_IMODE(cache.root.stat().st_mode) == 0o750


def test_real_bars_round_trip_exactly_across_instances(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    DiskCache(tmp_path).put(*QUERY, real_bars, checksum="ds-1")
    got = DiskCache(tmp_path).get(*QUERY, checksum="ds-1")
    assert got is not None
    frame = got.collect()
    assert frame.equals(real_bars) and frame.schema == real_bars.schema


def _damage_by_truncation(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damage_by_flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))


def _damage_by_zeroing(path: Path) -> None:
    path.write_bytes(b"\0" * path.stat().st_size)


def _damage_by_emptying(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [_damage_by_truncation, _damage_by_flip, _damage_by_zeroing, _damage_by_emptying])
def test_a_damaged_file_is_a_counted_miss_and_is_removed(tmp_path: Path, real_bars: pl.DataFrame, damage) -> None:  # type: ignore[no-untyped-def]
    cache = DiskCache(tmp_path)
    cache.put_entry(KEY, real_bars)
    cache.put_entry(_key("KO"), real_bars.head(3))
    damage(cache.path_for(KEY))
    assert cache.get_entry(KEY) is None
    assert not cache.path_for(KEY).exists()
    tier = cache.get_stats().tiers["disk"]
    assert (tier.corrupt, tier.misses, tier.entries) == (1, 1, 1)
    assert cache.get_entry(_key("KO")) is not None  # the other entry is untouched


def test_a_failed_write_keeps_the_previous_entry(tmp_path: Path, real_bars: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = DiskCache(tmp_path)
    cache.put_entry(KEY, real_bars)

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(CacheError, match=KEY.digest):
        cache.put_entry(KEY, real_bars.head(1))
    monkeypatch.undo()
    got = cache.get_entry(KEY)
    assert got is not None and got.collect().equals(real_bars)
    assert [p.suffix for p in cache.root.iterdir()] == [".parquet"]


def test_least_recently_accessed_file_is_evicted_first(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    cache = DiskCache(tmp_path, max_bytes=10 * 1024 * 1024)
    a, b, c = _key("A"), _key("B"), _key("C")
    cache.put_entry(a, real_bars)
    cache.put_entry(b, real_bars)
    size = cache.path_for(a).stat().st_size
    past = time.time() - 1000
    os.utime(cache.path_for(a), (past, past))
    os.utime(cache.path_for(b), (past + 1, past + 1))
    assert cache.get_entry(a) is not None  # bumps a's last access
    cache.max_bytes = 2 * size + size // 2
    cache.put_entry(c, real_bars)
    assert cache.path_for(a).exists() and cache.path_for(c).exists()
    assert not cache.path_for(b).exists()
    tier = cache.get_stats().tiers["disk"]
    assert tier.evictions == 1 and tier.entries == 2 and tier.bytes <= cache.max_bytes


def test_cleanup_enforces_the_bound_drops_stale_temp_files_and_long_unread_entries(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    cache = DiskCache(tmp_path, ttl_seconds=3600)
    for symbol in ("A", "B", "C", "D"):
        cache.put_entry(_key(symbol), real_bars)
    old = time.time() - 2 * 3600
    os.utime(cache.path_for(_key("A")), (old, old))  # unread for longer than the TTL
    for i, symbol in enumerate(("B", "C", "D")):
        os.utime(cache.path_for(_key(symbol)), (old + 3600 + 60 + i, old + 3600 + 60 + i))
    stale = cache.root / f"{_key('E').digest}.parquet.123.abc.tmp"
    stale.write_bytes(b"half a file")
    os.utime(stale, (old, old))
    fresh = cache.root / f"{_key('F').digest}.parquet.{os.getpid()}.def.tmp"  # a live writer
    fresh.write_bytes(b"being written")
    size = sum(cache.path_for(_key(s)).stat().st_size for s in ("C", "D"))
    cache.max_bytes = size
    result = cache.cleanup()
    assert (result.expired, result.evicted, result.stale_temp_files, result.entries) == (1, 1, 1, 2)
    assert not cache.path_for(_key("B")).exists()
    assert cache.path_for(_key("C")).exists() and cache.path_for(_key("D")).exists()
    assert fresh.exists() and not stale.exists()
    assert result.bytes == size


def test_an_entry_larger_than_the_budget_is_not_kept(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    cache = DiskCache(tmp_path, max_bytes=1000)
    cache.put_entry(KEY, real_bars)
    assert cache.get_entry(KEY) is None
    assert cache.get_stats().tiers["disk"].evictions == 1


WORKER = textwrap.dedent(
    """
    import os
    import sys
    import time

    import polars as pl
    from rustybt.cache import DiskCache
    from rustybt.domain.cache_key import CacheKey

    root, worker, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    frames = {n: pl.read_parquet(f"{root}/source_{n}.parquet") for n in range(3)}
    keys = [CacheKey.of([f"S{n}"], "2012-01-03", "2014-12-31", "1d", "csvdir") for n in range(3)]
    cache = DiskCache(f"{root}/shared", max_bytes=int(sys.argv[4]))
    while not os.path.exists(f"{root}/go"):  # start together, to contend
        time.sleep(0.005)
    hits = 0
    for i in range(rounds):
        n = (i + worker) % 3
        if (i + worker) % 2:
            cache.put_entry(keys[n], frames[n].head(100 + worker))
        got = cache.get_entry(keys[n])
        if got is not None:
            frame = got.collect()
            assert frame.equals(frames[n].head(frame.height)), (worker, i, n)
            assert 100 <= frame.height < 100 + 4, frame.height
            hits += 1
    stats = cache.get_stats().tiers["disk"]
    assert stats.corrupt == 0, stats
    print(hits, stats.evictions)
    """
)


def test_processes_sharing_one_folder_only_ever_see_whole_entries(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    for n in range(3):
        real_bars.filter(pl.col("sid") == n + 1).write_parquet(tmp_path / f"source_{n}.parquet")
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    budget = 12_000  # room for about two entries (~4.7 kB each): workers also evict each other's files
    workers = [
        subprocess.Popen([sys.executable, str(script), str(tmp_path), str(w), "150", str(budget)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(4)
    ]
    (tmp_path / "go").touch()
    results = [w.communicate(timeout=120) for w in workers]
    evictions = 0
    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
        hits, evicted = map(int, out.split())
        assert hits > 0
        evictions += evicted
    assert evictions > 0  # the workers did contend for the byte budget
    root = tmp_path / "shared" / "cold_cache"
    assert not list(root.glob("*.tmp"))
    assert sum(p.stat().st_size for p in root.glob("*.parquet")) <= budget
    cache = DiskCache(tmp_path / "shared")
    for path in root.glob("*.parquet"):
        assert cache.get_entry(path.stem) is not None
    assert cache.get_stats().tiers["disk"].corrupt == 0


def test_an_entry_put_by_one_process_is_a_hit_in_another(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    DiskCache(tmp_path).put(*QUERY, real_bars, checksum="ds-7")
    code = (
        "import sys; from rustybt.cache import DiskCache; "
        f"got = DiskCache(sys.argv[1]).get({QUERY[0]!r}, *{QUERY[1:]!r}, checksum='ds-7'); "
        "print(got.collect().height if got is not None else -1)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert int(out.stdout) == real_bars.height


def test_a_temp_file_of_a_writer_that_died_is_removed_at_the_next_cleanup(tmp_path: Path, real_bars: pl.DataFrame) -> None:
    cache = DiskCache(tmp_path)
    cache.put_entry(_key("A"), real_bars)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead = cache.root / f"{_key('B').digest}.parquet.{int(gone.stdout)}.abc.tmp"
    dead.write_bytes(b"half a file")
    live = cache.root / f"{_key('C').digest}.parquet.{os.getppid()}.def.tmp"
    live.write_bytes(b"being written")
    result = cache.cleanup()
    assert result.stale_temp_files == 1 and not dead.exists() and live.exists()
    assert (result.entries, result.bytes) == (1, cache.path_for(_key("A")).stat().st_size)
