"""``rustybt report``: the data-quality page of a dataset, plus a summary on the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table
from rustybt.app.report import assess, render
from rustybt.app.sessions import expected_times
from rustybt.domain.validation import ValidationConfig


@click.command()
@click.argument("dataset_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write (default: <home>/reports/<dataset>.html).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_cli
def report(cli: CliContext, dataset_id: str, output: Path | None, as_json: bool) -> None:
    """Write a self-contained HTML data-quality report for DATASET_ID: price and volume per
    symbol, gaps on a calendar strip, outliers marked, validation failures listed."""
    app = cli.app
    info = app.catalog.get_dataset_info(dataset_id)
    bars = app.dataset_bars(info)
    settings = app.settings.section("validation")
    config = ValidationConfig(
        outlier_std_threshold=float(settings["outlier_std_threshold"]),
        volume_spike_std_threshold=float(settings["volume_spike_std_threshold"]),
    )
    quality = assess(info, bars, config=config, expected_times=expected_times(info, bars))
    path = output or app.settings.home / "reports" / f"{dataset_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(quality), encoding="utf-8")
    rows = quality.summary_rows()
    if as_json:
        emit_json({"dataset_id": dataset_id, "html": str(path), "symbols": rows, "violations": quality.validation.by_rule()})
        return
    table(f"Data quality of {info.source} {info.resolution} ({dataset_id})", rows)
    flags = quality.validation.by_rule()
    out.print("rules broken or flagged: " + (", ".join(f"{k} ({v})" for k, v in sorted(flags.items())) or "none"))
    out.print(f"report written to {path}")


__all__ = ["report"]
