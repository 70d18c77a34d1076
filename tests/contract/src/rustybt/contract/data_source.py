"""Contract every ``DataSource`` honours (sources outside this repository included)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from collections.abc import Sequence

import polars as pl
import pytest

from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import to_decimal_columns
from rustybt.domain.errors import InvalidResolutionError, SymbolNotFoundError
from rustybt.domain.ports.data_source import DataSource
from rustybt.domain.resolution import Resolution
from rustybt.domain.schemas import STANDARD_OHLCV_SCHEMA
from rustybt.domain.validation import ValidationConfig, validate_bars


class DataSourceContract:
    """Override ``source``, and ``symbols``/``span``/``resolution`` to name bars it has
    (every symbol in ``symbols`` must have bars inside ``span``; name two or more so the
    order and completeness checks can tell a source that drops or reorders symbols).

    Capability fixtures: ``empty_span`` (a span with no bars, or None to skip),
    ``unsupported_resolution`` (None when every resolution is supported).
    """

    @pytest.fixture
    def source(self) -> DataSource:
        raise NotImplementedError("override `source`")

    @pytest.fixture
    def symbols(self) -> Sequence[str]:
        return ["AAPL"]

    @pytest.fixture
    def span(self) -> DateRange:
        return DateRange.of("2024-01-01", "2024-03-31")

    @pytest.fixture
    def resolution(self) -> Resolution:
        return Resolution.D1

    @pytest.fixture
    def empty_span(self) -> DateRange | None:
        return DateRange.of("1971-01-01", "1971-01-31")

    @pytest.fixture
    def unsupported_resolution(self, source: DataSource) -> Resolution | None:
        missing = [r for r in Resolution if r not in source.supported_resolutions()]
        return missing[0] if missing else None

    @staticmethod
    def _fetch(source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        return asyncio.run(source.fetch(symbols, span, resolution))

    def test_has_a_source_name(self, source: DataSource) -> None:
        assert isinstance(source.source_name, str) and source.source_name
        assert isinstance(source.exchange, str) and source.exchange

    def test_fetch_returns_the_standard_schema(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        got = self._fetch(source, symbols, span, resolution)
        assert got.schema == STANDARD_OHLCV_SCHEMA
        assert got.height > 0

    def test_only_requested_symbols_inside_the_span(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        got = self._fetch(source, symbols, span, resolution)
        assert set(got.get_column("symbol").unique().to_list()) <= set(symbols)
        stamps = got.get_column("timestamp")
        assert span.start <= _instant(stamps.min()) and _instant(stamps.max()) <= span.end

    def test_every_requested_symbol_comes_back(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        """``symbols`` names symbols with bars inside ``span``: each one has bars in the answer."""
        got = self._fetch(source, symbols, span, resolution)
        assert _symbols_in_order(got) == list(dict.fromkeys(symbols))

    def test_symbols_come_in_the_order_asked(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        """Asked in reverse, the symbols come back in reverse, each with the same bars."""
        forward = self._fetch(source, symbols, span, resolution)
        asked = list(reversed(list(dict.fromkeys(symbols))))
        backward = self._fetch(source, asked, span, resolution)
        assert _symbols_in_order(backward) == asked
        for name in asked:
            assert backward.filter(pl.col("symbol") == name).equals(forward.filter(pl.col("symbol") == name)), name

    def test_each_symbol_alone_gives_its_share_of_the_bars(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        together = self._fetch(source, symbols, span, resolution)
        for name in dict.fromkeys(symbols):
            alone = self._fetch(source, [name], span, resolution)
            assert alone.equals(together.filter(pl.col("symbol") == name)), name

    def test_ascending_within_each_symbol_without_duplicates(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        got = self._fetch(source, symbols, span, resolution)
        report = validate_bars(got, ValidationConfig(outlier_detection=False, ohlcv_checks=False))
        assert report.count("sorted_ascending") == 0
        assert report.count("no_duplicate_timestamps") == 0
        assert report.count("no_nulls") == 0
        assert report.count("no_future_bars") == 0

    def test_bars_are_well_formed(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        got = self._fetch(source, symbols, span, resolution)
        report = validate_bars(got, ValidationConfig(outlier_detection=False, temporal_consistency=False))
        assert report.ok, report.summary()

    def test_unknown_symbol_names_it(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        with pytest.raises(SymbolNotFoundError, match="NO-SUCH-SYMBOL") as info:
            self._fetch(source, [*symbols, "NO-SUCH-SYMBOL"], span, resolution)
        assert "NO-SUCH-SYMBOL" in info.value.symbols
        assert isinstance(info.value, LookupError)

    def test_span_without_bars_is_empty_with_schema(self, source: DataSource, symbols: Sequence[str], empty_span: DateRange | None, resolution: Resolution) -> None:
        if empty_span is None:
            pytest.skip("no empty span for this source")
        got = self._fetch(source, symbols, empty_span, resolution)
        assert got.is_empty()
        assert got.schema == STANDARD_OHLCV_SCHEMA

    def test_unsupported_resolution_is_a_domain_error(self, source: DataSource, symbols: Sequence[str], span: DateRange, unsupported_resolution: Resolution | None) -> None:
        if unsupported_resolution is None:
            pytest.skip("the source supports every resolution")
        with pytest.raises(InvalidResolutionError):
            self._fetch(source, symbols, span, unsupported_resolution)

    def test_raw_fetch_converts_to_the_same_bars(self, source: DataSource, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> None:
        exact = self._fetch(source, symbols, span, resolution)
        raw = asyncio.run(source.fetch_raw(symbols, span, resolution))
        conversion = to_decimal_columns(raw, mode="lenient")
        assert not conversion.rejected
        converted = conversion.frame.select(STANDARD_OHLCV_SCHEMA.names()).cast(STANDARD_OHLCV_SCHEMA)
        assert converted.equals(exact)


def _symbols_in_order(frame: pl.DataFrame) -> list[str]:
    """The symbols of ``frame`` in the order of their first row."""
    return [str(s) for s in frame.get_column("symbol").cast(pl.String).unique(maintain_order=True).to_list()]


def _instant(value: object) -> datetime:
    assert isinstance(value, datetime), value
    return value
