"""The shared tier in Redis: frames as Arrow IPC (or sealed Parquet) bytes, Redis expiry as TTL."""

from __future__ import annotations

import importlib
import logging
import threading
from types import ModuleType
from typing import Any, Literal

from typing_extensions import override

from rustybt.cache import redis_scripts
from rustybt.cache.codec import IpcCompression, decode_ipc, decode_parquet, encode_ipc, encode_parquet
from rustybt.cache.entry import DEFAULT_TTL_SECONDS, MB, CachedFrame, Clock, Tier
from rustybt.cache.errors import CacheUnavailableError, CorruptCacheEntryError
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.errors import ConfigurationError, NotInstalledError
from rustybt.domain.ports.cache import CacheStats, TierStats, key_digest

log = logging.getLogger(__name__)

Format = Literal["ipc", "parquet"]
_FIELDS = ("data", "format", "checksum", "stored_at", "seal")


def load_redis() -> ModuleType:
    """The ``redis`` package, or ``NotInstalledError`` naming the extra that brings it."""
    try:
        return importlib.import_module("redis")
    except ImportError as err:
        raise NotInstalledError(
            "the Redis cache tier needs the redis package: pip install 'rustybt-cache[redis]'"
        ) from err


class RedisCache(Tier):
    """A cache tier in Redis that several workers on several machines share.

    Each entry is a Redis hash (``data`` as Arrow IPC bytes (ZSTD) with their CRC-32 ``seal``, or
    sealed Parquet bytes; ``checksum``; ``stored_at``) that Redis expires after ``ttl_seconds``. The stored bytes are bounded by
    ``max_bytes``: every put runs a server-side script that drops the least recently read
    entries (a sorted set of last reads) until the budget holds, atomically across workers.
    ``prefix`` separates caches sharing one server. A server that cannot be reached makes
    ``get`` a miss (logged) and the other operations raise ``CacheUnavailableError``.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        client: Any | None = None,
        prefix: str = "rustybt:cache:",
        max_bytes: int = 1024 * MB,
        ttl_seconds: float | None = DEFAULT_TTL_SECONDS,
        clock: Clock | None = None,
        format: Format = "ipc",
        compression: IpcCompression = "zstd",
    ) -> None:
        if format not in ("ipc", "parquet"):
            raise ConfigurationError(f"format of the Redis cache must be 'ipc' or 'parquet', got {format!r}")
        if max_bytes < 0:
            raise ConfigurationError(f"max_bytes of the Redis cache must be >= 0, got {max_bytes}")
        super().__init__(ttl_seconds, clock)
        redis = load_redis()
        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self.client = client if client is not None else redis.Redis.from_url(url)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.format: Format = format
        self.compression: IpcCompression = compression
        self._entries = f"{prefix}e:"
        self._index = f"{prefix}lru"
        self._sizes = f"{prefix}sizes"
        self._store = self.client.register_script(redis_scripts.STORE)
        self._trim = self.client.register_script(redis_scripts.TRIM)
        self._drop_script = self.client.register_script(redis_scripts.DROP)
        self._lock = threading.Lock()

    def _count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self._stats, name, getattr(self._stats, name) + delta)

    def _unavailable(self, action: str, err: BaseException) -> CacheUnavailableError:
        return CacheUnavailableError(f"Redis cache at {self._describe()} is unreachable during {action}: {err}")

    def _describe(self) -> str:
        kwargs = getattr(getattr(self.client, "connection_pool", None), "connection_kwargs", {})
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')} (prefix {self.prefix!r})"

    @override
    def fetch(self, key: CacheKey | str, *, checksum: str | None = None) -> CachedFrame | None:
        digest = key_digest(key)
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.hmget(self._entries + digest, _FIELDS)
            pipe.zadd(self._index, {digest: self._clock()}, xx=True)
            (data, fmt, stored_checksum, stored_at, seal), _ = pipe.execute()
        except self._errors as err:
            log.warning("%s; treating get as a miss", self._unavailable("get", err))
            self._count(misses=1)
            return None
        if data is None:
            self._count(misses=1)
            return None
        where = f"redis {self._entries}{digest}"
        try:
            moment = float(stored_at)
            if fmt == b"ipc":
                frame = decode_ipc(data, (seal or b"").decode(), where=where)
            else:
                frame = decode_parquet(data, where=where)[0]
        except (CorruptCacheEntryError, TypeError, ValueError, UnicodeDecodeError) as err:
            log.warning("dropping corrupt cache entry %s: %s", where, err)
            self._drop(digest)
            self._count(corrupt=1, misses=1)
            return None
        known = stored_checksum.decode()[1:] if stored_checksum else None
        if self.expired(moment):
            self._drop(digest)
            self._count(expirations=1, misses=1)
            return None
        if checksum is not None and known != checksum:
            self._drop(digest)
            self._count(invalidations=1, misses=1)
            return None
        self._count(hits=1)
        return CachedFrame(frame, known, moment)

    @override
    def store(self, key: CacheKey | str, entry: CachedFrame) -> None:
        digest = key_digest(key)
        if self.format == "ipc":
            data, seal = encode_ipc(entry.frame, self.compression)
        else:
            data, seal = encode_parquet(entry.frame, {}), ""
        ttl_ms = 0
        if self.ttl_seconds is not None:
            ttl_ms = int((self.ttl_seconds - (self._clock() - entry.stored_at)) * 1000)
            if ttl_ms <= 0:
                self._drop(digest)
                return
        if len(data) > self.max_bytes:
            log.warning("cache entry %s (%d bytes) exceeds the Redis cache budget of %d bytes; not kept",
                        digest, len(data), self.max_bytes)
            self._drop(digest)
            self._count(evictions=1)
            return
        checksum = "" if entry.checksum is None else "=" + entry.checksum
        args = [self._entries, self.max_bytes, digest, data, self.format, checksum,
                repr(entry.stored_at), ttl_ms, self._clock(), seal]
        try:
            evicted, _, _ = self._store(keys=[self._index, self._sizes], args=args)
        except self._errors as err:
            raise self._unavailable("put", err) from err
        self._count(evictions=int(evicted))

    def _drop(self, digest: str) -> bool:
        try:
            return bool(self._drop_script(keys=[self._index, self._sizes], args=[self._entries, digest]))
        except self._errors as err:
            raise self._unavailable("invalidate", err) from err

    @override
    def invalidate(self, cache_key: CacheKey | str) -> bool:
        dropped = self._drop(key_digest(cache_key))
        if dropped:
            self._count(invalidations=1)
        return dropped

    @override
    def clear(self) -> None:
        pattern = "".join("\\" + c if c in "*?[]\\" else c for c in self.prefix) + "*"
        try:
            batch: list[bytes] = []
            for name in self.client.scan_iter(match=pattern, count=500):
                batch.append(name)
                if len(batch) >= 500:
                    self.client.delete(*batch)
                    batch.clear()
            if batch:
                self.client.delete(*batch)
        except self._errors as err:
            raise self._unavailable("clear", err) from err

    def trim(self) -> int:
        """Forget expired entries and evict until the budget holds; the number evicted."""
        try:
            evicted, _, _ = self._trim(keys=[self._index, self._sizes], args=[self._entries, self.max_bytes])
        except self._errors as err:
            raise self._unavailable("trim", err) from err
        self._count(evictions=int(evicted))
        return int(evicted)

    cleanup = trim

    @override
    def get_stats(self) -> CacheStats:
        try:
            _, size, entries = self._trim(keys=[self._index, self._sizes], args=[self._entries, -1])
        except self._errors as err:
            raise self._unavailable("get_stats", err) from err
        with self._lock:
            tier = TierStats(**vars(self._stats))
        tier.bytes, tier.entries = int(size), int(entries)
        return CacheStats({"redis": tier}, hits=tier.hits, misses=tier.misses)
