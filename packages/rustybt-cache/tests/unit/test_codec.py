"""Sealed Parquet and Arrow IPC bytes: every damaged byte is detected before decoding."""

from __future__ import annotations

import polars as pl
import pytest

from rustybt.cache.codec import decode_ipc, decode_parquet, encode_ipc, encode_parquet
from rustybt.cache.errors import CorruptCacheEntryError
from rustybt.contract.samples import daily_bars, minute_bars


@pytest.mark.parametrize("frame", [daily_bars(), minute_bars()], ids=["daily", "minute"])
def test_parquet_round_trip_keeps_values_dtypes_and_metadata(frame: pl.DataFrame) -> None:
    data = encode_parquet(frame, {"rustybt.cache.checksum": "abc"})
    got, meta = decode_parquet(data, where="x.parquet")
    assert got.equals(frame) and got.schema == frame.schema
    assert meta == {"rustybt.cache.checksum": "abc"}


def test_every_flipped_byte_of_a_sealed_parquet_file_is_detected() -> None:
    data = encode_parquet(daily_bars().head(20), {"k": "v"})
    for at in range(len(data)):
        damaged = bytearray(data)
        damaged[at] ^= 0x10
        with pytest.raises(CorruptCacheEntryError, match=r"damaged\.parquet"):
            decode_parquet(bytes(damaged), where="damaged.parquet")


def test_every_truncation_of_a_sealed_parquet_file_is_detected() -> None:
    data = encode_parquet(daily_bars().head(20), {})
    for size in range(len(data)):
        with pytest.raises(CorruptCacheEntryError):
            decode_parquet(data[:size], where="cut.parquet")


def test_plain_parquet_without_a_seal_is_refused() -> None:
    import io

    sink = io.BytesIO()
    daily_bars().write_parquet(sink)
    with pytest.raises(CorruptCacheEntryError, match="no integrity seal"):
        decode_parquet(sink.getvalue(), where="plain.parquet")


def test_ipc_round_trip_and_damage_detection() -> None:
    frame = minute_bars()
    data, seal = encode_ipc(frame)
    assert decode_ipc(data, seal, where="k").equals(frame)
    for at in range(0, len(data), 7):
        damaged = bytearray(data)
        damaged[at] ^= 0xFF
        with pytest.raises(CorruptCacheEntryError, match="integrity"):
            decode_ipc(bytes(damaged), seal, where="k")
    with pytest.raises(CorruptCacheEntryError):
        decode_ipc(data[: len(data) // 2], seal, where="k")
