"""CRC-32 (the zlib polynomial) of partition bytes: zlib-ng's vectorised implementation.

Same values as ``zlib.crc32``, so files written with either verify with either; zlib-ng's is
about 20 times faster here (57 against 2.9 GB/s), which matters because every read checks the
CRC of every byte it decodes (0.8 ms of a 6 ms read of a 2.5 MB minute file with zlib).
"""

from __future__ import annotations

from zlib_ng.zlib_ng import crc32

__all__ = ["crc32"]
