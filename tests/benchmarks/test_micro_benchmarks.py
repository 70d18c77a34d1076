"""The pytest-benchmark micro-benchmarks stay out of the test command and compare with a saved baseline."""

from __future__ import annotations

import configparser
import json
import shlex
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]
MICRO = ROOT / "benchmarks" / "micro"


def scripts() -> dict[str, str]:
    with open(ROOT / "hatch.toml", "rb") as source:
        return dict(tomllib.load(source)["envs"]["default"]["scripts"])


def test_the_test_command_does_not_collect_them() -> None:
    """``hatch run test`` runs pytest on the configured test paths, none of which holds the
    micro-benchmarks (they time, they do not test)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini")
    paths = [(ROOT / p).resolve() for p in config["pytest"]["testpaths"].split()]
    assert paths and all(p != MICRO and MICRO not in p.parents and p not in MICRO.parents for p in paths)
    test = scripts()["test"]
    assert all("benchmarks" not in step for step in (test if isinstance(test, list) else [test]))
    assert list(MICRO.glob("test_*.py")), "the micro-benchmarks exist"


def test_bench_micro_compares_with_the_saved_baseline() -> None:
    command = shlex.split(scripts()["bench-micro"])
    storage = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--benchmark-storage="))
    assert "--benchmark-compare" in command and any(a.startswith("--benchmark-compare-fail=") for a in command)
    baselines = list((ROOT / storage.removeprefix("file://")).glob("*/*.json"))
    assert baselines, f"no saved baseline under {storage}"
    saved = json.loads(baselines[0].read_text())
    groups = {bench["group"] for bench in saved["benchmarks"]}
    assert groups == {"hot cache hit", "cache key, 500 symbols", "get_value, warm reader", "30 sessions × 500 assets"}
