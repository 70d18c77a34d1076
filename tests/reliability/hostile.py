"""Hypothesis strategies of hostile text and JSON values, and the bookkeeping of the hostile
input tests (a module beside them, imported by path: test modules cannot import each other)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from hypothesis import strategies as st

LONG = "9" * 5000
ATTACKS = [
    "'; DROP TABLE datasets;--",
    "1; DELETE FROM assets",
    '" OR "1"="1',
    "../../../../etc/passwd",
    "..\\..\\windows\\system32",
    "/etc/shadow",
    "%2e%2e%2f%2e%2e%2f",
    "$(rm -rf /)",
    "{{7*7}}",
    "[red]markup[/red]",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\U0001f4b8\U0001f680",
    "\ufeffBOM",
    "\x1b[31mred",
    "x" * 10_000,
]
NUMBER_WORDS = [
    "NaN", "nan", "-NaN", "sNaN", "inf", "-inf", "+inf", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400",
    "", " ", "-", ".", "+", "1.2.3", "1,5", "0x1F", "1_000", "1e5", "12E-3", "-0", "0", "-5", "-0.00000001",
    "99999999999", "9999999999.99999999", "10000000000", "123456789012345678901234567890", LONG,
    "0.000000001", "1.123456789", "5.000000005", "\u0661\u0662\u0663", "\uff11\uff12\uff13", "None", "null", "true",
    "1e1000000", "-1E+999999999", "1e-1000000", "0e1000000", "1" + "0" * 20_000, "0." + "1" * 20_000,
]  # fmt: skip
BAD_DATES = [
    "", " ", "2020-02-30", "2020-13-01", "9999-99-99", "0000-00-00", "yesterday", "2020/01/02", "02-01-2020",
    "2020-01-0\uff11", "-2020-01-01", "20200102", "2020-1-2x",
]  # fmt: skip

no_breaks = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00")
hostile_text = st.one_of(st.sampled_from(ATTACKS), st.text(no_breaks, max_size=60))
hostile_number = st.one_of(
    st.sampled_from(NUMBER_WORDS),
    hostile_text,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)
hostile_date = st.one_of(st.sampled_from(BAD_DATES), st.text(no_breaks.filter(lambda c: not c.isdigit()), max_size=30))
hostile_json = st.one_of(  # encodable as standard JSON: NaN/inf only as strings
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(NUMBER_WORDS),
    hostile_text,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def exact(text: str) -> Decimal | None:
    """The finite number ``text`` spells in plain decimal notation, as an exact source would
    read it, else ``None``."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


@dataclass
class Tally:
    """Hostile inputs tried, by kind, and how they ended (a mishandled one fails its test, so
    a printed tally means none was)."""

    tried: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        total = sum(self.tried.values())
        return f"hostile inputs tried {total} {dict(self.tried)}, mishandled 0; {dict(self.outcomes)}"


def cell(value: Any) -> str:
    return repr(value)[:80]
