"""Replayed Binance bars through the whole workflow into the Parquet store and the SQLite catalog."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rustybt.adapters import CCXTDataAdapter
from rustybt.adapters.testing import ReplayServer


def test_recorded_minutes_land_exactly_in_parquet(exchange_server: ReplayServer, tmp_path: Path) -> None:
    import rustybt.catalog.sqlite as sqlite
    import rustybt.storage.parquet as parquet
    catalog = sqlite.DataCatalog(tmp_path / "metadata.db")
    writer = parquet.ParquetWriter(tmp_path / "bundles" / "crypto")
    adapter = CCXTDataAdapter(
        "binance", api_url=exchange_server.url, options={"fetchMarkets": {"types": ["spot"]}}, retry_delay=1
    )
    summary = adapter.ingest_sync(["BTC/USDT"], "2021-10-22", "2021-10-22", "1m", catalog, writer, bundle="crypto")
    assert summary.rows_written == 10
    info = catalog.get_dataset_info(str(summary.dataset_id))
    assert info.source == "ccxt:binance" and info.row_count == 10
    assert catalog.get_file_checksums(info.dataset_id) == summary.files
    sid = catalog.lookup_sid("binance", "BTC/USDT")
    assert sid is not None and catalog.get_asset(sid).asset_type.value == "cryptocurrency"
    reader = writer.reader("1m")
    assert reader.get_value(sid, "2021-10-22T23:03:00Z", "open") == Decimal("60685.22")
    assert reader.get_value(sid, "2021-10-22T23:03:00Z", "volume") == Decimal("21.63272")
