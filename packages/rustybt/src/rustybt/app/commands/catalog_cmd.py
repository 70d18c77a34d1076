"""``rustybt catalog``: list, show, verify and remove datasets."""

from __future__ import annotations

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table
from rustybt.app.dataset_checks import check_dataset, issue_summary
from rustybt.domain.dataset import DatasetInfo
from rustybt.domain.dataset_ref import resolve_dataset_ids


def _row(info: DatasetInfo) -> dict[str, object]:
    return {
        "dataset_id": info.dataset_id,
        "source": info.source,
        "resolution": str(info.resolution),
        "symbols": len(info.symbols),
        "start": info.start_date.date().isoformat(),
        "end": info.end_date.date().isoformat(),
        "rows": info.row_count,
        "size": _size(info.size_bytes),
        "bundle": info.bundle or "-",
        "status": info.status,
    }


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


@click.group()
def catalog() -> None:
    """Datasets in the metadata catalog."""


@catalog.command("list")
@click.option("--source", help="Only datasets from this source (e.g. ccxt:binance).")
@click.option("--resolution", help="Only this resolution (1m, 5m, 15m, 1h, 4h, 1d, 1w).")
@click.option("--symbol", help="Only datasets holding this symbol.")
@click.option("--bundle", help="Only datasets of this bundle.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_(cli: CliContext, source: str | None, resolution: str | None, symbol: str | None, bundle: str | None, as_json: bool) -> None:
    """List datasets, newest first."""
    found = cli.app.catalog.list_datasets(source=source, resolution=resolution, symbol=symbol, bundle=bundle)
    if as_json:
        emit_json([d.to_dict() for d in found])
    else:
        table("Datasets", [_row(d) for d in found])


@catalog.command("show")
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def show(cli: CliContext, dataset: str, as_json: bool) -> None:
    """Everything the catalog knows about one dataset (its id, a unique prefix of it, or the
    name of a bundle holding only it): symbols with their missing bars (gaps), split flags and
    the rows its ingest rejected."""
    cat = cli.app.catalog
    (dataset_id,) = resolve_dataset_ids(cat, dataset)
    info: DatasetInfo = cat.get_dataset_info(dataset_id)
    issues = issue_summary(cat.dataset_issues(dataset_id))
    if as_json:
        emit_json({**info.to_dict(), "issues": issues})
        return
    table(f"Dataset {info.dataset_id}", [_row(info)])
    table(
        "Symbols",
        [
            {"symbol": r.symbol, "first": r.start.isoformat(), "last": r.end.isoformat(), "bars": r.bar_count, "gaps": r.gaps if r.gaps is not None else ("yes" if r.has_gaps else "not counted")}
            for r in sorted(info.date_ranges, key=lambda r: r.symbol)
        ]
        or [{"symbol": s} for s in info.symbols],
    )
    out.print(f"parquet path: {info.parquet_path}   checksum: {info.checksum}   files: {len(info.file_checksums)}")
    out.print(f"rejected at ingest: {issues['rejected']} row(s)" + (" (`rustybt report` lists them)" if issues["rejected"] else ""))
    if issues["flags"]:
        table("Flags", issues["flags"])


@catalog.command("remove")
@click.argument("dataset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def remove(cli: CliContext, dataset: str, yes: bool) -> None:
    """Remove a dataset (its id, a unique prefix, or a bundle holding only it) from the
    catalog; its bars stay in the bundle."""
    (dataset_id,) = resolve_dataset_ids(cli.app.catalog, dataset)
    info: DatasetInfo = cli.app.catalog.get_dataset_info(dataset_id)
    if not yes:
        click.confirm(f"Remove dataset {dataset_id} ({info.source}, {len(info.symbols)} symbols)?", abort=True)
    cli.app.catalog.remove_dataset(dataset_id)
    out.print(f"removed {dataset_id}")


@catalog.command("verify")
@click.argument("datasets", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def verify(ctx: click.Context, datasets: tuple[str, ...], as_json: bool) -> None:
    """Check every file of the datasets (default: all; each named by its id, a unique prefix
    or a bundle name) against its recorded SHA-256.

    Reports missing, changed and unrecorded files, datasets left incomplete by an interrupted
    ingest, and datasets stored outside the home (a copy or move of the home would not carry
    them); exits with status 1 when anything is wrong. First removes the temp files writers
    killed mid-write left in the bundles (waiting for a running writer).
    """
    from rustybt.storage.parquet.stale_files import remove_stale_temp_files

    cli: CliContext = ctx.find_object(CliContext)  # type: ignore[assignment]
    cat = cli.app.catalog
    ids = list(dict.fromkeys(i for ref in datasets for i in resolve_dataset_ids(cat, ref, many=True)))
    everything = cat.list_datasets()
    chosen = [cat.get_dataset_info(i) for i in ids] if datasets else everything
    recorded_by_root: dict[str, set[str]] = {}
    for info in everything:
        recorded_by_root.setdefault(info.parquet_path, set()).update(info.file_checksums)
    stale = [path for root in sorted(recorded_by_root) if root for path in remove_stale_temp_files(root)]
    rows = [check_dataset(info, recorded_by_root.get(info.parquet_path, set()), cli.settings.home) for info in chosen]
    for info, row in zip(chosen, rows, strict=True):
        if row["status"] == "ok":
            cat.mark_validated(info.dataset_id)
    if as_json:
        emit_json(rows)
    else:
        table("Verification", [{k: ", ".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows])
        if stale:
            out.print(f"removed {len(stale)} temp file(s) left by interrupted writes")
    if any(r["status"] != "ok" or r["unrecorded"] for r in rows):
        ctx.exit(1)
