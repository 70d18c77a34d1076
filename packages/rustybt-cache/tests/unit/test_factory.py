"""Choosing memory, disk, redis or two-tier caches by configuration alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustybt.cache import CacheManager, DiskCache, LruCache, build_cache
from rustybt.domain.errors import ConfigurationError


def test_memory_disk_and_two_tier_by_name(tmp_path: Path) -> None:
    memory = build_cache("memory", hot_cache_size_mb=2)
    assert isinstance(memory, LruCache) and memory.max_bytes == 2 * 1024 * 1024
    disk = build_cache("disk", cache_dir=tmp_path, cold_cache_size_mb=3, ttl_seconds=5)
    assert isinstance(disk, DiskCache) and disk.max_bytes == 3 * 1024 * 1024 and disk.ttl_seconds == 5
    two = build_cache("two_tier", cache_dir=tmp_path, hot_cache_size_mb=1, cold_cache_size_mb=2)
    assert isinstance(two, CacheManager) and isinstance(two.cold, DiskCache)


def test_unknown_kinds_name_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="memory, disk, redis, two-tier"):
        build_cache("memcached")
    with pytest.raises(ConfigurationError, match="shared cache tier 'tape'"):
        build_cache("two-tier", cache_dir=tmp_path, shared="tape")


def test_disk_kinds_need_a_folder() -> None:
    with pytest.raises(ConfigurationError, match="cache_dir"):
        build_cache("disk")
