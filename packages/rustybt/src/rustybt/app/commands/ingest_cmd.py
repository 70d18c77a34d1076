"""``rustybt ingest``: fetch, validate, store and register bars from a source."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rustybt.app.bundles import prepare_bundle
from rustybt.app.cli_context import CliContext
from rustybt.app.console import emit_json, err, out, table
from rustybt.app.ingest_plan import IngestPlan, default_bundle, plan_ingest
from rustybt.app.sessions import expected_times_of
from rustybt.domain.errors import InvalidRequestError


def _show_options(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from rustybt.adapters.source_options import options_help

    click.echo("Options of each source (--option KEY=VALUE, repeatable):\n" + options_help())
    ctx.exit(0)


@click.group(invoke_without_command=True)
@click.option("--source", help="ccxt:<exchange>, yfinance, or csv:<name> (with --path).")
@click.option("--symbols", help="Comma-separated symbols, e.g. BTC/USDT,ETH/USDT (csv: default every symbol of the files).")
@click.option("--start", help="First day (YYYY-MM-DD) or time (ISO-8601, UTC); csv: default the files' first bar.")
@click.option("--end", help="Last day (inclusive) or time; csv: default the files' last bar.")
@click.option("--resolution", help="1m, 5m, 15m, 1h, 4h, 1d or 1w (default 1d; for csv it is the files' bar size).")
@click.option("--bundle", help="Bundle to store into (default: derived from the source).")
@click.option("--path", type=click.Path(exists=True), help="CSV file or folder (csv sources).")
@click.option("--mode", type=click.Choice(["strict", "lenient"]), help="strict rejects the batch on any bad value; lenient stores the valid rows and reports the rest.")
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE", help="Source option, e.g. --option date_format=%Y-%m-%d (repeatable; --help-options lists them all).")
@click.option("--help-options", is_flag=True, expose_value=False, is_eager=True, callback=_show_options, help="List every option of every source and exit.")
@click.option("--full", is_flag=True, help="Fetch the whole range even if a dataset already covers part of it.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(
    ctx: click.Context,
    source: str | None,
    symbols: str | None,
    start: str | None,
    end: str | None,
    resolution: str | None,
    bundle: str | None,
    path: str | None,
    mode: str | None,
    extra: tuple[str, ...],
    full: bool,
    as_json: bool,
) -> None:
    """Ingest bars: fetch → validate → standardize → write → register.

    \b
    rustybt ingest --source ccxt:binance --symbols BTC/USDT,ETH/USDT --start 2024-01-01 --end 2024-03-31 --resolution 1h
    rustybt ingest --source yfinance --symbols AAPL,MSFT --start 2020-01-01 --end 2024-12-31
    rustybt ingest --source csv:mydata --path ./csv --symbols AAPL --start 2012-01-01 --end 2014-12-31
    """
    if ctx.invoked_subcommand is not None:
        return
    if not source:
        raise click.UsageError("missing --source")
    cli: CliContext = ctx.find_object(CliContext)  # type: ignore[assignment]
    plan = plan_ingest(cli, source=source, symbols=symbols, start=start, end=end, resolution=resolution, path=path, pairs=extra)
    app = cli.app
    bundle_name = bundle or default_bundle(source)
    from rustybt.storage.parquet.update_lock import bundle_update_lock

    with bundle_update_lock(app.bundle_path(bundle_name)):
        actions = asyncio.run(plan.adapter.fetch_corporate_actions(plan.names, plan.span))
        summary = _run(app, plan, bundle_name, mode or str(cli.settings.section("validation")["mode"]), not full, actions, quiet=as_json)
        recorded = 0
        if summary.dataset_id is not None:
            recorded = app.catalog.record_corporate_actions(plan.adapter.exchange, actions)
            _prepare_alone(app, bundle_name)
    if as_json:
        emit_json({**_summary_dict(summary, bundle_name), "corporate_actions": recorded})
    else:
        _print_summary(summary, bundle_name)
        if recorded:
            out.print(f"recorded {recorded} splits and dividends")
    if summary.dataset_id is None:
        if not summary.rows_fetched:
            raise InvalidRequestError(f"{plan.adapter.source_name} returned no bars; nothing was stored")
        rules = ", ".join(f"{r} ({n})" for r, n in summary.rejected.group_by("rule").len().sort("rule").iter_rows())
        raise InvalidRequestError(f"all {summary.rows_fetched} fetched rows were rejected ({rules}); nothing was stored")


def _prepare_alone(app: Any, bundle: str) -> None:
    """``prepare_bundle`` under the bundle's write lock: ingests into one bundle from several
    processes rewrite its zipline files one at a time (and never while bars are written)."""
    from rustybt.storage.parquet.bundle_lock import bundle_write_lock

    with bundle_write_lock(app.bundle_path(bundle), 0o600):
        prepare_bundle(app, bundle)


def _run(app: Any, plan: IngestPlan, bundle: str, mode: str, incremental: bool, actions: Any, *, quiet: bool) -> Any:
    adapter = plan.adapter
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=False,
    ) as progress:
        task = progress.add_task(f"ingest {adapter.source_name}", total=len(plan.names) * 2)

        def advance(step: Any) -> None:
            progress.update(task, advance=1, description=f"{step.stage} {step.symbol} ({step.rows} rows)")

        return adapter.ingest_sync(
            plan.names,
            plan.span.start,
            plan.span.end,
            plan.resolution,
            app.catalog,
            app.writer(bundle),
            mode=mode,
            bundle=bundle,
            progress=advance,
            incremental=incremental,
            expected_times=expected_times_of(adapter.default_asset_type),
            corporate_actions=actions,
        )


def _summary_dict(summary: Any, bundle: str) -> dict[str, Any]:
    return {
        "dataset_id": summary.dataset_id,
        "bundle": bundle,
        "source": summary.source,
        "resolution": str(summary.resolution),
        "rows_fetched": summary.rows_fetched,
        "rows_written": summary.rows_written,
        "rows_added": summary.rows_added,
        "rows_replaced": summary.rows_replaced,
        "rows_rejected": summary.rows_rejected,
        "values_rounded": summary.values_rounded,
        "gaps": summary.gaps,
        "outliers_flagged": summary.outliers_flagged,
        "splits_flagged": summary.splits_flagged,
        "extended": summary.extended,
        "symbols": summary.as_rows(),
        "flags": _flags(summary),
        "rejected": json.loads(summary.rejected.drop("row").write_json()) if summary.rows_rejected else [],
    }


def _flags(summary: Any) -> list[dict[str, object]]:
    return [
        {"rule": v.rule, "symbol": v.symbol, "detail": d}
        for v in summary.report.violations
        if v.rule in ("suspected_split", "split_not_in_prices")
        for d in v.details
    ]


def _print_summary(summary: Any, bundle: str) -> None:
    table(f"Ingested into bundle {bundle} (dataset {summary.dataset_id or '-'})", summary.as_rows())
    out.print(
        f"fetched {summary.rows_fetched:,} · written {summary.rows_written:,} (added {summary.rows_added:,}, replaced {summary.rows_replaced:,}) · "
        f"rejected {summary.rows_rejected:,} · rounded {summary.values_rounded:,} · gaps {'not counted' if summary.gaps is None else f'{summary.gaps:,}'}"
        f" · outliers flagged {summary.outliers_flagged:,} · split flags {summary.splits_flagged:,}"
        + (" · extended an existing dataset" if summary.extended else "")
        + (" · already up to date" if summary.extended and not summary.rows_fetched else "")
    )
    if _flags(summary):
        table("Flags", _flags(summary))
    if summary.rows_rejected:
        table("Rejected rows", summary.rejected.drop("row").head(20).to_dicts())


def _register_subcommands() -> None:
    from rustybt.app.commands.migrate_cmd import migrate

    ingest.add_command(migrate)


_register_subcommands()

