"""Frames to bytes and back: sealed Parquet (with an integrity digest) and Arrow IPC.

Decoders of damaged bytes may return different values or even panic, so nothing is decoded
before its digest is checked. A sealed Parquet file is an ordinary Parquet file whose key-value metadata holds
``rustybt.cache.seal = <CRC-32 hex>``, the CRC-32 of the whole file with the seal's own 8
characters replaced by zeros (CRC-32, as in Parquet page checksums, gzip and zip: it catches
every burst of damage up to 32 bits and random damage with probability 1 - 2^-32, at a
fraction of a cryptographic hash's cost). Any flipped, zeroed or missing byte (data pages or footer)
fails the check, where Parquet alone would often decode silently different values.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Mapping
from typing import Literal

import polars as pl
from polars.exceptions import PanicException

from rustybt.cache.errors import CorruptCacheEntryError

IpcCompression = Literal["uncompressed", "lz4", "zstd"]
SEAL_KEY = "rustybt.cache.seal"
_MARK = b"rbt-seal:"
_HEX = 8
_BLANK = b"0" * _HEX
_MAGIC = b"PAR1"


def _seal_digest(data: bytes | bytearray | memoryview, at: int) -> bytes:
    view = memoryview(data)
    crc = zlib.crc32(view[:at])
    crc = zlib.crc32(_BLANK, crc)
    crc = zlib.crc32(view[at + _HEX :], crc)
    return f"{crc:08x}".encode()


def encode_parquet(frame: pl.DataFrame, metadata: Mapping[str, str], *, compression_level: int = 3) -> bytes:
    """``frame`` as sealed Parquet bytes (ZSTD) carrying ``metadata``."""
    sink = io.BytesIO()
    meta = {**metadata, SEAL_KEY: (_MARK + _BLANK).decode()}
    frame.write_parquet(sink, compression="zstd", compression_level=compression_level, statistics=False, metadata=meta)
    data = bytearray(sink.getbuffer())
    at = data.rfind(_MARK + _BLANK) + len(_MARK)
    data[at : at + _HEX] = _seal_digest(data, at)
    return bytes(data)


def decode_parquet(data: bytes, *, where: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame and metadata of sealed Parquet bytes; ``CorruptCacheEntryError`` naming ``where``
    when the bytes are truncated, altered or not a sealed file."""
    meta = read_parquet_metadata(data, where=where)
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except (Exception, PanicException) as err:
        raise CorruptCacheEntryError(f"cache file {where} cannot be decoded: {err}", path=where) from err
    return frame, {k: v for k, v in meta.items() if k != SEAL_KEY and k != "ARROW:schema"}


def read_parquet_metadata(data: bytes, *, where: str) -> dict[str, str]:
    """The key-value metadata of sealed Parquet bytes, after checking the seal."""
    if len(data) < 12 or data[:4] != _MAGIC or data[-4:] != _MAGIC:
        raise CorruptCacheEntryError(f"cache file {where} is truncated or not Parquet ({len(data)} bytes)", path=where)
    at = data.rfind(_MARK)
    if at < 0:
        raise CorruptCacheEntryError(f"cache file {where} has no integrity seal", path=where)
    at += len(_MARK)
    expected = bytes(data[at : at + _HEX])
    if _seal_digest(data, at) != expected:
        raise CorruptCacheEntryError(f"cache file {where} fails its integrity check (altered or truncated)", path=where)
    try:
        meta = pl.read_parquet_metadata(data)
    except (Exception, PanicException) as err:
        raise CorruptCacheEntryError(f"cache file {where} has an unreadable footer: {err}", path=where) from err
    return dict(meta)


def digest(data: bytes) -> str:
    """CRC-32 of ``data`` in hex: the seal kept beside IPC bytes."""
    return f"{zlib.crc32(data):08x}"


def encode_ipc(frame: pl.DataFrame, compression: IpcCompression = "zstd") -> tuple[bytes, str]:
    """``frame`` as Arrow IPC file bytes, and their seal."""
    sink = io.BytesIO()
    frame.write_ipc(sink, compression=compression)
    data = sink.getvalue()
    return data, digest(data)


def decode_ipc(data: bytes, seal: str, *, where: str) -> pl.DataFrame:
    """The frame of sealed Arrow IPC bytes; ``CorruptCacheEntryError`` naming ``where`` when
    the bytes do not match ``seal`` or cannot be decoded."""
    if digest(data) != seal:
        raise CorruptCacheEntryError(f"cache entry {where} fails its integrity check (altered or truncated)", path=where)
    try:
        return pl.read_ipc(io.BytesIO(data))
    except (Exception, PanicException) as err:
        raise CorruptCacheEntryError(f"cache entry {where} is not readable Arrow IPC: {err}", path=where) from err
