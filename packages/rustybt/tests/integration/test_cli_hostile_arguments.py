"""Every ``rustybt`` command fed hostile arguments: each run either works, or ends with one
line saying what was wrong (exit 1) or click's usage error (exit 2) — never a traceback, never
the catch-all's "unexpected" line (a class of input no check knows) — and a failed command
leaves the home byte for byte as it was."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_spec = importlib.util.spec_from_file_location("rustybt_cli_support", Path(__file__).parents[1] / "cli_support.py")
assert _spec is not None and _spec.loader is not None
support = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = support
_spec.loader.exec_module(support)

ATTACKS = [
    "'; DROP TABLE datasets;--", "../../../../etc/passwd", "..", ".", "-", "--", "--json", "-h", "%", "%_", "*", "\\",
    "$(rm -rf /)", "{{7*7}}", "[red]markup[/red]", "\u202eevil", "\U0001f4b8", "\ufeffBOM", "\x1b[31mred", "x" * 5000, "",
    " ", "0", "-1", "1e1000000", "9999-12-31", "0001-01-01", "2020-02-30", "2024-01-01T25:00", "NaN", "null", "None",
    "1h", "1M", "1y", "csv:", "csv:x", "ccxt:", "ccxt:nosuchexchange", "yfinance:x", "eq", "a=b", "=", "date_format=%",
    "schema_mapping={", "price_scale=3", "timezone=Mars/Base", "column_names=[", "skip_rows=99999999999999999999",
]  # fmt: skip
no_nul = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
hostile = st.one_of(st.sampled_from(ATTACKS), st.text(no_nul, max_size=30))
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("hostile") / "home"
    result = support.run(root, "ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--symbols", "AAPL,KO",
                         "--start", "2014-01-01", "--end", "2014-12-31", "--option", support.MAPPING, "--bundle", "eq", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    yield root


def dataset_id(home: Path) -> str:
    return str(json.loads(support.run(home, "catalog", "list", "--json").stdout)[0]["dataset_id"])


def check(home: Path, name: str, *args: str) -> None:
    """Run; accept success, one domain line (exit 1) or a usage error (exit 2)."""
    before = support.home_state(home)
    result = support.run(home, *args)
    assert "Traceback" not in result.output, result.output
    if result.exit_code == 0:
        TALLY[f"{name}: ok"] += 1
        return
    line = support.assert_one_line_failure(result, 2 if result.exit_code == 2 else 1)
    assert not line.startswith("error: unexpected"), line
    TALLY[f"{name}: refused ({result.exit_code})"] += 1
    if name not in ("catalog verify",):  # verify removes stale temp files and stamps validation times
        assert support.home_state(home) == before, f"{name} {args!r} failed but changed the home"


COMMANDS: dict[str, Callable[[Path, str, str], list[str]]] = {
    "catalog show": lambda h, a, b: ["catalog", "show", a],
    "catalog show --json": lambda h, a, b: ["catalog", "show", a, "--json"],
    "catalog verify": lambda h, a, b: ["catalog", "verify", a, b],
    "catalog remove": lambda h, a, b: ["catalog", "remove", a],  # asks: no input, so it aborts or refuses
    "catalog list": lambda h, a, b: ["catalog", "list", "--source", a, "--resolution", b],
    "report": lambda h, a, b: ["report", a, "--output", str(h.parent / "reports-out" / "r.html")],
    "ingest source": lambda h, a, b: ["ingest", "--source", a, "--symbols", "AAPL", "--start", "2014-01-01", "--end", "2014-12-31", "--bundle", "hx"],
    "ingest symbols": lambda h, a, b: ["ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--symbols", a, "--option", support.MAPPING, "--bundle", "hx"],
    "ingest range": lambda h, a, b: ["ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--symbols", "KO", "--start", a, "--end", b, "--option", support.MAPPING, "--bundle", "hx"],
    "ingest resolution": lambda h, a, b: ["ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--resolution", a, "--option", support.MAPPING, "--bundle", "hx"],
    "ingest option": lambda h, a, b: ["ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--symbols", "KO", "--option", support.MAPPING, "--option", a, "--bundle", "hx"],
    "ingest option value": lambda h, a, b: ["ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--symbols", "KO", "--option", support.MAPPING, "--option", f"{b if '=' not in b else 'timezone'}={a}", "--bundle", "hx"],
    "ingest bundle": lambda h, a, b: ["ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--symbols", "KO", "--option", support.MAPPING, "--bundle", a],
    "ingest mode": lambda h, a, b: ["ingest", "--source", "csv:csvdir", "--path", str(support.CSVDIR), "--mode", a],
    "run": lambda h, a, b: ["run", str(h.parent / "algo.py"), "--bundle", a, "--start", b, "--end", "2014-03-31", "--no-analyze"],
    "migrate": lambda h, a, b: ["ingest", "migrate-hdf5-to-parquet", "--bundle", a, "--source-dir", str(h.parent)],
    "cache": lambda h, a, b: ["cache", a],
    "config": lambda h, a, b: ["config", a, b],
    "secrets": lambda h, a, b: ["secrets", "delete", a],
}
SLOW = {"run": 8, "migrate": 8, "ingest source": 15, "ingest symbols": 15, "ingest range": 25, "ingest resolution": 12,
        "ingest option": 25, "ingest option value": 25, "ingest bundle": 15, "ingest mode": 8}  # fmt: skip


@pytest.mark.parametrize("name", list(COMMANDS))
def test_hostile_arguments_to_every_command(home: Path, name: str) -> None:
    (home.parent / "algo.py").write_text("def initialize(context):\n    pass\n")
    ident = dataset_id(home)
    values = st.one_of(hostile, st.sampled_from([ident, ident[:4], "eq", "2014-01-02", "1d", "show", "stats", "clear"]))

    @settings(max_examples=SLOW.get(name, 40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(values, values)
    def attempt(a: str, b: str) -> None:
        check(home, name, *COMMANDS[name](home, a, b))

    attempt()


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> Iterator[None]:
    yield
    print(f"\nCLI hostile arguments: {dict(sorted(TALLY.items()))}")
