"""RustyBT Data domain: Decimal OHLCV types, schemas, validation rules, ports and fakes.

Pure: depends on polars only; no files, SQL or HTTP.
"""

from rustybt.domain.assets import Asset, AssetKey, AssetType
from rustybt.domain.bar import OHLCV_FIELDS, Bar, bars_frame, check_ohlc
from rustybt.domain.cache_key import CacheKey, generate_cache_key
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import ConversionMode, DecimalConversion, ValueIssue, to_decimal, to_decimal_columns
from rustybt.domain.errors import (
    CacheError,
    CatalogError,
    ConfigurationError,
    CorruptDataError,
    DatasetNotFound,
    DatasetNotFoundError,
    DataSourceError,
    DecimalConversionError,
    InvalidBarError,
    InvalidDateRangeError,
    InvalidRequestError,
    InvalidResolutionError,
    NotFoundError,
    NotInstalledError,
    RustyBTDataError,
    RustyBTError,
    SchemaMismatchError,
    SchemaVersionError,
    SourceUnavailableError,
    StorageError,
    SymbolNotFoundError,
    UnknownFieldError,
    UnknownSidError,
    ValidationError,
)
from rustybt.domain.ingest import IngestProgress, IngestService, IngestSummary, ProgressCallback
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.ports import (
    BarReader,
    BarWriter,
    Cache,
    CacheStats,
    Catalog,
    DataSource,
    PartitionWrite,
    TierStats,
    VersionLog,
    WriteResult,
)
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import (
    CORPORATE_ACTIONS_SCHEMA,
    DAILY_BARS_SCHEMA,
    MINUTE_BARS_SCHEMA,
    PRICE_DTYPE,
    SCHEMA_VERSION,
    STANDARD_OHLCV_SCHEMA,
    VOLUME_DTYPE,
)
from rustybt.domain.stored_files import Snapshot, StoredFile
from rustybt.domain.validation import RuleViolation, Severity, ValidationConfig, ValidationReport, validate_bars
from rustybt.domain.versions import AsOf, Operation, StoreTable, Version

__version__ = "0.1.0"

__all__ = [
    "CORPORATE_ACTIONS_SCHEMA",
    "DAILY_BARS_SCHEMA",
    "MINUTE_BARS_SCHEMA",
    "OHLCV_FIELDS",
    "PRICE_DTYPE",
    "SCHEMA_VERSION",
    "STANDARD_OHLCV_SCHEMA",
    "VOLUME_DTYPE",
    "AsOf",
    "Asset",
    "AssetKey",
    "AssetType",
    "Bar",
    "BarReader",
    "BarWriter",
    "Cache",
    "CacheError",
    "CacheKey",
    "CacheStats",
    "Catalog",
    "CatalogError",
    "ConfigurationError",
    "ConversionMode",
    "CorruptDataError",
    "DataSource",
    "DataSourceError",
    "DatasetInfo",
    "DatasetNotFound",
    "DatasetNotFoundError",
    "DateRange",
    "DecimalConversion",
    "DecimalConversionError",
    "IngestProgress",
    "IngestService",
    "IngestSummary",
    "InvalidBarError",
    "InvalidDateRangeError",
    "InvalidRequestError",
    "InvalidResolutionError",
    "NotFoundError",
    "NotInstalledError",
    "Operation",
    "PartitionWrite",
    "ProgressCallback",
    "Resolution",
    "RuleViolation",
    "RustyBTDataError",
    "RustyBTError",
    "SchemaMismatchError",
    "SchemaVersionError",
    "Severity",
    "Snapshot",
    "SourceUnavailableError",
    "StorageError",
    "StoreTable",
    "StoredFile",
    "SymbolNotFoundError",
    "SymbolRange",
    "TierStats",
    "UnknownFieldError",
    "UnknownSidError",
    "ValidationConfig",
    "ValidationError",
    "ValidationReport",
    "ValueIssue",
    "Version",
    "VersionLog",
    "WriteResult",
    "bars_frame",
    "check_ohlc",
    "dataset_checksum",
    "generate_cache_key",
    "to_decimal",
    "to_decimal_columns",
    "validate_bars",
]
