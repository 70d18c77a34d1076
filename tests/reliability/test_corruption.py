"""One damaged Parquet file — a flipped byte, a truncation, a deletion — in a small store.

Every partition file of bundle ``csv-eq`` (KO, 24 months) is damaged in turn, each way:
``rustybt catalog verify`` must name the file and fail, and a read of that month must raise
``CorruptDataError`` naming the file (a deleted file: no bars, never invented ones) while
every other month reads back exactly. A sweep of flipped bytes over one file checks that a
read never returns numbers other than the stored ones. A damaged cold-cache file is a miss.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rustybt.cache.disk import DiskCache
from rustybt.cache.entry import CachedFrame
from rustybt.domain.errors import CorruptDataError
from rustybt.storage.parquet import ParquetWriter

MONTHS = [(y, m) for y in (2012, 2013) for m in range(1, 13)]
FIELDS = ["open", "high", "low", "close", "volume"]


def _relative(year: int, month: int) -> str:
    return f"daily_bars/year={year}/month={month:02d}/data.parquet"


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif how == "truncate":
        path.write_bytes(bytes(data[: len(data) * 2 // 3]))
    else:
        path.unlink()


def _month(home: Path, bundle: str, year: int, month: int, sids: list[int]) -> pl.DataFrame:
    """The bars of one month, read through the product's reader with partition pruning."""
    reader = ParquetWriter(home / "bundles" / bundle).reader("1d")
    end = date.fromordinal(date(year + month // 12, month % 12 + 1, 1).toordinal() - 1)
    return reader.load_raw_arrays(sids, FIELDS, date(year, month, 1), end).collect().sort(pl.all())


@pytest.mark.parametrize("how", ["flip", "truncate", "delete"])
@pytest.mark.parametrize(("year", "month"), MONTHS, ids=[f"{y}-{m:02d}" for y, m in MONTHS])
def test_a_damaged_partition_is_named_by_verify_and_by_reads(
    zygote: Any, kit: Any, baseline: Any, how: str, year: int, month: int
) -> None:
    home = baseline.restore()
    sids = baseline.bars.get_column("sid").unique().to_list()
    relative = _relative(year, month)
    target = home / "bundles" / kit.BUNDLE / relative
    assert target.is_file()
    neighbour = MONTHS[(MONTHS.index((year, month)) + 1) % len(MONTHS)]
    intact_neighbour = _month(home, kit.BUNDLE, *neighbour, sids=sids)
    assert _month(home, kit.BUNDLE, year, month, sids).height > 0
    _damage(target, how)

    rc, rows = zygote.verify(home)
    by_id = {r["dataset_id"]: r for r in rows}
    assert rc == 1
    ko = by_id[baseline.ko_id]
    assert ko["status"] == "damaged" and relative in ko["missing" if how == "delete" else "changed"]
    assert all(r["status"] == "ok" for i, r in by_id.items() if i != baseline.ko_id)

    if how == "delete":
        assert _month(home, kit.BUNDLE, year, month, sids).is_empty()
    else:
        with pytest.raises(CorruptDataError) as caught:
            _month(home, kit.BUNDLE, year, month, sids)
        assert str(target) in str(caught.value) or relative in str(caught.value), str(caught.value)
    assert _month(home, kit.BUNDLE, *neighbour, sids=sids).equals(intact_neighbour)


def test_no_flipped_byte_makes_a_read_return_other_numbers(kit: Any, baseline: Any) -> None:
    home = baseline.restore()
    sids = baseline.bars.get_column("sid").unique().to_list()
    target = home / "bundles" / kit.BUNDLE / _relative(2013, 6)
    original = target.read_bytes()
    intact = _month(home, kit.BUNDLE, 2013, 6, sids)
    step = max(1, len(original) // 400)
    outcomes = {"error": 0, "same": 0}
    for position in range(0, len(original), step):
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        target.write_bytes(bytes(damaged))
        try:
            read = _month(home, kit.BUNDLE, 2013, 6, sids)
        except CorruptDataError as err:
            assert str(target) in str(err), str(err)
            outcomes["error"] += 1
            continue
        assert read.equals(intact), f"byte {position} flipped: the read returned other numbers"
        outcomes["same"] += 1
    target.write_bytes(original)
    assert outcomes["error"] > 0, outcomes


@pytest.mark.parametrize("how", ["flip-each", "truncate", "empty"])
def test_a_damaged_cold_cache_file_is_a_miss(tmp_path: Path, how: str) -> None:
    frame = pl.DataFrame({"sid": [1, 2, 3], "close": ["1.5", "2.25", "3.125"]}).with_columns(
        pl.col("close").cast(pl.Decimal(18, 8))
    )
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    cache = DiskCache(tmp_path, ttl_seconds=None)
    key = "ab" * 32  # a digest, as every cache key is
    cache.store(key, CachedFrame(frame, "sum", stamp))
    path = cache.path_for(key)
    original = path.read_bytes()
    if how == "truncate":
        cases = [original[:n] for n in range(0, len(original), max(1, len(original) // 50))]
    elif how == "empty":
        cases = [b""]
    else:
        cases = [original[:i] + bytes([original[i] ^ 0x01]) + original[i + 1 :] for i in range(len(original))]
    for damaged in cases:
        path.write_bytes(damaged)
        assert cache.fetch(key) is None, f"a damaged cache file ({how}, {len(damaged)} bytes) was a hit"
        assert not path.exists()
    assert cache.get_stats().tiers["disk"].corrupt == len(cases)
