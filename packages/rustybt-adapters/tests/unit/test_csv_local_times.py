"""Local times on daylight-saving days: the real cause named, resolved by the ``ambiguous``
and ``nonexistent`` options; property-tested over every zone of the tz database."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.adapters import CSVAdapter, CSVFormatError
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError
from rustybt.domain.resolution import Resolution

UTC = timezone.utc
HEADER = "Date,Open,High,Low,Close,Volume\n"
SPAN = DateRange.of("1900-01-01", "2100-12-31")
TALLY: Counter[str] = Counter()
NY = "America/New_York"


def write(folder: Path, walls: list[str]) -> None:
    (folder / "X.csv").write_text(HEADER + "".join(f"{w},1,2,0.5,1.5,100\n" for w in walls))


def fetch(folder: Path, **options: str) -> list[datetime]:
    adapter = CSVAdapter(folder, date_format="%Y-%m-%d %H:%M", timezone=options.pop("timezone", NY), resolution="1h", **options)  # type: ignore[arg-type]
    frame = asyncio.run(adapter.fetch_raw(["X"], SPAN, Resolution.H1))
    return frame.get_column("timestamp").to_list()


def test_a_skipped_time_is_named_as_such_not_as_a_format_mismatch(tmp_path: Path) -> None:
    write(tmp_path, ["2020-03-08 01:30", "2020-03-08 02:30", "2020-03-08 03:30"])
    with pytest.raises(CSVFormatError, match=r"line 3: .*2020-03-08 02:30:00 does not exist in America/New_York .*nonexistent=shift_forward") as info:
        fetch(tmp_path)
    assert "does not match" not in str(info.value)
    assert fetch(tmp_path, nonexistent="shift_forward") == [
        datetime(2020, 3, 8, 6, 30, tzinfo=UTC),
        datetime(2020, 3, 8, 7, 0, tzinfo=UTC),  # 03:00 EDT, the first time after the gap
        datetime(2020, 3, 8, 7, 30, tzinfo=UTC),
    ]


def test_a_repeated_time_is_named_and_resolved_by_the_option(tmp_path: Path) -> None:
    write(tmp_path, ["2020-11-01 00:30", "2020-11-01 01:30", "2020-11-01 01:30", "2020-11-01 02:30"])
    with pytest.raises(CSVFormatError, match=r"line 3: .*01:30:00 happens twice in America/New_York .*ambiguous=earliest, latest or infer"):
        fetch(tmp_path)
    first, second = datetime(2020, 11, 1, 5, 30, tzinfo=UTC), datetime(2020, 11, 1, 6, 30, tzinfo=UTC)
    assert fetch(tmp_path, ambiguous="infer")[1:3] == [first, second]
    assert fetch(tmp_path, ambiguous="earliest")[1:3] == [first, first]
    assert fetch(tmp_path, ambiguous="latest")[1:3] == [second, second]


@pytest.mark.parametrize(("key", "value"), [("timezone", "Mars/Olympus"), ("ambiguous", "first"), ("nonexistent", "skip"), ("timezone", "../../etc/passwd")])
def test_bad_choices_are_configuration_errors(tmp_path: Path, key: str, value: str) -> None:
    write(tmp_path, ["2020-01-02 10:00"])
    with pytest.raises(ConfigurationError, match=key if key != "timezone" else "time zone"):
        CSVAdapter(tmp_path, **{key: value})  # type: ignore[arg-type]


def _transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """UTC instants in ``year`` where the zone's offset changes (to the hour)."""
    found, moment = [], datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        step = moment + timedelta(hours=1)
        if step.astimezone(zone).utcoffset() != offset:
            found.append(step)
            offset = step.astimezone(zone).utcoffset()
        moment = step
    return found


ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("posix/", "right/")))
SEASONAL = [
    z for z in ZONES
    if datetime(2020, 1, 15, tzinfo=ZoneInfo(z)).utcoffset() != datetime(2020, 7, 15, tzinfo=ZoneInfo(z)).utcoffset()
]  # fmt: skip


def _expected(zone: ZoneInfo, walls: list[datetime], ambiguous: str, nonexistent: str) -> tuple[list[datetime], int | None]:
    out: list[datetime] = []
    seen: Counter[datetime] = Counter()
    for i, wall in enumerate(walls):
        early, late = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
        back = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != wall:  # skipped
            if nonexistent == "raise":
                return out, i
            lo, hi = sorted((early.astimezone(UTC), late.astimezone(UTC)))
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (lo, mid) if mid.astimezone(zone).utcoffset() == hi.astimezone(zone).utcoffset() else (mid, hi)
            out.append(hi.replace(microsecond=0))
        elif early.utcoffset() != late.utcoffset():  # repeated
            seen[wall] += 1
            if ambiguous == "raise" or (ambiguous == "infer" and seen[wall] > 2):
                return out, i
            pick = {"earliest": early, "latest": late, "infer": early if seen[wall] == 1 else late}[ambiguous]
            out.append(pick.astimezone(UTC))
        else:
            out.append(early.astimezone(UTC))
    return out, None


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(st.sampled_from(SEASONAL), st.sampled_from(SEASONAL), st.sampled_from(ZONES)),
    st.integers(min_value=1971, max_value=2037),
    st.lists(st.integers(min_value=-150, max_value=150), min_size=1, max_size=8),
    st.sampled_from(["earliest", "latest", "infer", "raise"]),
    st.sampled_from(["shift_forward", "raise"]),
)
def test_any_zone_any_wall_time_near_a_transition(tmp_path_factory: pytest.TempPathFactory, zone_name: str, year: int, minutes: list[int], ambiguous: str, nonexistent: str) -> None:
    zone = ZoneInfo(zone_name)
    changes = _transitions(zone, year)
    anchor = changes[0] if changes else datetime(year, 6, 1, tzinfo=UTC)
    base = anchor.astimezone(zone).replace(tzinfo=None)
    walls = [base + timedelta(minutes=m) for m in minutes]
    folder = tmp_path_factory.mktemp("tz")
    write(folder, [w.strftime("%Y-%m-%d %H:%M") for w in walls])
    walls = [w.replace(second=0, microsecond=0) for w in walls]
    expected, failing = _expected(zone, walls, ambiguous, nonexistent)
    TALLY["with a transition" if changes else "no transition that year"] += 1
    if failing is not None:
        TALLY["refused"] += 1
        with pytest.raises(CSVFormatError) as info:
            fetch(folder, timezone=zone_name, ambiguous=ambiguous, nonexistent=nonexistent)
        assert info.value.line == failing + 2
        assert "does not match" not in str(info.value)
        return
    got = fetch(folder, timezone=zone_name, ambiguous=ambiguous, nonexistent=nonexistent)
    TALLY["placed"] += 1
    assert sorted(got) == sorted(expected)


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\ntime zone property: {dict(TALLY)}")
