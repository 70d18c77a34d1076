"""The peer bench's table and the README block it rewrites (``benchmarks/peers_table.py``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from peers_table import BEGIN, END, Goal, ReadmeBlockError, Row, fmt, markdown, replace_block  # noqa: E402

# Text that holds no marker (the markers' own characters are allowed around them).
PLAIN = st.text(st.characters(blacklist_categories=["Cs"]), max_size=200).filter(lambda t: BEGIN not in t and END not in t)


@given(PLAIN, PLAIN, PLAIN, PLAIN, PLAIN)
def test_only_the_block_changes_and_rewriting_is_idempotent(before: str, old: str, after: str, block: str, other: str) -> None:
    text = f"{before}{BEGIN}{old}{END}{after}"
    once = replace_block(text, block)
    assert once.startswith(before + BEGIN) and once.endswith(END + after)
    assert block.strip() in once[len(before) + len(BEGIN) : len(once) - len(END + after)]
    assert replace_block(once, block) == once
    assert replace_block(replace_block(text, other), block) == once


@pytest.mark.parametrize(
    "text",
    ["no markers at all", f"{BEGIN} only the start", f"only the end {END}", f"{END} reversed {BEGIN}", f"{BEGIN}{BEGIN}{END}", f"{BEGIN}{END}{END}"],
)
def test_a_readme_without_one_ordered_pair_of_markers_is_refused(text: str) -> None:
    with pytest.raises(ReadmeBlockError, match="expected one"):
        replace_block(text, "table")


def test_the_readme_holds_the_block_and_its_rows() -> None:
    """``hatch run bench peers`` has a block to rewrite, and the block holds every workload
    with each ratio column and the goal."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    replace_block(text, "")  # exactly one ordered pair of markers
    block = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    header = "| workload | RustyBT | ArcticDB | HDF5 | bcolz | floor | ÷ ArcticDB | ÷ HDF5 | ÷ bcolz | ÷ floor | goal |"
    assert header in block
    rows = {line.split("|")[1].strip(): line for line in block.splitlines() if line.startswith("| ") and line != header}
    for workload in (
        "write all bars",
        "full range, all assets: Decimal frame",
        "full range, all assets: float64 arrays",
        "last 252 sessions, all assets: Decimal frame",
        "last 30 sessions × 500 assets: float64 arrays",
        "one value, store opened for the call",
        "append one session",
        "size on disk",
        "peak RSS, full read: Decimal frame",
    ):
        assert workload in rows, workload
        assert re.search(r"÷ ArcticDB ≤ 1 [✓✗]|÷ HDF5 ≤ 0\.75 [✓✗]", rows[workload]), rows[workload]
    assert any(name.startswith("one minute session") for name in rows)
    assert any(name.startswith("minute → daily") for name in rows)


def test_a_row_reports_ratios_against_each_reference_and_its_goals() -> None:
    row = Row("read", "s", [2.0, 4.0, 3.0], {"arctic": [1.0, 2.0, 3.0], "hdf5": None, "floor": [2.0, 2.0, 2.0]}, "note", (Goal("arctic", 1.0), Goal("floor", 1.5)))
    assert str(row.ratio("arctic")) == "2.00 (1.00–2.00)"
    assert row.ratio("hdf5") is None and row.ratio("bcolz") is None
    line = markdown([row], "header").splitlines()[4]
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells == ["read", "3.00 s", "2.00 s", "—", "—", "2.00 s", "2.00 (1.00–2.00)", "—", "—", "1.50 (1.00–2.00)", "÷ ArcticDB ≤ 1 ✗; ÷ floor ≤ 1.5 ✓"]
    assert "- read: note" in markdown([row], "header")


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(0.000_012_3, "s", "12 µs"), (0.0123, "s", "12.3 ms"), (1.234, "s", "1.23 s"), (89.54, "MB", "89.5 MB"), (693.0, "MiB", "693.0 MiB")],
)
def test_measurements_are_shown_in_readable_units(value: float, unit: str, shown: str) -> None:
    assert fmt(value, unit) == shown


def test_the_bench_refuses_a_readme_without_the_block_before_measuring(tmp_path: Path) -> None:
    """One line naming the file and what is missing, exit status 1, the file unchanged."""
    import subprocess

    readme = tmp_path / "README.md"
    readme.write_text("# a readme without the generated block\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_peers.py"), "--quick", "--readme", str(readme)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and str(readme) in done.stderr and "bench-peers:begin" in done.stderr
    assert readme.read_text(encoding="utf-8") == "# a readme without the generated block\n"
