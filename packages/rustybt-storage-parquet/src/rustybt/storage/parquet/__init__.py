"""Partitioned Parquet bar storage: writer, daily and minute readers, aggregation, checksums.

    writer = ParquetWriter(bundle_dir)
    writer.write(bars, "1d")                      # daily_bars/year=YYYY/month=MM/data.parquet (+ data-s<N>.parquet)
    reader = PolarsParquetDailyReader(bundle_dir / "daily_bars")
    reader.load_raw_arrays([1, 2], ["close"], "2023-01-01", "2023-03-31").collect()
"""

from rustybt.storage.parquet.aggregation import MONTHLY, aggregate, aggregate_store
from rustybt.storage.parquet.checksums import ChecksumReport, compute_checksums, verify_checksums
from rustybt.storage.parquet.file_format import hive_dataset_schema
from rustybt.storage.parquet.float_arrays import FloatBars, decimal_to_float
from rustybt.storage.parquet.readers import ParquetBarReader, PolarsParquetDailyReader, PolarsParquetMinuteReader
from rustybt.storage.parquet.stale_files import remove_stale_temp_files
from rustybt.storage.parquet.writer import ParquetWriter

__all__ = [
    "MONTHLY",
    "ChecksumReport",
    "FloatBars",
    "ParquetBarReader",
    "ParquetWriter",
    "PolarsParquetDailyReader",
    "PolarsParquetMinuteReader",
    "aggregate",
    "aggregate_store",
    "compute_checksums",
    "decimal_to_float",
    "hive_dataset_schema",
    "remove_stale_temp_files",
    "verify_checksums",
]
