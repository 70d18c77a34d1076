"""In-memory fakes of every port: complete enough to run ingest → read → cache in memory."""

from rustybt.domain.fakes.bar_store import InMemoryBarReader, InMemoryBarWriter
from rustybt.domain.fakes.cache import InMemoryCache
from rustybt.domain.fakes.catalog import InMemoryCatalog
from rustybt.domain.fakes.data_source import InMemoryDataSource
from rustybt.domain.fakes.version_log import InMemoryVersionLog

__all__ = ["InMemoryBarReader", "InMemoryBarWriter", "InMemoryCache", "InMemoryCatalog", "InMemoryDataSource",
           "InMemoryVersionLog"]
