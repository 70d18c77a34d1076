"""Configuration: defaults ← YAML ← RUSTYBT_* environment; bad keys named with what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustybt.app.config import load_settings
from rustybt.domain.errors import ConfigurationError


def write(home: Path, name: str, text: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / name).write_text(text)


def test_defaults_live_under_home(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    assert settings.home == tmp_path
    assert settings.catalog_url == f"sqlite:///{tmp_path / 'metadata.db'}"
    assert settings.path("cache", "cache_dir") == tmp_path / "cache"
    assert settings.bundle_dir("demo") == tmp_path / "bundles" / "demo"
    assert settings.section("cache")["hot_cache_size_mb"] == 1024
    assert settings.section("parquet")["compression_level"] == 3


def test_yaml_files_with_the_spec_keys(tmp_path: Path) -> None:
    write(tmp_path, "data_catalog.yaml", "cache:\n  hot_cache_size_mb: 64\n  kind: memory\nvalidation:\n  outlier_std_threshold: 4.5\n")
    write(tmp_path, "data_adapters.yaml", "adapters:\n  ccxt:\n    exchange: kraken\n  csv:\n    schema_mapping:\n      date_column: day\n")
    settings = load_settings(tmp_path, env={})
    assert settings.section("cache")["hot_cache_size_mb"] == 64
    assert settings.section("cache")["kind"] == "memory"
    assert settings.section("validation")["outlier_std_threshold"] == 4.5
    assert settings.section("adapters")["ccxt"]["exchange"] == "kraken"
    assert settings.section("adapters")["csv"]["schema_mapping"] == {"date_column": "day"}


def test_environment_overrides_files(tmp_path: Path) -> None:
    write(tmp_path, "data_catalog.yaml", "cache:\n  hot_cache_size_mb: 64\n")
    env = {"RUSTYBT_HOT_CACHE_SIZE_MB": "128", "RUSTYBT_CACHE_KIND": "redis", "RUSTYBT_VALIDATION_OUTLIER_DETECTION": "false"}
    settings = load_settings(tmp_path, env=env)
    assert settings.section("cache")["hot_cache_size_mb"] == 128
    assert settings.section("cache")["kind"] == "redis"
    assert settings.section("validation")["outlier_detection"] is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cache:\n  kind: memcached\n", "cache.kind is 'memcached'; allowed values: memory, disk, redis"),
        ("catalog:\n  kind: oracle\n", "allowed values: sqlite, postgresql, memory"),
        ("cache:\n  hot_cache_size: 5\n", "unknown key 'cache.hot_cache_size'"),
        ("caches:\n  kind: disk\n", "unknown key 'caches'"),
        ("cache:\n  hot_cache_size_mb: -1\n", "positive whole number"),
        ("parquet:\n  compression_level: 40\n", "1 to 22"),
        ("parquet:\n  partition_strategy:\n    daily: [year]\n", "parquet.partition_strategy is"),
        ("parquet:\n  partition_strategy:\n    minute: [year, month]\n", "minute bars by ['year', 'month', 'day'] only"),
        ("parquet:\n  partition_strategy:\n    hourly: [year]\n", "unknown key 'parquet.partition_strategy.hourly'"),
        ("cache:\n  eviction_policy: lfu\n", "cache.eviction_policy is 'lfu'; allowed values: lru"),
        ("parquet:\n  price_class_files: sometimes\n", "parquet.price_class_files is 'sometimes'; expected true or false"),
        ("catalog:\n  kind: postgresql\n", "catalog.url is empty"),
        ("cache: [1, 2]\n", "must be a mapping"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("cache:\n  kind: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_config_names_the_key_and_what_is_allowed(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "data_catalog.yaml", text)
    with pytest.raises(ConfigurationError) as info:
        load_settings(tmp_path, env={})
    assert message in str(info.value)


def test_bad_environment_values_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="RUSTYBT_HOT_CACHE_SIZE_MB='lots'"):
        load_settings(tmp_path, env={"RUSTYBT_HOT_CACHE_SIZE_MB": "lots"})


def test_secrets_in_urls_are_masked(tmp_path: Path) -> None:
    env = {"RUSTYBT_CATALOG_URL": "postgresql+psycopg://rbt:hunter2@db:5432/x", "RUSTYBT_CATALOG_KIND": "postgresql"}
    shown = load_settings(tmp_path, env=env).as_dict()
    assert "hunter2" not in str(shown)
    assert shown["catalog"]["url"] == "postgresql+psycopg://rbt:***@db:5432/x"
