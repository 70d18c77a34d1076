"""What the daily reader reads: the sessions a backtest expects, in whole months, and only
what a question needs beyond them; answers equal those of a reader holding every bar."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import polars as pl
import pytest
from zipline.data.bar_reader import NoDataAfterDate, NoDataBeforeDate
from zipline.utils.calendar_utils import get_calendar

from rustybt.domain.fakes import InMemoryBarReader
from rustybt.domain.schemas import PRICE_FIELDS, storage_schema
from rustybt.zipline_bridge import ZiplineDailyBarReader

CALENDAR = get_calendar("XNYS")
SESSIONS = CALENDAR.sessions_in_range(pd.Timestamp("2020-01-02"), pd.Timestamp("2021-12-31"))
SEP_15 = pd.Timestamp("2020-09-15")
I_SEP_15 = SESSIONS.get_loc(SEP_15)


def _same(a: object, b: object) -> bool:
    return bool((pd.isna(a) and pd.isna(b)) or a == b)


def _frame() -> pl.DataFrame:
    """Sid 1 trades every session of 2020-2021, sid 2 from 2020-07-01 to 2021-03-31 (volume 0
    in its last week), sid 3 only in January 2020."""
    rows = []
    for i, session in enumerate(SESSIONS):
        day = session.date()
        rows.append((day, 1, 10 + i / 100, 100 + i))
        if date(2020, 7, 1) <= day <= date(2021, 3, 31):
            rows.append((day, 2, 50 + i / 50, 0 if day > date(2021, 3, 24) else 7))
        if day < date(2020, 2, 1):
            rows.append((day, 3, 5.0, 1))
    schema = storage_schema("daily")
    frame = pl.DataFrame(rows, schema=["date", "sid", "close", "volume"], orient="row")
    return frame.select(
        pl.col("date").cast(schema["date"]),
        pl.col("sid").cast(pl.Int64),
        *[pl.col("close").cast(pl.String).cast(schema[f]).alias(f) for f in PRICE_FIELDS],
        pl.col("volume").cast(pl.String).cast(schema["volume"]),
    )


class CountingReader(InMemoryBarReader):
    """The in-memory store, remembering the (first, last) day of every bar read."""

    def __init__(self, frame: pl.DataFrame) -> None:
        super().__init__(frame, "daily")
        self.reads: list[tuple[date, date]] = []

        self.listings = 0

    def load_raw_arrays(self, sids, fields, start_date, end_date):  # type: ignore[no-untyped-def]
        self.reads.append((start_date, end_date))
        return super().load_raw_arrays(sids, fields, start_date, end_date)

    def sids(self) -> list[int]:
        self.listings += 1
        return super().sids()


@pytest.fixture
def store() -> CountingReader:
    return CountingReader(_frame())


def _reader(store: CountingReader) -> ZiplineDailyBarReader:
    return ZiplineDailyBarReader(store, CALENDAR, start_session="2020-01-02", end_session="2021-12-31")


def test_a_backtest_reads_its_own_sessions_in_whole_months(store: CountingReader) -> None:
    reader = _reader(store)
    reader.expect_sessions(SEP_15, pd.Timestamp("2020-11-10"))
    assert reader.get_value(1, SEP_15, "close") == pytest.approx(10 + I_SEP_15 / 100)
    assert store.reads == [(date(2020, 9, 1), date(2020, 11, 30))]
    for day in CALENDAR.sessions_in_range(SEP_15, pd.Timestamp("2020-11-10")):
        reader.get_value(1, day, "close")
        reader.get_value(2, day, "volume")
    assert len(store.reads) == 1


def test_a_history_window_before_the_start_reads_only_the_months_missing(store: CountingReader) -> None:
    first_question = _reader(CountingReader(_frame()))
    first_question.expect_sessions(SEP_15, pd.Timestamp("2020-11-10"))
    first_question.load_raw_arrays(["close"], pd.Timestamp("2020-06-01"), SEP_15, [1])
    assert first_question.bar_reader.reads == [(date(2020, 6, 1), date(2020, 11, 30))]  # one read from the first asked
    reader = _reader(store)
    reader.expect_sessions(SEP_15, pd.Timestamp("2020-11-10"))
    reader.get_value(1, SEP_15, "close")  # the first bar of the backtest
    (close,) = reader.load_raw_arrays(["close"], pd.Timestamp("2020-06-01"), SEP_15, [1, 2])
    assert store.reads == [(date(2020, 9, 1), date(2020, 11, 30)), (date(2020, 6, 1), date(2020, 8, 31))]
    everything = ZiplineDailyBarReader(store, CALENDAR, start_session="2020-01-02", end_session="2021-12-31")
    (expected,) = everything.load_raw_arrays(["close"], pd.Timestamp("2020-06-01"), SEP_15, [1, 2])
    np.testing.assert_array_equal(close, expected)
    starts = CALENDAR.sessions_in_range(pd.Timestamp("2020-06-01"), pd.Timestamp("2020-09-15")).get_loc(
        pd.Timestamp("2020-07-01")
    )
    assert np.isnan(close[:starts, 1]).all() and not np.isnan(close[starts:, 1]).any()  # sid 2 starts 2020-07-01


def test_questions_beyond_the_expected_sessions_still_get_every_answer(store: CountingReader) -> None:
    reader = _reader(store)
    reader.expect_sessions(SEP_15, pd.Timestamp("2020-11-10"))
    # sid 3 has no bar in the expected months: only reading back to January tells before from after
    with pytest.raises(NoDataAfterDate):
        reader.get_value(3, pd.Timestamp("2020-10-01"), "close")
    assert reader.get_last_traded_dt(3, pd.Timestamp("2020-10-01")) == pd.Timestamp("2020-01-31")
    # sid 2 traded past the expected months: reading forward finds its bars
    assert reader.get_value(2, pd.Timestamp("2021-03-31"), "volume") == 0
    assert reader.get_last_traded_dt(2, pd.Timestamp("2021-06-01")) == pd.Timestamp("2021-03-24")
    with pytest.raises(NoDataAfterDate):
        reader.get_value(2, pd.Timestamp("2021-06-01"), "close")
    with pytest.raises(NoDataBeforeDate):
        reader.get_value(2, pd.Timestamp("2020-03-02"), "close")


def test_answers_match_a_reader_without_expected_sessions(store: CountingReader) -> None:
    lazy, plain = _reader(store), _reader(CountingReader(_frame()))
    lazy.expect_sessions(pd.Timestamp("2021-02-01"), pd.Timestamp("2021-02-26"))
    days = [*list(SESSIONS[::17]), SESSIONS[0], SESSIONS[-1]]
    for sid in (1, 2, 3, 4):
        for day in days:
            assert lazy.stored_value(sid, day, "close") == plain.stored_value(sid, day, "close")
            assert _same(lazy.get_last_traded_dt(sid, day), plain.get_last_traded_dt(sid, day))
    assert lazy.sids_read == plain.sids_read == {1, 2, 3}


def test_stored_value_is_none_where_get_value_gives_nan_or_raises(store: CountingReader) -> None:
    reader = _reader(store)
    reader.expect_sessions(pd.Timestamp("2020-07-01"), pd.Timestamp("2020-07-31"))
    assert reader.stored_value(2, pd.Timestamp("2020-07-01"), "close") == reader.get_value(
        2, pd.Timestamp("2020-07-01"), "close"
    )
    assert reader.stored_value(2, pd.Timestamp("2020-06-30"), "close") is None  # before its first bar
    assert reader.stored_value(3, pd.Timestamp("2020-07-01"), "volume") is None  # after its last bar
    assert reader.stored_value(1, pd.Timestamp("2020-07-04"), "close") is None  # not a session
    assert reader.stored_value(99, pd.Timestamp("2020-07-01"), "close") is None  # no bars at all


def test_a_bundle_s_listed_sids_spare_listing_the_store(store: CountingReader) -> None:
    listed = ZiplineDailyBarReader(
        store, CALENDAR, start_session="2020-01-02", end_session="2021-12-31", listed_sids=[1, 2, 5]
    )
    plain = _reader(CountingReader(_frame()))
    listed.expect_sessions(SEP_15, pd.Timestamp("2020-11-10"))
    days = CALENDAR.sessions_in_range(SEP_15, pd.Timestamp("2020-11-10"))
    for sid in (1, 2, 5):  # 5 is listed but has no bar in the store
        for day in days:
            assert listed.stored_value(sid, day, "close") == plain.stored_value(sid, day, "close")
    ours = listed.load_raw_arrays(["close", "volume"], pd.Timestamp("2020-08-03"), SEP_15, [2, 5, 1])
    theirs = plain.load_raw_arrays(["close", "volume"], pd.Timestamp("2020-08-03"), SEP_15, [2, 5, 1])
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    assert store.listings == 0
    assert listed.sids_read == {1, 2}
    # a sid zipline asks about that the bundle does not list is read on its own
    assert listed.get_value(3, pd.Timestamp("2020-01-31"), "volume") == 1
    assert list(listed.currency_codes([1, 3, 5])) == ["USD", "USD", None]
