"""Contract every ``Catalog`` honours."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import polars as pl
import pytest

from rustybt.contract.catalog_records import CatalogRecordsContract
from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.errors import (
    DatasetNotFoundError,
    InvalidDateRangeError,
    InvalidRequestError,
    InvalidResolutionError,
    UnknownSidError,
)
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA

UTC = timezone.utc
HOSTILE = [
    "O'Reilly",
    'say "hi"',
    "X; DROP TABLE datasets; --",
    "Ünïcödé/€",
    "日本株",
    "../../etc/passwd",
    "A" * 500,
    "%_wild*",
]


def _register(catalog: Catalog, symbols: list[str] | None = None, start: str = "2024-01-01", end: str = "2024-03-31", resolution: str = "1d", source: str = "yfinance", **kwargs: object) -> str:
    return catalog.register_dataset(source, symbols if symbols is not None else ["AAPL", "MSFT"], start, end, resolution, "c" * 64, **kwargs)  # type: ignore[arg-type]


class CatalogContract(CatalogRecordsContract):
    """Override ``catalog`` (an empty catalog)."""

    @pytest.fixture
    def catalog(self) -> Catalog:
        raise NotImplementedError("override `catalog`")

    # -- registration ---------------------------------------------------------------------

    def test_register_returns_uuid4(self, catalog: Catalog) -> None:
        ident = _register(catalog)
        assert uuid.UUID(ident).version == 4

    def test_info_round_trips_everything(self, catalog: Catalog) -> None:
        ranges = [
            SymbolRange("AAPL", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 3, 28, tzinfo=UTC), 61, False),
            SymbolRange("MSFT", datetime(2024, 1, 3, tzinfo=UTC), datetime(2024, 3, 28, tzinfo=UTC), 59, True),
        ]
        files = {"daily_bars/year=2024/month=01/data.parquet": "a" * 64, "daily_bars/year=2024/month=02/data.parquet": "b" * 64}
        ident = catalog.register_dataset(
            "ccxt:binance", ["AAPL", "MSFT"], "2024-01-01", "2024-03-31", "1h", dataset_checksum(files),
            parquet_path="bundles/demo", row_count=120, size_bytes=4096, date_ranges=ranges,
            file_checksums=files, asset_type="cryptocurrency", exchange="binance", bundle="demo",
        )
        info = catalog.get_dataset_info(ident)
        assert isinstance(info, DatasetInfo)
        assert info.dataset_id == ident
        assert info.source == "ccxt:binance"
        assert info.resolution is Resolution.H1
        assert info.start_date == datetime(2024, 1, 1, tzinfo=UTC)
        assert info.end_date == datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
        assert info.checksum == dataset_checksum(files)
        assert info["checksum"] == info.checksum
        assert info.parquet_path == "bundles/demo"
        assert (info.row_count, info.size_bytes) == (120, 4096)
        assert sorted(info.symbols) == ["AAPL", "MSFT"]
        assert sorted(info.date_ranges, key=lambda r: r.symbol) == ranges
        assert dict(info.file_checksums) == files
        assert catalog.get_file_checksums(ident) == files
        assert info.bundle == "demo"
        assert info.exchange == "binance"
        assert info.asset_type is AssetType.CRYPTOCURRENCY
        assert info.created_at is not None and info.last_updated is not None

    def test_unknown_dataset_is_a_domain_error(self, catalog: Catalog) -> None:
        with pytest.raises(DatasetNotFoundError, match="nope"):
            catalog.get_dataset_info("nope")
        with pytest.raises(LookupError):
            catalog.remove_dataset("nope")
        with pytest.raises(DatasetNotFoundError):
            catalog.link_backtest_to_dataset("bt", "nope", datetime.now(UTC))

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"symbols": []}, InvalidRequestError),
            ({"symbols": ["AAPL", ""]}, InvalidRequestError),
            ({"start": "2024-05-01", "end": "2024-01-01"}, InvalidDateRangeError),
            ({"resolution": "7s"}, InvalidResolutionError),
            ({"source": ""}, InvalidRequestError),
        ],
    )
    def test_bad_registration_records_nothing(self, catalog: Catalog, kwargs: dict[str, object], error: type[Exception]) -> None:
        with pytest.raises(error):
            _register(catalog, **kwargs)  # type: ignore[arg-type]
        assert catalog.list_datasets() == []

    def test_duplicate_id_is_refused_and_first_kept(self, catalog: Catalog) -> None:
        ident = _register(catalog, dataset_id=str(uuid.uuid4()))
        with pytest.raises(InvalidRequestError):
            _register(catalog, symbols=["IBM"], dataset_id=ident)
        assert catalog.get_dataset_info(ident).symbols == ("AAPL", "MSFT")

    @pytest.mark.parametrize("symbol", HOSTILE)
    def test_hostile_symbols_are_stored_and_found_verbatim(self, catalog: Catalog, symbol: str) -> None:
        ident = _register(catalog, symbols=[symbol, "SPY"])
        assert symbol in catalog.get_dataset_info(ident).symbols
        assert catalog.find_dataset([symbol], "2024-02-01", "2024-02-02", "1d") == ident
        assert [d.dataset_id for d in catalog.list_datasets(symbol=symbol)] == [ident]
        assert catalog.find_dataset([symbol[:-1] + "?"], "2024-02-01", "2024-02-02", "1d") is None

    # -- finding ----------------------------------------------------------------------------

    def test_find_needs_coverage_symbols_and_resolution(self, catalog: Catalog) -> None:
        ident = _register(catalog)
        assert catalog.find_dataset(["MSFT"], "2024-01-01", "2024-03-31", "1d") == ident
        assert catalog.find_dataset(["AAPL", "MSFT"], "2024-02-01", "2024-02-29", "1d", source="yfinance") == ident
        assert catalog.find_dataset(["AAPL", "IBM"], "2024-02-01", "2024-02-29", "1d") is None
        assert catalog.find_dataset(["AAPL"], "2023-12-31", "2024-02-29", "1d") is None
        assert catalog.find_dataset(["AAPL"], "2024-02-01", "2024-04-01", "1d") is None
        assert catalog.find_dataset(["AAPL"], "2024-02-01", "2024-02-29", "1h") is None
        assert catalog.find_dataset(["AAPL"], "2024-02-01", "2024-02-29", "1d", source="csv:x") is None
        with pytest.raises(InvalidRequestError):
            catalog.find_dataset([], "2024-01-01", "2024-01-02", "1d")

    def test_find_prefers_the_newest(self, catalog: Catalog) -> None:
        _register(catalog)
        newer = _register(catalog, start="2023-01-01")
        assert catalog.find_dataset(["AAPL"], "2024-02-01", "2024-02-29", "1d") == newer

    def test_list_filters(self, catalog: Catalog) -> None:
        a = _register(catalog, source="yfinance", bundle="eq")
        b = _register(catalog, symbols=["BTC/USDT"], source="ccxt:binance", resolution="1m", bundle="crypto")
        assert {d.dataset_id for d in catalog.list_datasets()} == {a, b}
        assert [d.dataset_id for d in catalog.list_datasets(source="ccxt:binance")] == [b]
        assert [d.dataset_id for d in catalog.list_datasets(resolution="1d")] == [a]
        assert [d.dataset_id for d in catalog.list_datasets(symbol="BTC/USDT")] == [b]
        assert [d.dataset_id for d in catalog.list_datasets(bundle="eq")] == [a]

    def test_remove_drops_dataset_and_links(self, catalog: Catalog) -> None:
        a = _register(catalog)
        b = _register(catalog, symbols=["IBM"])
        catalog.link_backtest_to_dataset("bt-1", a, datetime.now(UTC), "k" * 64)
        catalog.link_backtest_to_dataset("bt-1", b, datetime.now(UTC), "k" * 64)
        catalog.remove_dataset(a)
        with pytest.raises(DatasetNotFoundError):
            catalog.get_dataset_info(a)
        assert catalog.get_datasets_for_backtest("bt-1") == [b]
        assert catalog.find_dataset(["AAPL"], "2024-02-01", "2024-02-02", "1d") is None

    def test_update_extends_a_dataset(self, catalog: Catalog) -> None:
        ident = _register(catalog, file_checksums={"f1": "1" * 64})
        new_range = SymbolRange("NVDA", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 6, 28, tzinfo=UTC), 120)
        info = catalog.update_dataset(ident, symbols=["NVDA"], end_date="2024-06-30", row_count=500, date_ranges=[new_range], file_checksums={"f2": "2" * 64}, checksum="d" * 64)
        assert set(info.symbols) == {"AAPL", "MSFT", "NVDA"}
        assert info.end_date == datetime(2024, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)
        assert info.row_count == 500
        assert info.checksum == "d" * 64
        assert catalog.get_file_checksums(ident) == {"f1": "1" * 64, "f2": "2" * 64}
        assert catalog.find_dataset(["NVDA"], "2024-05-01", "2024-06-01", "1d") == ident
        assert new_range in catalog.get_dataset_info(ident).date_ranges
        with pytest.raises(DatasetNotFoundError):
            catalog.update_dataset("nope", row_count=1)

    def test_status_is_pending_or_complete_and_a_bad_one_changes_nothing(self, catalog: Catalog) -> None:
        ident = _register(catalog, row_count=100)
        assert catalog.get_dataset_info(ident).status == "complete"
        assert catalog.update_dataset(ident, status="pending").status == "pending"
        with pytest.raises(InvalidRequestError, match="status"):
            catalog.update_dataset(ident, status="invalid", row_count=7)
        info = catalog.get_dataset_info(ident)
        assert (info.status, info.row_count) == ("pending", 100)

    def test_shared_file_rewrites_update_every_dataset_that_has_them(self, catalog: Catalog) -> None:
        files_a = {"daily_bars/year=2024/month=01/data.parquet": "a" * 64}
        files_b = {**files_a, "daily_bars/year=2024/month=02/data.parquet": "b" * 64}
        a = _register(catalog, parquet_path="bundles/x", file_checksums=files_a)
        b = _register(catalog, symbols=["IBM"], parquet_path="bundles/x", file_checksums=files_b)
        other = _register(catalog, parquet_path="bundles/y", file_checksums=files_a)
        changed = {"daily_bars/year=2024/month=01/data.parquet": "f" * 64}
        touched = catalog.update_file_checksums("bundles/x", changed)
        assert sorted(touched) == sorted([a, b])
        assert catalog.get_file_checksums(a) == changed
        assert catalog.get_dataset_info(a).checksum == dataset_checksum(changed)
        assert catalog.get_dataset_info(b).checksum == dataset_checksum({**files_b, **changed})
        assert catalog.get_file_checksums(other) == files_a

    def test_mark_validated(self, catalog: Catalog) -> None:
        ident = _register(catalog, file_checksums={"f": "1" * 64})
        at = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
        catalog.mark_validated(ident, at)
        assert catalog.last_validated(ident) == at
        catalog.mark_validated(ident)
        later = catalog.last_validated(ident)
        assert later is not None and later > at
        with pytest.raises(DatasetNotFoundError):
            catalog.mark_validated("nope")
        with pytest.raises(DatasetNotFoundError):
            catalog.last_validated("nope")

    # -- backtests ------------------------------------------------------------------------

    def test_backtest_links(self, catalog: Catalog) -> None:
        a = _register(catalog)
        b = _register(catalog, symbols=["IBM"])
        now = datetime.now(UTC)
        catalog.link_backtest_to_dataset("bt-a", a, now, "k1")
        catalog.link_backtest_to_dataset("bt-b", a, now, "k1")
        catalog.link_backtest_to_dataset("bt-b", b, now, "k2")
        catalog.link_backtest_to_dataset("bt-b", a, now, "k1")
        assert catalog.get_datasets_for_backtest("bt-a") == [a]
        assert catalog.get_datasets_for_backtest("bt-b") == [a, b]
        assert catalog.get_datasets_for_backtest("bt-none") == []

    # -- sids -----------------------------------------------------------------------------

    def test_sids_are_stable_and_distinct(self, catalog: Catalog) -> None:
        aapl = catalog.assign_sid("NASDAQ", "AAPL")
        btc = catalog.assign_sid("binance", "BTC/USDT", AssetType.CRYPTOCURRENCY)
        btc_kraken = catalog.assign_sid("kraken", "BTC/USDT", "cryptocurrency")
        assert len({aapl, btc, btc_kraken}) == 3
        assert catalog.assign_sid("NASDAQ", "AAPL") == aapl
        assert catalog.assign_sid("binance", "BTC/USDT", AssetType.CRYPTOCURRENCY) == btc
        assert catalog.lookup_sid("binance", "BTC/USDT") == btc
        assert catalog.lookup_sid("binance", "ETH/USDT") is None
        asset = catalog.get_asset(btc)
        assert (asset.sid, asset.exchange, asset.symbol, asset.asset_type) == (btc, "binance", "BTC/USDT", AssetType.CRYPTOCURRENCY)
        assert [a.sid for a in catalog.list_assets()] == sorted([aapl, btc, btc_kraken])
        assert [a.symbol for a in catalog.list_assets("kraken")] == ["BTC/USDT"]
        with pytest.raises(UnknownSidError):
            catalog.get_asset(10_000)

    def test_many_sids_at_once_match_one_at_a_time(self, catalog: Catalog) -> None:
        ibm = catalog.assign_sid("NYSE", "IBM")
        names = ["KO", "IBM", "GE", "KO", "T"]
        sids = catalog.assign_sids("NYSE", names)
        assert list(sids) == ["KO", "IBM", "GE", "T"]
        assert sids["IBM"] == ibm
        assert len(set(sids.values())) == 4
        assert sids["KO"] < sids["GE"] < sids["T"]
        assert {s: catalog.assign_sid("NYSE", s) for s in sids} == sids
        assert catalog.assign_sids("NYSE", ["T", "KO"]) == {"T": sids["T"], "KO": sids["KO"]}
        assert catalog.assign_sids("NYSE", []) == {}
        btc = catalog.assign_sids("binance", ["BTC/USDT"], AssetType.CRYPTOCURRENCY)["BTC/USDT"]
        assert catalog.get_asset(btc).asset_type is AssetType.CRYPTOCURRENCY
        assert btc not in sids.values()

    def test_sids_survive_dataset_removal(self, catalog: Catalog) -> None:
        sid = catalog.assign_sid("NYSE", "IBM")
        ident = _register(catalog, symbols=["IBM"])
        catalog.remove_dataset(ident)
        assert catalog.assign_sid("NYSE", "IBM") == sid

    @pytest.mark.parametrize("symbol", HOSTILE)
    def test_hostile_symbols_get_sids(self, catalog: Catalog, symbol: str) -> None:
        sid = catalog.assign_sid("x", symbol)
        assert catalog.get_asset(sid).symbol == symbol
        assert catalog.lookup_sid("x", symbol) == sid

    # -- corporate actions ------------------------------------------------------------------

    def test_corporate_actions_round_trip_and_replace(self, catalog: Catalog) -> None:
        actions = pl.DataFrame(
            [
                ("AAPL", date(2014, 6, 9), "split", Decimal("7")),
                ("AAPL", date(2014, 8, 7), "dividend", Decimal("0.47")),
                ("KO", date(2012, 8, 13), "split", Decimal("2")),
            ],
            schema=CORPORATE_ACTIONS_SCHEMA,
            orient="row",
        )
        assert catalog.record_corporate_actions("NASDAQ", actions) == 3
        aapl = catalog.lookup_sid("NASDAQ", "AAPL")
        assert aapl is not None
        stored = catalog.corporate_actions([aapl])
        assert stored.columns == ["sid", "symbol", "date", "action", "value"]
        assert stored.select("date", "action", "value").rows() == [
            (date(2014, 6, 9), "split", Decimal("7")),
            (date(2014, 8, 7), "dividend", Decimal("0.47")),
        ]
        corrected = pl.DataFrame([("AAPL", date(2014, 8, 7), "dividend", Decimal("0.47000001"))], schema=CORPORATE_ACTIONS_SCHEMA, orient="row")
        catalog.record_corporate_actions("NASDAQ", corrected)
        assert catalog.corporate_actions([aapl]).get_column("value").to_list() == [Decimal("7"), Decimal("0.47000001")]
        assert catalog.corporate_actions().height == 3
        assert catalog.corporate_actions([10_000]).is_empty()

    def test_bad_corporate_actions_store_nothing(self, catalog: Catalog) -> None:
        bad = pl.DataFrame(
            [("AAPL", date(2014, 6, 9), "split", Decimal("7")), ("AAPL", date(2014, 6, 10), "merger", Decimal("1"))],
            schema=CORPORATE_ACTIONS_SCHEMA,
            orient="row",
        )
        with pytest.raises(InvalidRequestError, match="row 1"):
            catalog.record_corporate_actions("NASDAQ", bad)
        negative = pl.DataFrame([("AAPL", date(2014, 6, 9), "dividend", Decimal("-1"))], schema=CORPORATE_ACTIONS_SCHEMA, orient="row")
        with pytest.raises(InvalidRequestError):
            catalog.record_corporate_actions("NASDAQ", negative)
        assert catalog.corporate_actions().is_empty()
