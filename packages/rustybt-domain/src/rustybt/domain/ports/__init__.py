"""The ports: what the domain needs from the outside world, as abstract base classes."""

from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.bar_writer import BarWriter, PartitionWrite, WriteResult
from rustybt.domain.ports.cache import Cache, CacheStats, TierStats, key_digest
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.ports.data_source import DataSource
from rustybt.domain.ports.version_log import VersionLog

__all__ = [
    "BarReader",
    "BarWriter",
    "Cache",
    "CacheStats",
    "Catalog",
    "DataSource",
    "PartitionWrite",
    "TierStats",
    "VersionLog",
    "WriteResult",
    "key_digest",
]
