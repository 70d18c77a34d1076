"""Split flags: a jump by a split ratio with no split recorded, and a recorded split with no jump."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA
from rustybt.domain.validation.splits import COMMON_SPLITS, TOLERANCE, near_split, split_flags, split_label

UTC = timezone.utc
T0 = datetime(2014, 6, 2, tzinfo=UTC)
TALLY: Counter[str] = Counter()


def bars(closes: list[float], opens: list[float] | None = None, symbol: str = "AAPL") -> pl.DataFrame:
    opens = opens or closes
    return pl.DataFrame(
        {
            "symbol": [symbol] * len(closes),
            "timestamp": [T0 + timedelta(days=i) for i in range(len(closes))],
            "open": [Decimal(str(o)) for o in opens],
            "close": [Decimal(str(c)) for c in closes],
        }
    )


def splits(*rows: tuple[str, date, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [(s, d, "split", Decimal(v)) for s, d, v in rows], schema=CORPORATE_ACTIONS_SCHEMA, orient="row"
    ).select("symbol", "date", "value")


NO_SPLITS = splits()


def test_a_seven_for_one_drop_without_a_recorded_split_is_suspected() -> None:
    frame = bars([645.57, 647.35, 93.70, 94.25])  # AAPL raw, 2014-06-09: 7:1
    (flag,) = split_flags(frame, NO_SPLITS)
    assert (flag.rule, flag.symbol, flag.rows) == ("suspected_split", "AAPL", (2,))
    assert "2014-06-04" in flag.details[0] and "7:1" in flag.details[0]


def test_the_recorded_split_explains_the_drop() -> None:
    frame = bars([645.57, 647.35, 93.70, 94.25])
    assert split_flags(frame, splits(("AAPL", date(2014, 6, 4), "7"))) == []


def test_a_recorded_split_on_adjusted_prices_is_not_in_prices() -> None:
    frame = bars([92.22, 92.70, 93.70, 94.25])  # zipline csvdir: prices already adjusted
    (flag,) = split_flags(frame, splits(("AAPL", date(2014, 6, 4), "7")))
    assert (flag.rule, flag.rows) == ("split_not_in_prices", (2,))
    assert "2014-06-04" in flag.details[0] and "7:1" in flag.details[0]


def test_a_reverse_split_and_a_split_outside_the_bars() -> None:
    frame = bars([1.0, 1.02, 10.1, 10.0])
    (flag,) = split_flags(frame, splits(("AAPL", date(2020, 1, 1), "2"), ("MSFT", date(2014, 6, 4), "2")))
    assert flag.rule == "suspected_split" and "1:10" in flag.details[0]


def test_labels() -> None:
    assert [split_label(v) for v in (7, 1.5, 0.1, Fraction(1, 2))] == ["7:1", "3:2", "1:10", "1:2"]


@settings(max_examples=400)
@given(
    st.lists(st.floats(min_value=0.9, max_value=1.1), min_size=2, max_size=30),
    st.sampled_from(COMMON_SPLITS),
    st.integers(min_value=1, max_value=29),
    st.booleans(),
    st.floats(min_value=1, max_value=1000),
)
def test_a_split_day_is_flagged_exactly_when_nothing_explains_it(
    moves: list[float], split: Fraction, at: int, recorded: bool, start: float
) -> None:
    """Random small daily moves (at most 10% up or down: never near a split ratio alone) and
    one split day: a recorded split is 'not in prices' exactly when the day's own move pushed
    the jump off its ratio; an unrecorded one is suspected exactly when the jump is near a
    common ratio, and only on its day."""
    at = min(at, len(moves) - 1)
    closes, price = [], start
    for i, move in enumerate(moves):
        price = price * move / (float(split) if i == at else 1.0)
        closes.append(round(price, 6))
    frame = bars(closes)
    day = (T0 + timedelta(days=at)).date()
    flags = split_flags(frame, splits(("AAPL", day, str(float(split)))) if recorded else NO_SPLITS)
    rules = {f.rule: f for f in flags}
    TALLY["recorded" if recorded else "unrecorded"] += 1
    ratio = closes[at - 1] / closes[at]
    matches = abs(ratio / float(split) - 1) <= TOLERANCE
    TALLY["jump matches its split" if matches else "jump blurred by the day's move"] += 1
    assert ("split_not_in_prices" in rules) == (recorded and not matches)
    if recorded:
        assert "suspected_split" not in rules
    else:
        assert ("suspected_split" in rules) == (near_split(ratio) is not None)
        if near_split(ratio) is not None:
            assert rules["suspected_split"].rows == (at,)


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\nsplit property: {dict(TALLY)}")
