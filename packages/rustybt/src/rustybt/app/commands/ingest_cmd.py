"""``rustybt ingest``: fetch, validate, store and register bars from a source."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rustybt.app.bundles import prepare_bundle
from rustybt.app.cli_context import CliContext
from rustybt.app.console import emit_json, err, out, table
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError, InvalidRequestError


def _options(pairs: tuple[str, ...]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"--option {pair!r} must look like KEY=VALUE (e.g. price_scale=10000)")
        parsed[key.strip()] = yaml.safe_load(value)
    return parsed


def _default_bundle(source: str) -> str:
    return source.replace(":", "-").replace("/", "-")


def _adapter_options(cli: CliContext, source: str) -> dict[str, Any]:
    """Constructor keywords for the adapter from config/data_adapters.yaml."""
    adapters = cli.settings.section("adapters")
    kind = source.split(":", 1)[0].lower()
    section = dict(adapters.get(kind, {}))
    if kind == "ccxt":
        section.pop("exchange", None)  # the exchange comes from the source name
    if kind == "csv":
        section["schema_mapping"] = dict(section.get("schema_mapping") or {})
    return section


@click.group(invoke_without_command=True)
@click.option("--source", help="ccxt:<exchange>, yfinance, or csv:<name> (with --path).")
@click.option("--symbols", help="Comma-separated symbols, e.g. BTC/USDT,ETH/USDT.")
@click.option("--start", help="First day (YYYY-MM-DD) or time (ISO-8601, UTC).")
@click.option("--end", help="Last day (inclusive) or time.")
@click.option("--resolution", default="1d", show_default=True, help="1m, 5m, 15m, 1h, 4h, 1d or 1w.")
@click.option("--bundle", help="Bundle to store into (default: derived from the source).")
@click.option("--path", type=click.Path(exists=True), help="CSV file or folder (csv sources).")
@click.option("--mode", type=click.Choice(["strict", "lenient"]), help="strict rejects the batch on any bad value; lenient stores the valid rows and reports the rest.")
@click.option("--option", "extra", multiple=True, metavar="KEY=VALUE", help="Adapter option, e.g. --option price_scale=10000 (repeatable).")
@click.option("--full", is_flag=True, help="Fetch the whole range even if a dataset already covers part of it.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def ingest(
    ctx: click.Context,
    source: str | None,
    symbols: str | None,
    start: str | None,
    end: str | None,
    resolution: str,
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
    missing = [name for name, value in (("--source", source), ("--symbols", symbols), ("--start", start), ("--end", end)) if not value]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)}")
    cli: CliContext = ctx.find_object(CliContext)  # type: ignore[assignment]
    assert source and symbols and start and end
    names = [s.strip() for s in symbols.split(",") if s.strip()]
    if not names:
        raise InvalidRequestError("--symbols holds no symbol")
    span = DateRange.of(start, end)
    options = {**_adapter_options(cli, source), **_options(extra)}
    if path:
        options["path"] = path
    adapter = _adapter(cli, source, options)
    app = cli.app
    bundle_name = bundle or _default_bundle(source)
    from rustybt.storage.parquet.update_lock import bundle_update_lock

    with bundle_update_lock(app.bundle_path(bundle_name)):
        summary = _run(app, adapter, names, span, resolution, bundle_name, mode or str(cli.settings.section("validation")["mode"]), not full, quiet=as_json)
        if summary.dataset_id is not None:
            actions = asyncio.run(adapter.fetch_corporate_actions(names, span))
            summary_actions = app.catalog.record_corporate_actions(adapter.exchange, actions)
            _prepare_alone(app, bundle_name)
        else:
            summary_actions = 0
    if as_json:
        emit_json({**_summary_dict(summary, bundle_name), "corporate_actions": summary_actions})
    else:
        _print_summary(summary, bundle_name)
        if summary_actions:
            out.print(f"recorded {summary_actions} splits and dividends")


def _prepare_alone(app: Any, bundle: str) -> None:
    """``prepare_bundle`` under the bundle's write lock: ingests into one bundle from several
    processes rewrite its zipline files one at a time (and never while bars are written)."""
    from rustybt.storage.parquet.bundle_lock import bundle_write_lock

    with bundle_write_lock(app.bundle_path(bundle), 0o600):
        prepare_bundle(app, bundle)


def _adapter(cli: CliContext, source: str, options: dict[str, Any]) -> Any:
    """The source's adapter; a ccxt one with the exchange's API key when one is configured."""
    from rustybt.adapters import source_from_spec

    kind, _, exchange = source.strip().partition(":")
    if kind.lower() == "ccxt" and exchange.strip():
        from rustybt.app.exchange_keys import CredentialedCCXTDataAdapter, exchange_credentials

        name = exchange.strip().lower()
        credentials = exchange_credentials(cli.settings.home, name)
        if credentials is not None:
            return CredentialedCCXTDataAdapter(name, credentials, **options)
    return source_from_spec(source, **options)


def _run(app: Any, adapter: Any, names: list[str], span: DateRange, resolution: str, bundle: str, mode: str, incremental: bool, *, quiet: bool) -> Any:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=False,
    ) as progress:
        task = progress.add_task(f"ingest {adapter.source_name}", total=len(names) * 2)

        def advance(step: Any) -> None:
            progress.update(task, advance=1, description=f"{step.stage} {step.symbol} ({step.rows} rows)")

        return adapter.ingest_sync(
            names,
            span.start,
            span.end,
            resolution,
            app.catalog,
            app.writer(bundle),
            mode=mode,
            bundle=bundle,
            progress=advance,
            incremental=incremental,
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
        "extended": summary.extended,
        "symbols": summary.as_rows(),
        "rejected": json.loads(summary.rejected.write_json()) if summary.rows_rejected else [],
    }


def _print_summary(summary: Any, bundle: str) -> None:
    table(f"Ingested into bundle {bundle} (dataset {summary.dataset_id or '-'})", summary.as_rows())
    out.print(
        f"fetched {summary.rows_fetched:,} · written {summary.rows_written:,} (added {summary.rows_added:,}, replaced {summary.rows_replaced:,}) · "
        f"rejected {summary.rows_rejected:,} · rounded {summary.values_rounded:,} · gaps {summary.gaps:,} · outliers flagged {summary.outliers_flagged:,}"
        + (" · extended an existing dataset" if summary.extended else "")
    )
    if summary.rows_rejected:
        table("Rejected rows", summary.rejected.head(20).to_dicts())


def _register_subcommands() -> None:
    from rustybt.app.commands.migrate_cmd import migrate

    ingest.add_command(migrate)


_register_subcommands()

