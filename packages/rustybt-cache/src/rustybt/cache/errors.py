"""Errors of the cache tiers: leaves of ``rustybt.domain.errors``."""

from __future__ import annotations

from rustybt.domain.errors import CacheError, CorruptDataError


class CorruptCacheEntryError(CorruptDataError):
    """A stored cache entry cannot be decoded or fails its integrity check.

    Tiers never let it reach a caller of ``get``: the entry is dropped and counted as corrupt.
    """


class CacheUnavailableError(CacheError, ConnectionError):
    """A shared cache tier (e.g. a Redis server) cannot be reached."""
