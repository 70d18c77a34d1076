"""`rustybt demo`: the whole product on the shipped samples, end to end, in a fresh home."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from rustybt.app.cli import main


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    home = tmp_path_factory.mktemp("home")
    result = CliRunner().invoke(main, ["--home", str(home), "demo", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return home, json.loads(result.output)


def test_demo_ingests_backtests_and_caches(demo_run: tuple[Path, dict[str, object]]) -> None:
    home, outcome = demo_run
    assert len(outcome["datasets"]) == 2  # type: ignore[arg-type]
    listed = json.loads(CliRunner().invoke(main, ["--home", str(home), "catalog", "list", "--json"]).output)
    assert {d["bundle"] for d in listed} == {"demo-equities", "demo-crypto"}
    assert {d["row_count"] for d in listed} == {3016, 3887}
    backtests = {b["bundle"]: b for b in outcome["backtests"]}  # type: ignore[union-attr]
    assert backtests["demo-equities"]["periods"] == 692
    assert backtests["demo-equities"]["transactions"] > 0
    assert backtests["demo-crypto"]["transactions"] > 0
    cache = outcome["cache"]
    assert cache["hits"] >= 2 and cache["misses"] >= 2  # type: ignore[index]  # backtests and reports read through it
    verified = CliRunner().invoke(main, ["--home", str(home), "catalog", "verify"])
    assert verified.exit_code == 0, verified.output


def test_demo_is_repeatable(demo_run: tuple[Path, dict[str, object]]) -> None:
    home, first = demo_run
    again = CliRunner().invoke(main, ["--home", str(home), "demo", "--json"], catch_exceptions=False)
    second = json.loads(again.output)
    assert [b["final value"] for b in second["backtests"]] == [b["final value"] for b in first["backtests"]]  # type: ignore[union-attr]
    listed = json.loads(CliRunner().invoke(main, ["--home", str(home), "catalog", "list", "--json"]).output)
    assert len(listed) == 2


@pytest.mark.browser
def test_demo_reports_render(demo_run: tuple[Path, dict[str, object]], load_page: Callable[[Path], object]) -> None:
    _, outcome = demo_run
    expected = {"demo-equities.html": 4, "demo-crypto.html": 1}
    for path in outcome["reports"]:  # type: ignore[union-attr]
        page = load_page(Path(path))
        assert not page.errors  # type: ignore[attr-defined]
        assert page.dom.count('<li><a href="#symbol=') == expected[Path(path).name]  # type: ignore[attr-defined]  # one per symbol in the navigator
