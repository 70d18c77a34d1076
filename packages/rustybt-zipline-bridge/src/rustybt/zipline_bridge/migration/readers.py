"""Read every bar file a bundle holds into ``SourceBars``."""

from __future__ import annotations

from collections.abc import Iterator

from rustybt.zipline_bridge.migration.scan import BundleFiles
from rustybt.zipline_bridge.migration.source_bars import SourceBars


def read_bar_files(files: BundleFiles) -> Iterator[SourceBars]:
    """Each bar file of the bundle, read whole, padding rows dropped."""
    if files.bcolz_daily is not None:
        from rustybt.zipline_bridge.migration.bcolz_daily import read_bcolz_daily

        yield read_bcolz_daily(files.bcolz_daily).drop_padding()
    if files.bcolz_minute is not None:
        from rustybt.zipline_bridge.migration.bcolz_minute import read_bcolz_minute

        yield read_bcolz_minute(files.bcolz_minute).drop_padding()
    for path in files.hdf5:
        from rustybt.zipline_bridge.migration.hdf5_files import read_hdf5_file

        yield from (bars.drop_padding() for bars in read_hdf5_file(path))
