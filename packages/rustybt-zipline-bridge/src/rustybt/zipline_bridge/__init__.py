"""zipline-reloaded backtests on the Parquet store, and migration of zipline bundles into it.

from rustybt.zipline_bridge import run_algorithm          # instead of zipline's
perf = run_algorithm(start, end, initialize, capital_base, bundle="my-bundle")

HDF5ToParquetMigrator(source_bundle_dir=..., output_bundle_dir=...).migrate(validate=True)
"""

from rustybt.zipline_bridge.bundle import BundleData, load_bundle
from rustybt.zipline_bridge.daily_reader import ZiplineDailyBarReader
from rustybt.zipline_bridge.migration.migrator import HDF5ToParquetMigrator
from rustybt.zipline_bridge.minute_reader import ZiplineMinuteBarReader
from rustybt.zipline_bridge.portal import PolarsDataPortal
from rustybt.zipline_bridge.run import run_algorithm, use_polars

__all__ = [
    "BundleData",
    "HDF5ToParquetMigrator",
    "PolarsDataPortal",
    "ZiplineDailyBarReader",
    "ZiplineMinuteBarReader",
    "load_bundle",
    "run_algorithm",
    "use_polars",
]
