"""``rustybt report``: the data-quality page of a dataset, plus a summary on the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table
from rustybt.app.private_files import private_dir, write_private_text
from rustybt.app.report import render
from rustybt.app.report.dataset_quality import dataset_quality
from rustybt.domain.dataset_ref import resolve_dataset_ids


@click.command()
@click.argument("dataset")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write (default: <home>/reports/<dataset>.html).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_cli
def report(cli: CliContext, dataset: str, output: Path | None, as_json: bool) -> None:
    """Write a self-contained HTML data-quality report for DATASET (its id, a unique prefix of
    it, or a bundle holding only it): price and volume per symbol, gaps on a calendar strip,
    outliers and split flags marked, validation failures and the rows its ingest rejected."""
    app = cli.app
    (dataset_id,) = resolve_dataset_ids(app.catalog, dataset)
    info = app.catalog.get_dataset_info(dataset_id)
    quality = dataset_quality(app, info)
    path = output or private_dir(app.settings.home / "reports") / f"{dataset_id}.html"
    write_private_text(path, render(quality))
    rows = quality.summary_rows()
    if as_json:
        emit_json(
            {
                "dataset_id": dataset_id,
                "html": str(path),
                "symbols": rows,
                "violations": quality.validation.by_rule(),
                "split_flags": quality.split_flags(),
                "rejected": quality.rejected_rows(),
            }
        )
        return
    table(f"Data quality of {info.source} {info.resolution} ({dataset_id})", rows)
    flags = quality.validation.by_rule()
    out.print("rules broken or flagged: " + (", ".join(f"{k} ({v})" for k, v in sorted(flags.items())) or "none"))
    if quality.split_flags():
        table("Split flags", quality.split_flags())
    if quality.rejected.height:
        out.print(f"{quality.rejected.height} row(s) rejected at ingest are listed in the report")
    out.print(f"report written to {path}")


__all__ = ["report"]
