"""``rustybt demo``: ingest the shipped sample data, backtest it, report on it."""

from __future__ import annotations

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print what happened as JSON.")
@pass_cli
def demo(cli: CliContext, as_json: bool) -> None:
    """The whole product on sample data shipped in the package (no network, no config):
    ingest daily US equities and Coinbase BTC-USD minute bars, show the catalog, backtest a
    dual moving average on each through zipline, show cache statistics, write quality reports."""
    from rustybt.app.demo import run_demo

    quiet = as_json
    outcome = run_demo(
        cli.app,
        say=(lambda _text: None) if quiet else out.print,
        table=(lambda _title, _rows: None) if quiet else table,
    )
    if as_json:
        emit_json(outcome)
