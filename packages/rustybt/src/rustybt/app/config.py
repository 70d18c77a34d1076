"""Configuration: defaults, then YAML files, then ``RUSTYBT_*`` environment variables.

Files (the spec's): ``$RUSTYBT_HOME/config/data_catalog.yaml`` (sections ``catalog``, ``cache``,
``parquet``, ``validation``) and ``$RUSTYBT_HOME/config/data_adapters.yaml`` (section ``adapters``).
Every key is checked; a bad one raises ``ConfigurationError`` naming the key, the file and what
is allowed.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rustybt.domain.errors import ConfigurationError
from rustybt.domain.versions import check_bundle_name

CATALOG_KINDS = ("sqlite", "postgresql", "memory")
CACHE_KINDS = ("memory", "disk", "redis")
STORAGE_KINDS = ("parquet", "memory")
MODES = ("strict", "lenient")
PARTITION_STRATEGY = {"daily": ["year", "month"], "minute": ["year", "month", "day"]}

DEFAULTS: dict[str, Any] = {
    "catalog": {"kind": "sqlite", "metadata_db": "metadata.db", "url": None, "parquet_dir": "bundles"},
    "cache": {
        "kind": "disk",
        "hot_cache_size_mb": 1024,
        "cold_cache_size_mb": 51200,
        "cache_dir": "cache",
        "ttl_seconds": 604800,
        "eviction_policy": "lru",
        "redis_url": "redis://127.0.0.1:6379/0",
    },
    "storage": {"kind": "parquet"},
    "parquet": {
        "compression": "zstd",
        "compression_level": 3,
        "partition_strategy": {"daily": ["year", "month"], "minute": ["year", "month", "day"]},  # the one layout; checked
        "price_class_files": False,  # True: ~20% smaller partitions split by price class, slower reads (ParquetWriter)
    },
    "validation": {
        "mode": "strict",
        "ohlcv_checks": True,
        "outlier_detection": True,
        "outlier_std_threshold": 3.0,
        "volume_spike_std_threshold": 5.0,
        "temporal_consistency": True,
        "completeness": True,
        "reject_outliers": False,
        "allow_negative_prices": False,
        "allow_zero_prices": False,
    },
    "adapters": {
        "ccxt": {"exchange": "binance", "testnet": False, "rate_limit": True, "timeout": 30000, "retry_attempts": 3, "retry_delay": 5000},
        "yfinance": {"timeout": 30, "retry_attempts": 3, "adjusted_prices": False},
        "csv": {
            "schema_mapping": {
                "date_column": "Date",
                "open_column": "Open",
                "high_column": "High",
                "low_column": "Low",
                "close_column": "Close",
                "volume_column": "Volume",
            },
            "date_format": "%Y-%m-%d",
            "delimiter": ",",
            "timezone": "UTC",
        },
    },
}

# Environment variables with the spec's names, then the general RUSTYBT_<SECTION>_<KEY> form.
NAMED_ENV: dict[str, tuple[str, str]] = {
    "RUSTYBT_HOT_CACHE_SIZE_MB": ("cache", "hot_cache_size_mb"),
    "RUSTYBT_COLD_CACHE_SIZE_MB": ("cache", "cold_cache_size_mb"),
    "RUSTYBT_CACHE_TTL_SECONDS": ("cache", "ttl_seconds"),
    "RUSTYBT_CACHE_DIR": ("cache", "cache_dir"),
    "RUSTYBT_REDIS_URL": ("cache", "redis_url"),
    "RUSTYBT_METADATA_DB": ("catalog", "metadata_db"),
    "RUSTYBT_CATALOG_URL": ("catalog", "url"),
    "RUSTYBT_PARQUET_DIR": ("catalog", "parquet_dir"),
    "RUSTYBT_VALIDATION_MODE": ("validation", "mode"),
}

_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("catalog", "kind"): CATALOG_KINDS,
    ("cache", "kind"): CACHE_KINDS,
    ("cache", "eviction_policy"): ("lru",),
    ("storage", "kind"): STORAGE_KINDS,
    ("parquet", "compression"): ("zstd",),
    ("validation", "mode"): MODES,
}
_POSITIVE_INTS = {("cache", "hot_cache_size_mb"), ("cache", "cold_cache_size_mb"), ("cache", "ttl_seconds")}
_POSITIVE_FLOATS = {("validation", "outlier_std_threshold"), ("validation", "volume_spike_std_threshold")}


def resolve_home(home: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The home every command, the container and the bridge use: ``home`` when given, else
    ``$RUSTYBT_HOME`` (from ``env``, default ``os.environ``), else ``~/.rustybt``; absolute,
    since the catalog keeps locations relative to it."""
    env = os.environ if env is None else env
    chosen = home if home is not None else env.get("RUSTYBT_HOME") or Path.home() / ".rustybt"
    return Path(chosen).expanduser().absolute()


@dataclass(frozen=True)
class Settings:
    """The resolved configuration, with paths made absolute under ``home``."""

    home: Path
    values: Mapping[str, Any]

    def section(self, name: str) -> Mapping[str, Any]:
        return self.values[name]  # type: ignore[no-any-return]

    def path(self, section: str, key: str) -> Path:
        value = Path(str(self.values[section][key])).expanduser()
        return value if value.is_absolute() else self.home / value

    @property
    def bundles_dir(self) -> Path:
        return self.path("catalog", "parquet_dir")

    def bundle_dir(self, name: str) -> Path:
        return self.bundles_dir / check_bundle_name(name)

    @property
    def catalog_url(self) -> str:
        url = self.values["catalog"].get("url")
        if url:
            return str(url)
        return f"sqlite:///{self.path('catalog', 'metadata_db')}"

    def as_dict(self, *, redact: bool = True) -> dict[str, Any]:
        """The whole configuration; passwords in URLs are masked unless ``redact=False``."""
        values = copy.deepcopy(dict(self.values))
        if redact:
            for section, key in (("catalog", "url"), ("cache", "redis_url")):
                values[section][key] = _redact_url(values[section].get(key))
        return {"home": str(self.home), **values}


def load_settings(home: Path | str | None = None, env: Mapping[str, str] | None = None, files: list[Path] | None = None) -> Settings:
    """Defaults ← YAML files ← environment. Raises ``ConfigurationError`` for any bad key or value."""
    env = os.environ if env is None else env
    root = resolve_home(home, env)
    values = copy.deepcopy(DEFAULTS)
    for path in files if files is not None else [root / "config" / "data_catalog.yaml", root / "config" / "data_adapters.yaml"]:
        if path.exists():
            _merge(values, _read_yaml(path), str(path))
    _apply_env(values, env)
    _check(values)
    return Settings(root, values)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigurationError(f"{path}: not valid YAML ({err})") from err
    except OSError as err:
        raise ConfigurationError(f"{path}: cannot be read ({err.strerror})") from err
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigurationError(f"{path}: the top level must be a mapping of sections, not {type(loaded).__name__}")
    return loaded


def _merge(into: dict[str, Any], new: Mapping[str, Any], where: str, prefix: str = "") -> None:
    for key, value in new.items():
        dotted = f"{prefix}{key}"
        if key not in into:
            allowed = ", ".join(sorted(into))
            raise ConfigurationError(f"{where}: unknown key {dotted!r}; allowed here: {allowed}")
        if isinstance(into[key], dict) and key != "schema_mapping":
            if not isinstance(value, Mapping):
                raise ConfigurationError(f"{where}: {dotted!r} must be a mapping")
            _merge(into[key], value, where, dotted + ".")
        elif key == "schema_mapping":
            if not isinstance(value, Mapping):
                raise ConfigurationError(f"{where}: {dotted!r} must be a mapping of column names")
            into[key] = dict(value)
        else:
            into[key] = value


def _apply_env(values: dict[str, Any], env: Mapping[str, str]) -> None:
    for name, raw in env.items():
        if not name.startswith("RUSTYBT_") or name in ("RUSTYBT_HOME", "RUSTYBT_REQUIRE_SERVICES", "RUSTYBT_USE_POLARS", "RUSTYBT_SHARED_DATA", "RUSTYBT_SECRET_KEY", "RUSTYBT_SECRET_KEY_FILE"):
            continue
        target = NAMED_ENV.get(name)
        if target is None:
            rest = name[len("RUSTYBT_"):].lower()
            section = next((s for s in values if rest.startswith(s + "_") and isinstance(values[s], dict)), None)
            if section is None or rest[len(section) + 1:] not in values[section]:
                continue
            target = (section, rest[len(section) + 1:])
        section, key = target
        values[section][key] = _coerce(raw, values[section][key], f"environment variable {name}")


def _coerce(raw: str, current: object, where: str) -> object:
    if isinstance(current, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigurationError(f"{where}={raw!r}: expected true or false")
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"{where}={raw!r}: expected a whole number") from None
    if isinstance(current, float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"{where}={raw!r}: expected a number") from None
    return raw


def _check(values: Mapping[str, Any]) -> None:
    for (section, key), allowed in _CHOICES.items():
        value = values[section][key]
        if value not in allowed:
            raise ConfigurationError(f"{section}.{key} is {value!r}; allowed values: {', '.join(allowed)}")
    for section, key in _POSITIVE_INTS:
        value = values[section][key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigurationError(f"{section}.{key} is {value!r}; expected a positive whole number")
    for section, key in _POSITIVE_FLOATS:
        value = values[section][key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigurationError(f"{section}.{key} is {value!r}; expected a positive number")
    strategy = values["parquet"]["partition_strategy"]
    if strategy != PARTITION_STRATEGY:
        raise ConfigurationError(
            f"parquet.partition_strategy is {strategy!r}; the store partitions daily bars by {PARTITION_STRATEGY['daily']} "
            f"and minute bars by {PARTITION_STRATEGY['minute']} only (leave the key out, or give exactly that)"
        )
    level = values["parquet"]["compression_level"]
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 22:
        raise ConfigurationError(f"parquet.compression_level is {level!r}; expected a whole number from 1 to 22")
    if values["catalog"]["kind"] == "postgresql" and not values["catalog"].get("url"):
        raise ConfigurationError("catalog.kind is 'postgresql' but catalog.url is empty; set it (or RUSTYBT_CATALOG_URL) to postgresql+psycopg://user@host:port/db")
    for key in ("ohlcv_checks", "outlier_detection", "temporal_consistency", "completeness", "reject_outliers", "allow_negative_prices", "allow_zero_prices"):
        if not isinstance(values["validation"][key], bool):
            raise ConfigurationError(f"validation.{key} is {values['validation'][key]!r}; expected true or false")
    if not isinstance(values["parquet"]["price_class_files"], bool):
        raise ConfigurationError(f"parquet.price_class_files is {values['parquet']['price_class_files']!r}; expected true or false")


def _redact_url(url: object) -> object:
    if not isinstance(url, str) or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
