"""Contract every ``BarReader`` honours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest

from rustybt.contract.samples import bars_for
from rustybt.domain.errors import (
    InvalidDateRangeError,
    InvalidRequestError,
    UnknownFieldError,
    UnknownSidError,
)
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.schemas import storage_schema, time_column

UTC = timezone.utc
MakeReader = Callable[[pl.DataFrame, str], BarReader]


class BarReaderContract:
    """Override ``make_reader``: a function (storage frame, storage kind) → reader over exactly
    those bars. Override ``storage_kind`` to test ``"minute"`` (default ``"daily"``)."""

    @pytest.fixture
    def make_reader(self) -> MakeReader:
        raise NotImplementedError("override `make_reader`")

    @pytest.fixture
    def storage_kind(self) -> str:
        return "daily"

    @pytest.fixture
    def bars(self, storage_kind: str) -> pl.DataFrame:
        return bars_for(storage_kind)

    @pytest.fixture
    def reader(self, make_reader: MakeReader, bars: pl.DataFrame, storage_kind: str) -> BarReader:
        return make_reader(bars, storage_kind)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _t(bars: pl.DataFrame) -> str:
        return "date" if "date" in bars.columns else "timestamp"

    @staticmethod
    def _as_dt(value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime(value.year, value.month, value.day, tzinfo=UTC)

    def _middle(self, bars: pl.DataFrame) -> tuple[date | datetime, date | datetime]:
        times = bars.get_column(self._t(bars)).unique().sort()
        return _moment(times[len(times) // 4]), _moment(times[3 * len(times) // 4])

    # -- load_raw_arrays ------------------------------------------------------------------

    def test_kind_and_time_column(self, reader: BarReader, storage_kind: str) -> None:
        assert reader.storage_kind == storage_kind
        assert reader.time_column == time_column(storage_kind)

    def test_load_returns_exact_rows_of_the_range(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        lo, hi = self._middle(bars)
        sids = sorted(bars.get_column("sid").unique().to_list())
        got = reader.load_raw_arrays(sids, ["open", "high", "low", "close", "volume"], lo, hi).collect()
        want = bars.filter(pl.col(t).is_between(lo, hi)).sort(t, "sid")
        assert got.columns == [t, "sid", "open", "high", "low", "close", "volume"]
        assert got.schema == want.schema
        assert got.height == want.height > 0
        assert got.equals(want)

    def test_fields_come_in_the_order_asked(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        lo, hi = self._middle(bars)
        got = reader.load_raw_arrays([2], ["volume", "close"], lo, hi).collect()
        assert got.columns == [t, "sid", "volume", "close"]
        assert set(got.get_column("sid").to_list()) == {2}

    def test_returns_lazy_frame_sorted_by_time_then_sid(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        first, last = _moment(bars.get_column(t).min()), _moment(bars.get_column(t).max())
        lazy = reader.load_raw_arrays([2, 1], ["close"], first, last)
        assert isinstance(lazy, pl.LazyFrame)
        got = lazy.collect()
        assert got.equals(got.sort(t, "sid"))
        assert got.height == bars.filter(pl.col("sid").is_in([1, 2])).height

    def test_bounds_are_inclusive(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        lo, hi = self._middle(bars)
        got = reader.load_raw_arrays([1], ["close"], lo, hi).collect().get_column(t)
        assert got.min() == lo
        assert got.max() == hi

    def test_decimals_are_exact(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        row = bars.filter(pl.col("sid") == 2).row(7, named=True)
        got = reader.load_raw_arrays([row["sid"]], ["high", "volume"], row[t], row[t]).collect().row(0, named=True)
        assert got["high"] == row["high"]
        assert isinstance(got["high"], Decimal)
        assert got["volume"] == row["volume"]

    def test_range_without_bars_is_empty_with_schema(self, reader: BarReader, bars: pl.DataFrame, storage_kind: str) -> None:
        got = reader.load_raw_arrays([1], ["open", "volume"], "1990-01-01", "1990-12-31").collect()
        expected = storage_schema(storage_kind)
        t = self._t(bars)
        assert got.is_empty()
        assert got.columns == [t, "sid", "open", "volume"]
        assert got.schema[t] == expected[t]
        assert got.schema["open"] == expected["open"]
        assert got.schema["volume"] == expected["volume"]

    def test_unknown_field_is_a_domain_error(self, reader: BarReader) -> None:
        with pytest.raises(UnknownFieldError, match="vwap"):
            reader.load_raw_arrays([1], ["close", "vwap"], "2024-01-01", "2024-12-31")

    def test_start_after_end_is_a_domain_error(self, reader: BarReader) -> None:
        with pytest.raises(InvalidDateRangeError):
            reader.load_raw_arrays([1], ["close"], "2024-02-01", "2024-01-01")

    def test_unknown_sid_is_a_domain_error(self, reader: BarReader) -> None:
        with pytest.raises(UnknownSidError, match="999"):
            reader.load_raw_arrays([1, 999], ["close"], "2024-01-01", "2024-12-31")

    def test_no_sids_is_a_domain_error(self, reader: BarReader) -> None:
        with pytest.raises(InvalidRequestError):
            reader.load_raw_arrays([], ["close"], "2024-01-01", "2024-12-31")

    def test_bare_end_date_covers_the_whole_day(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        last = self._as_dt(_moment(bars.get_column(t).max()))
        got = reader.load_raw_arrays([1], ["close"], last.date() - timedelta(days=1), last.date()).collect()
        want = bars.filter((pl.col("sid") == 1) & (pl.col(t).cast(pl.Date) >= last.date() - timedelta(days=1)))
        assert got.height == want.height

    # -- point lookups --------------------------------------------------------------------

    def test_get_value_is_exact(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        row = bars.row(bars.height // 2, named=True)
        for field in ("open", "high", "low", "close", "volume"):
            assert reader.get_value(row["sid"], row[t], field) == row[field]

    def test_get_value_without_bar_is_none(self, reader: BarReader) -> None:
        assert reader.get_value(1, "1990-01-02", "close") is None

    def test_get_value_checks_field_and_sid(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        when = bars.get_column(t)[0]
        with pytest.raises(UnknownFieldError):
            reader.get_value(1, when, "price")
        with pytest.raises(UnknownSidError):
            reader.get_value(999, when, "close")

    def test_last_traded_dt(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        sid2 = bars.filter(pl.col("sid") == 2).get_column(t)
        all_times = bars.get_column(t).unique().sort()
        missing = [v for v in all_times.to_list() if v not in set(sid2.to_list())]
        assert missing, "the sample has a gap for sid 2"
        gap = missing[0]
        before = max(v for v in sid2.to_list() if v < gap)
        assert reader.get_last_traded_dt(2, gap) == self._as_dt(before)
        exact = sid2[5]
        assert reader.get_last_traded_dt(2, exact) == self._as_dt(exact)
        assert reader.get_last_traded_dt(2, "1990-01-01") is None
        with pytest.raises(UnknownSidError):
            reader.get_last_traded_dt(999, exact)

    def test_sids_first_and_last(self, reader: BarReader, bars: pl.DataFrame) -> None:
        t = self._t(bars)
        assert reader.sids() == sorted(bars.get_column("sid").unique().to_list())
        assert reader.first_available_dt() == self._as_dt(_moment(bars.get_column(t).min()))
        assert reader.last_available_dt() == self._as_dt(_moment(bars.get_column(t).max()))

    def test_asset_listed_later_has_no_rows_before(self, reader: BarReader, bars: pl.DataFrame) -> None:
        if 3 not in bars.get_column("sid").to_list():
            pytest.skip("sample has no late listing")
        t = self._t(bars)
        first3 = _moment(bars.filter(pl.col("sid") == 3).get_column(t).min())
        got = reader.load_raw_arrays([3], ["close"], _moment(bars.get_column(t).min()), first3).collect()
        assert got.height == 1


def _moment(value: object) -> date | datetime:
    """A time value of a sample frame (its extremes and middles are dates or datetimes)."""
    assert isinstance(value, (date, datetime)), value
    return value
