"""The cold tier: one sealed Parquet file per entry under ``{cache_dir}/cold_cache/``."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from typing_extensions import override

from rustybt.cache.codec import decode_parquet, encode_parquet
from rustybt.cache.entry import DEFAULT_TTL_SECONDS, MB, CachedFrame, Clock, Tier
from rustybt.cache.errors import CorruptCacheEntryError
from rustybt.domain.cache_key import CacheKey
from rustybt.domain.errors import CacheError, ConfigurationError
from rustybt.domain.ports.cache import CacheStats, TierStats, key_digest

log = logging.getLogger(__name__)

SUFFIX = ".parquet"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 3600.0
_CHECKSUM = "rustybt.cache.checksum"
_STORED_AT = "rustybt.cache.stored_at"


def _identity(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _writer_gone(temp: Path) -> bool:
    """Whether the process named in a temp file's name (``<entry>.<pid>.<hex>.tmp``) has ended,
    so its write can never finish (a live process, or one of another host, is left alone)."""
    parts = temp.name.split(".")
    if len(parts) < 4 or not parts[-3].isdigit():
        return False
    pid = int(parts[-3])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class CleanupResult:
    """What one ``cleanup`` pass removed and what is left."""

    evicted: int
    expired: int
    stale_temp_files: int
    bytes: int
    entries: int


class DiskCache(Tier):
    """On-disk Parquet tier, bounded by ``max_bytes``, least recently accessed evicted first.

    Files are written to a temp file in the same folder, fsynced and renamed, so a reader sees
    the old entry or the new one, never half of one. A hit bumps the file's mtime, which is the
    "last access" every process sharing the folder agrees on. A file that is truncated or
    altered (checked by its seal) is a miss: it is removed and counted as corrupt. Several
    processes may share one ``cache_dir``; the byte bound is enforced after each put and by
    ``cleanup()``. Files are created with ``file_mode``, the folder with ``dir_mode``.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str],
        max_bytes: int = 51200 * MB,
        *,
        ttl_seconds: float | None = DEFAULT_TTL_SECONDS,
        clock: Clock | None = None,
        file_mode: int = 0o600,
        dir_mode: int = 0o700,
        compression_level: int = 3,
    ) -> None:
        if max_bytes < 0:
            raise ConfigurationError(f"max_bytes of the disk cache must be >= 0, got {max_bytes}")
        super().__init__(ttl_seconds, clock)
        self.cache_dir = Path(cache_dir).expanduser()
        self.root = self.cache_dir / "cold_cache"
        self.max_bytes = max_bytes
        self.file_mode = file_mode
        self.dir_mode = dir_mode
        self.compression_level = compression_level
        self._lock = threading.Lock()
        self._make_root()

    def _make_root(self) -> None:
        for folder in (self.cache_dir, self.root):
            try:
                folder.mkdir(mode=self.dir_mode, parents=True)
                os.chmod(folder, self.dir_mode)
            except FileExistsError:
                pass
            except OSError as err:
                raise CacheError(f"cannot create the cache folder {folder}: {err}") from err

    def path_for(self, key: CacheKey | str) -> Path:
        """The file that holds the entry of ``key``."""
        digest = key_digest(key)
        return self.root / f"{digest}{SUFFIX}"

    @override
    def fetch(self, key: CacheKey | str, *, checksum: str | None = None) -> CachedFrame | None:
        path = self.path_for(key)
        try:
            with open(path, "rb") as handle:
                identity = _identity(os.fstat(handle.fileno()))
                data = handle.read()
        except FileNotFoundError:
            self._count_miss()
            return None
        except OSError as err:
            log.warning("cannot read cache file %s: %s", path, err)
            self._count_miss()
            return None
        try:
            frame, meta = decode_parquet(data, where=str(path))
            stored_at = float(meta[_STORED_AT])
        except (CorruptCacheEntryError, KeyError, ValueError) as err:
            log.warning("dropping corrupt cache file %s: %s", path, err)
            self._remove_if_same(path, identity)
            with self._lock:
                self._stats.corrupt += 1
            self._count_miss()
            return None
        stored_checksum = meta.get(_CHECKSUM)
        if self.expired(stored_at):
            self._remove_if_same(path, identity)
            with self._lock:
                self._stats.expirations += 1
            self._count_miss()
            return None
        if checksum is not None and stored_checksum != checksum:
            self._remove_if_same(path, identity)
            with self._lock:
                self._stats.invalidations += 1
            self._count_miss()
            return None
        with contextlib.suppress(OSError):  # replaced or removed meanwhile: what was read is still valid
            os.utime(path)
        with self._lock:
            self._stats.hits += 1
        return CachedFrame(frame, stored_checksum, stored_at)

    def _count_miss(self) -> None:
        with self._lock:
            self._stats.misses += 1

    @staticmethod
    def _remove_if_same(path: Path, identity: tuple[int, ...]) -> None:
        """Remove ``path`` unless another process has replaced (or just read) it meanwhile."""
        try:
            if _identity(os.stat(path)) == identity:
                path.unlink()
        except FileNotFoundError:
            pass

    @override
    def store(self, key: CacheKey | str, entry: CachedFrame) -> None:
        path = self.path_for(key)
        meta = {_STORED_AT: repr(entry.stored_at)}
        if entry.checksum is not None:
            meta[_CHECKSUM] = entry.checksum
        data = encode_parquet(entry.frame, meta, compression_level=self.compression_level)
        if len(data) > self.max_bytes:
            with self._lock:
                self._stats.evictions += 1
            log.warning("cache entry %s (%d bytes) exceeds the disk cache budget of %d bytes; not kept",
                        path.name, len(data), self.max_bytes)
            self._remove_if_exists(path)
            return
        self._write_atomically(path, data)
        self.cleanup(keep=path)

    def _write_atomically(self, path: Path, data: bytes) -> None:
        temp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self.file_mode)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, path)
        except OSError as err:
            self._remove_if_exists(temp)
            raise CacheError(f"cannot write cache file {path}: {err}") from err

    @staticmethod
    def _remove_if_exists(path: Path) -> bool:
        try:
            path.unlink()
            return True
        except FileNotFoundError:
            return False

    def _scan(self) -> tuple[list[tuple[float, int, Path]], list[tuple[float, Path]]]:
        """(mtime, size, path) of every entry file and (mtime, path) of every temp file."""
        files: list[tuple[float, int, Path]] = []
        temps: list[tuple[float, Path]] = []
        with os.scandir(self.root) as found:
            for item in found:
                try:
                    info = item.stat()
                except FileNotFoundError:
                    continue
                if item.name.endswith(SUFFIX):
                    files.append((info.st_mtime, info.st_size, Path(item.path)))
                elif item.name.endswith(TEMP_SUFFIX):
                    temps.append((info.st_mtime, Path(item.path)))
        return files, temps

    def cleanup(self, *, keep: Path | None = None) -> CleanupResult:
        """Remove files not accessed for longer than the TTL (so surely expired), then evict the
        least recently accessed until the folder fits ``max_bytes``, and remove temp files left
        by crashed writers (at once when their process is gone, else after an hour). ``keep`` is
        evicted last."""
        files, temps = self._scan()
        now = self._clock()
        stale = sum(
            1
            for mtime, temp in temps
            if (now - mtime > STALE_TEMP_SECONDS or _writer_gone(temp)) and self._remove_if_exists(temp)
        )
        expired = 0
        if self.ttl_seconds is not None:
            old = [f for f in files if now - f[0] > self.ttl_seconds and f[2] != keep]
            expired = sum(1 for _, _, path in old if self._remove_if_exists(path))
            files = [f for f in files if not (now - f[0] > self.ttl_seconds and f[2] != keep)]
        files.sort(key=lambda f: (f[2] == keep, f[0]))
        total = sum(size for _, size, _ in files)
        evicted = 0
        for _, size, path in files:
            if total <= self.max_bytes:
                break
            if self._remove_if_exists(path):
                evicted += 1
            total -= size
        with self._lock:
            self._stats.evictions += evicted
            self._stats.expirations += expired
        return CleanupResult(evicted, expired, stale, total, len(files) - evicted)

    @override
    def invalidate(self, cache_key: CacheKey | str) -> bool:
        dropped = self._remove_if_exists(self.path_for(cache_key))
        if dropped:
            with self._lock:
                self._stats.invalidations += 1
        return dropped

    @override
    def clear(self) -> None:
        files, _ = self._scan()
        for _, _, path in files:
            self._remove_if_exists(path)

    @override
    def get_stats(self) -> CacheStats:
        files, _ = self._scan()
        with self._lock:
            tier = TierStats(**vars(self._stats))
        tier.bytes = sum(size for _, size, _ in files)
        tier.entries = len(files)
        return CacheStats({"disk": tier}, hits=tier.hits, misses=tier.misses)
