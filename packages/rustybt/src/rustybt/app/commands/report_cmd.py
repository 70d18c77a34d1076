"""``rustybt report``: interactive data-quality pages of datasets, an index over them, and a
summary on the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table
from rustybt.app.report.dataset_pages import dataset_page, datasets_named
from rustybt.app.report.files import write_text_atomic
from rustybt.app.report.html import write_page
from rustybt.app.report.overview import dataset_row, render_index
from rustybt.domain.dataset_issues import REJECTED
from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.validation.splits import SPLIT_RULES


@click.command()
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="Every dataset in the catalog, plus an index page linking them.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write for one dataset (default: <home>/reports/<dataset>.html).")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for the pages and index.html (default: <home>/reports).")
@click.option("--inline", is_flag=True, help="Put plotly.js inside each page (one file to share) instead of beside it.")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@pass_cli
def report(cli: CliContext, name: str | None, every: bool, output: Path | None, output_dir: Path | None, inline: bool, as_json: bool) -> None:
    """Write the data-quality page of NAME (a dataset id, a unique start of one, or a bundle) or of
    --all datasets: candlesticks with volume, zoom and range buttons, markers for outliers, gaps,
    rejected rows, splits and dividends, a gap calendar and filterable tables. Works offline."""
    app = cli.app
    infos = datasets_named(app, name, every)
    if output is not None and len(infos) > 1:
        raise InvalidRequestError(f"--output names one file but {len(infos)} datasets are reported: use --output-dir")
    folder = output_dir or (output.parent if output else app.settings.home / "reports")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    rows = []
    for info in infos:
        page = dataset_page(app, info)
        path = write_page(page, output or folder / f"{info.dataset_id}.html", inline=inline)
        rows.append((page, path))
    index = folder / "index.html" if every or len(infos) > 1 else None
    if index is not None:
        write_text_atomic(index, render_index([dataset_row(p, path.name) for p, path in rows]))
    if as_json:
        listed = [
            {
                "dataset_id": p.info.dataset_id,
                "html": str(path),
                "symbols": [s.summary() for s in p.symbols],
                "violations": dict(p.rule_counts),
                "split_flags": [{"rule": m.rule, "symbol": m.symbol, "detail": dict(m.values).get("detail", m.message)} for m in p.markers if m.rule in SPLIT_RULES],
                "rejected": [{"symbol": m.symbol, "rule": m.rule, "detail": dict(m.values).get("detail"), "location": m.location} for m in p.markers if m.kind == REJECTED],
            }
            for p, path in rows
        ]
        emit_json(listed[0] if index is None else {"index": str(index), "datasets": listed})
        return
    for page, path in rows:
        info = page.info
        table(f"Data quality of {info.source} {info.resolution} ({info.dataset_id})", [s.summary() for s in page.symbols])
        flags = page.rule_counts
        out.print("rules broken or flagged: " + (", ".join(f"{k} ({v})" for k, v in sorted(flags.items())) or "none"))
        out.print(f"report written to {path}")
    if index is not None:
        out.print(f"index of {len(rows)} datasets written to {index}")


__all__ = ["report"]
