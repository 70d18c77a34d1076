"""Terminal output helpers: tables, JSON, errors — one style for every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


def _console(stderr: bool = False) -> Console:
    probe = Console(stderr=stderr)
    # piped output (CI logs, files) gets wide tables instead of 80 folded columns
    return Console(stderr=stderr, highlight=False, width=None if probe.is_terminal else 200)


out = _console()
err = _console(stderr=True)


def table(title: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Print ``rows`` as a table (or a line saying there is nothing)."""
    if not rows:
        out.print(f"[bold]{title}[/bold]: none")
        return
    names = list(columns or rows[0].keys())
    grid = Table(title=title, title_justify="left", show_lines=False)
    for name in names:
        grid.add_column(name, overflow="fold")
    for row in rows:
        grid.add_row(*(_cell(row.get(n)) for n in names))
    out.print(grid)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.6g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
