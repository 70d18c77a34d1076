"""BaseDataAdapter's validate/standardize, source specs, retry backoff and missing extras."""

from __future__ import annotations

import asyncio
import builtins
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rustybt.adapters import CSVAdapter, source_from_spec
from rustybt.adapters.retry import RetryPolicy, Transient, with_retry
from rustybt.domain.errors import (
    ConfigurationError,
    DecimalConversionError,
    NotInstalledError,
    RateLimitedError,
    UnknownSourceError,
    ValidationError,
)
from rustybt.domain.fakes import InMemoryCatalog
from rustybt.domain.schemas import DAILY_BARS_SCHEMA, MINUTE_BARS_SCHEMA, STANDARD_OHLCV_SCHEMA

RAW = pl.DataFrame(
    {
        "symbol": ["AAA", "AAA", "BBB"],
        "timestamp": pl.Series(["2024-01-02", "2024-01-03", "2024-01-02"]).str.to_datetime(time_zone="UTC"),
        "open": ["1.5", "2", "10"],
        "high": ["2", "2.5", "11"],
        "low": ["1", "1.5", "9.5"],
        "close": ["1.75", "2.25", "10.5"],
        "volume": ["100", "200", "12345678901234.5"],
    }
)


@pytest.fixture
def adapter(tmp_path: Path) -> CSVAdapter:
    (tmp_path / "AAA.csv").write_text("Date,Open,High,Low,Close,Volume\n")
    return CSVAdapter(tmp_path, name="t")


def test_standardize_gives_the_exact_standard_schema(adapter: CSVAdapter) -> None:
    got = adapter.standardize(RAW)
    assert got.schema == STANDARD_OHLCV_SCHEMA
    assert got.get_column("volume").to_list()[2] == Decimal("12345678901234.5")


def test_standardize_with_a_catalog_assigns_sids_in_the_storage_schema(adapter: CSVAdapter) -> None:
    catalog = InMemoryCatalog()
    daily = adapter.standardize(RAW, catalog=catalog, resolution="1d")
    assert daily.schema == DAILY_BARS_SCHEMA
    assert set(daily.get_column("sid")) == {catalog.lookup_sid("csv:t", "AAA"), catalog.lookup_sid("csv:t", "BBB")}
    assert adapter.standardize(RAW, catalog=catalog, resolution="1m").schema == MINUTE_BARS_SCHEMA


def test_standardize_refuses_values_it_cannot_store_exactly(adapter: CSVAdapter) -> None:
    bad = RAW.with_columns(pl.Series("open", ["1.123456789", "2", "10"]))
    with pytest.raises(DecimalConversionError, match=r"symbol 'AAA'.*column 'open'.*more than 8 decimals"):
        adapter.standardize(bad)


def test_validate_is_true_or_raises_with_the_report(adapter: CSVAdapter) -> None:
    assert adapter.validate(adapter.standardize(RAW)) is True
    broken = adapter.standardize(RAW.with_columns(pl.Series("high", ["0.5", "2.5", "11"])))
    with pytest.raises(ValidationError) as info:
        adapter.validate(broken)
    assert info.value.report is not None and info.value.report.count("high_gte_low") == 1


@pytest.mark.parametrize("spec", ["bloomberg", "ccxt:", "yfinance:x", "csv", ""])
def test_bad_source_specs_list_the_valid_forms(spec: str) -> None:
    with pytest.raises(UnknownSourceError, match="expected one of: ccxt:<exchange id>, yfinance, csv:<name>"):
        source_from_spec(spec)


def test_csv_spec_needs_a_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="needs a path"):
        source_from_spec("csv:mine")
    assert source_from_spec("csv:mine", path=tmp_path).source_name == "csv:mine"


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=5, delay_ms=100, max_delay_ms=300)
    assert [policy.wait_seconds(n) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.3, 0.3]


def test_retry_gives_up_after_the_attempts_with_the_cause() -> None:
    calls: list[int] = []

    async def refuse() -> None:
        calls.append(1)
        raise Transient(OSError("429 Too Many Requests"), rate_limited=True)

    with pytest.raises(RateLimitedError, match="rate limited after 3 attempt") as info:
        asyncio.run(with_retry(refuse, RetryPolicy(3, 1), "demo"))
    assert len(calls) == 3 and isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize(
    ("spec", "module", "extra"), [("ccxt:binance", "ccxt", "[ccxt]"), ("yfinance", "yfinance", "[yfinance]")]
)
def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch, spec: str, module: str, extra: str) -> None:
    real_import = builtins.__import__

    def no_sdk(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == module or name.startswith(f"{module}."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sdk)
    with pytest.raises(NotInstalledError, match=rf"rustybt-adapters\{extra[:-1]}\]"):
        source_from_spec(spec)
