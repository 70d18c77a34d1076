"""The ingest workflow into the real SQLite catalog (a file) and, when installed, the Parquet store."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustybt.adapters import CSVAdapter
from rustybt.domain.errors import ValidationError
from rustybt.domain.fakes import InMemoryBarWriter


def _writer(tmp_path: Path):  # type: ignore[no-untyped-def]
    try:
        from rustybt.storage.parquet import ParquetWriter  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return InMemoryBarWriter()
    return ParquetWriter(tmp_path / "bundle")


def test_csvdir_into_sqlite_then_extended(csvdir: Path, tmp_path: Path) -> None:
    import rustybt.catalog.sqlite as sqlite
    catalog = sqlite.DataCatalog(tmp_path / "metadata.db")
    writer = _writer(tmp_path)
    adapter = CSVAdapter(csvdir, name="csvdir")
    first = adapter.ingest_sync(["AAPL", "MSFT"], "2012-01-01", "2012-12-31", "1d", catalog, writer, bundle="demo")
    second = adapter.ingest_sync(["AAPL", "MSFT"], "2012-01-01", "2013-12-31", "1d", catalog, writer, bundle="demo")
    assert second.dataset_id == first.dataset_id and second.extended
    info = catalog.get_dataset_info(str(first.dataset_id))
    assert info.row_count == first.rows_written + second.rows_written == 2 * 502
    assert {r.symbol: r.bar_count for r in info.date_ranges} == {"AAPL": 502, "MSFT": 502}
    assert set(info.file_checksums) >= set(first.files) | set(second.files)
    assert catalog.find_dataset(["AAPL"], "2013-06-01", "2013-06-30", "1d", source="csv:csvdir") == first.dataset_id


def test_failed_ingest_leaves_the_sqlite_catalog_empty(tmp_path: Path) -> None:
    import rustybt.catalog.sqlite as sqlite
    catalog = sqlite.DataCatalog(tmp_path / "metadata.db")
    (tmp_path / "AAA.csv").write_text("Date,Open,High,Low,Close,Volume\n2012-01-03,1,0.5,1,1,10\n")
    with pytest.raises(ValidationError, match="high_gte_low"):
        CSVAdapter(tmp_path, name="bad").ingest_sync(
            ["AAA"], "2012-01-01", "2012-12-31", "1d", catalog, _writer(tmp_path)
        )
    assert catalog.list_datasets() == []
    assert catalog.lookup_sid("csv:bad", "AAA") is None
