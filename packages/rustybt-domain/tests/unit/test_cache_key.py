"""The spec's cache key: SHA-256 of JSON with sorted symbols, ISO dates, resolution, source."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from rustybt.domain import CacheKey, generate_cache_key


def test_matches_the_spec_algorithm_exactly() -> None:
    expected = hashlib.sha256(
        json.dumps(
            {
                "symbols": ["AAPL", "GOOG", "MSFT"],
                "start_date": "2023-01-01T00:00:00Z",
                "end_date": "2023-12-31T23:59:59Z",
                "resolution": "1d",
                "source": "yfinance",
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    key = generate_cache_key(["MSFT", "AAPL", "GOOG"], "2023-01-01", "2023-12-31T23:59:59Z", "1d", "yfinance")
    assert key == expected
    assert len(key) == 64


def test_same_instant_gives_the_same_key_however_it_is_written() -> None:
    a = generate_cache_key(["AAPL"], date(2023, 1, 1), datetime(2023, 6, 30), "1d", "yfinance")
    b = generate_cache_key(["AAPL"], "2023-01-01T00:00:00+00:00", datetime(2023, 6, 30, tzinfo=timezone.utc), "1d", "yfinance")
    assert a == b


def test_digest_is_memoized_per_request_object() -> None:
    key = CacheKey.of(["AAPL"], "2023-01-01", "2023-01-31", "1d", "yfinance")
    assert key.digest is key.digest


symbol_lists = st.lists(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF, blacklist_categories=("Cc", "Cs", "Zs")), min_size=1, max_size=12), min_size=1, max_size=6, unique=True)


@given(symbol_lists, st.randoms())
def test_symbol_order_never_matters(symbols: list[str], rnd: object) -> None:
    shuffled = list(symbols)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert generate_cache_key(symbols, "2023-01-01", "2023-02-01", "1h", "ccxt:binance") == generate_cache_key(shuffled, "2023-01-01", "2023-02-01", "1h", "ccxt:binance")


@given(symbol_lists, symbol_lists)
def test_different_symbol_sets_give_different_keys(a: list[str], b: list[str]) -> None:
    same = set(a) == set(b)
    assert (generate_cache_key(a, "2023-01-01", "2023-02-01", "1d", "s") == generate_cache_key(b, "2023-01-01", "2023-02-01", "1d", "s")) == same


def test_every_parameter_is_part_of_the_key() -> None:
    base = (["AAPL"], "2023-01-01", "2023-02-01", "1d", "yfinance")
    variants = [
        (["MSFT"], *base[1:]),
        (base[0], "2023-01-02", *base[2:]),
        (*base[:2], "2023-02-02", *base[3:]),
        (*base[:3], "1h", base[4]),
        (*base[:4], "csv:x"),
    ]
    keys = {generate_cache_key(*v) for v in variants}  # type: ignore[arg-type]
    assert len(keys) == len(variants)
    assert generate_cache_key(*base) not in keys  # type: ignore[arg-type]
