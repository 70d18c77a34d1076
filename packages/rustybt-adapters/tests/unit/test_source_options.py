"""``--option KEY=VALUE``: every option of every source listed and typed; values taken as text
(strftime formats unquoted); an unknown key or a bad value is one error naming it."""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.adapters import CSVAdapter
from rustybt.adapters.ccxt_adapter import CCXTDataAdapter
from rustybt.adapters.source_options import (
    SOURCE_OPTIONS,
    VALIDATION_OPTIONS,
    options_help,
    parse_options,
    split_validation,
)
from rustybt.adapters.yfinance_adapter import YFinanceAdapter
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError, RustyBTDataError

INTERNAL = {"self", "path", "name", "files", "validation", "session", "api_key", "secret", "exchange"}
CLASSES = {"csv": CSVAdapter, "ccxt": CCXTDataAdapter, "yfinance": YFinanceAdapter}
TALLY: Counter[str] = Counter()


@pytest.mark.parametrize("kind", list(SOURCE_OPTIONS))
def test_every_constructor_keyword_is_a_listed_option_and_back(kind: str) -> None:
    keywords = set(inspect.signature(CLASSES[kind].__init__).parameters) - INTERNAL
    if kind == "csv":
        keywords.add("exchange")  # a CSV source's exchange is the user's to set
    listed = {o.name for o in SOURCE_OPTIONS[kind]}
    assert listed == keywords
    text = options_help()
    assert all(f"{name}=" in text for name in listed | {o.name for o in VALIDATION_OPTIONS})


def test_strftime_formats_need_no_quotes_and_quotes_are_taken_off() -> None:
    parsed = parse_options("csv:x", ["date_format=%Y-%m-%d", "timezone='America/New_York'", 'delimiter=";"', "date_format=%Y-%m-%d %H:%M"])
    assert parsed == {"date_format": "%Y-%m-%d %H:%M", "timezone": "America/New_York", "delimiter": ";"}


def test_typed_values_and_mapping_keys() -> None:
    parsed = parse_options(
        "csv:x",
        ["has_header=no", "skip_rows=2", "column_names=[a, b]", "schema_mapping={date_column: a}", "schema_mapping.volume_column=null",
         "allow_negative_prices=yes", "symbol=null"],
    )  # fmt: skip
    assert parsed == {
        "has_header": False, "skip_rows": 2, "column_names": ["a", "b"], "schema_mapping": {"date_column": "a", "volume_column": None},
        "allow_negative_prices": True, "symbol": None,
    }  # fmt: skip
    assert split_validation(parsed)[1] == {"allow_negative_prices": True}


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("header=false", r"'header' is not an option of csv:x; its options: schema_mapping, date_format, .*has_header"),
        ("has_header=maybe", r"has_header of csv:x: 'maybe' is not true or false"),
        ("skip_rows=-1", r"skip_rows of csv:x: '-1' is not a whole number of at least 0"),
        ("schema_mapping={date_column: [", r"schema_mapping of csv:x: .* is not a YAML mapping"),
        ("schema_mapping=date", r"is not a mapping; write it like"),
        ("ambiguous=first", r"'first' is not one of earliest, latest, infer, raise"),
        ("nokey", r"must look like KEY=VALUE"),
        ("date_format.x=1", r"only a mapping option takes KEY.FIELD=VALUE"),
    ],
)
def test_bad_options_are_one_line_naming_the_key(pair: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        parse_options("csv:x", [pair])
    assert "\n" not in str(info.value)


no_breaks = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
values = st.one_of(
    st.text(no_breaks, max_size=25),
    st.sampled_from(["", "null", "~", "[", "{", "{a: [", "true", "0", "-1", "99999999999999999999", "%", "%Y-%m-%d", "%Q", "{symbol}", "{0}", "{", "utf16",
                     "'unterminated", "\"\"", "\x00", "../../etc", "UTC", "Europe/Paris", "epoch", "epoch_ms", "[a, 1]", "{a: 1}"]),
)  # fmt: skip


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([o.name for o in SOURCE_OPTIONS["csv"]] + ["allow_zero_prices", "unknown_key"]), values)
def test_any_value_of_any_csv_option_reads_bars_or_is_a_domain_error(tmp_path_factory: pytest.TempPathFactory, key: str, raw: str) -> None:
    folder = tmp_path_factory.mktemp("opt")
    (folder / "AAA.csv").write_text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,10\n2024-01-03,1,2,0.5,1.5,10\n")
    try:
        options, _validation = split_validation(parse_options("csv:x", [f"{key}={raw}"]))
        adapter = CSVAdapter(folder, **options)
        asyncio.run(adapter.fetch_raw(["AAA"], DateRange.of("2024-01-01", "2024-12-31"), adapter.resolution))
    except RustyBTDataError as err:
        assert "\n" not in str(err).strip() or "validation" in str(err), str(err)
        TALLY[f"refused ({type(err).__name__})"] += 1
        return
    TALLY["read"] += 1


@settings(max_examples=150)
@given(st.sampled_from([o.name for o in (*SOURCE_OPTIONS["ccxt"], *SOURCE_OPTIONS["yfinance"])]), values)
def test_any_value_of_a_network_source_option_parses_or_is_a_configuration_error(key: str, raw: str) -> None:
    for spec in ("ccxt:binance", "yfinance"):
        try:
            parse_options(spec, [f"{key}={raw}"])
            TALLY["network option parsed"] += 1
        except ConfigurationError:
            TALLY["network option refused"] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> object:
    yield
    print(f"\noption value property: {dict(TALLY)}")


def test_exchange_settings_take_nested_yaml() -> None:
    parsed = parse_options("ccxt:binance", ["options={fetchMarkets: {types: [spot]}}", "options.defaultType=spot"])
    assert parsed == {"options": {"fetchMarkets": {"types": ["spot"]}, "defaultType": "spot"}}
