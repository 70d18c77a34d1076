"""``rustybt run``: a zipline algorithm file on a bundle of the store (like ``zipline run``)."""

from __future__ import annotations

from pathlib import Path

import click

from rustybt.app.backtest import load_algorithm, run_backtest
from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table
from rustybt.domain.errors import RustyBTDataError


@click.command()
@click.argument("algofile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--bundle", "-b", required=True, help="Bundle to read bars from.")
@click.option("--start", "-s", required=True, help="First session (YYYY-MM-DD).")
@click.option("--end", "-e", required=True, help="Last session (YYYY-MM-DD).")
@click.option("--capital-base", type=float, default=1e7, show_default=True, help="Starting cash.")
@click.option("--data-frequency", type=click.Choice(["daily", "minute"]), default="daily", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the performance frame here (.pickle or .csv).")
@click.option("--no-analyze", is_flag=True, help="Do not call the algorithm's analyze() (e.g. when it plots and matplotlib is missing).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_cli
def run(cli: CliContext, algofile: Path, bundle: str, start: str, end: str, capital_base: float, data_frequency: str, output: Path | None, no_analyze: bool, as_json: bool) -> None:
    """Backtest ALGOFILE (a zipline algorithm: initialize, handle_data, ...) on BUNDLE."""
    hooks = load_algorithm(algofile)
    if no_analyze:
        hooks.pop("analyze", None)
    try:
        result = run_backtest(cli.app, hooks, bundle, start, end, capital_base, data_frequency)
    except RustyBTDataError:
        raise
    except Exception as error:  # the algorithm's or zipline's own complaint, shown as one line
        raise click.ClickException(f"the backtest failed: {type(error).__name__}: {error}") from error
    if output is not None:
        if output.suffix == ".csv":
            result.perf.drop(columns=["orders", "transactions", "positions"], errors="ignore").to_csv(output)
        else:
            result.perf.to_pickle(output)
    summary = result.summary()
    if as_json:
        emit_json(summary)
    else:
        table(f"Backtest of {algofile.name} on {bundle}", [summary])
        if output is not None:
            out.print(f"performance written to {output}")
