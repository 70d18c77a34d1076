"""``rustybt catalog``: list, show, verify and remove datasets."""

from __future__ import annotations

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table
from rustybt.domain.dataset import DatasetInfo


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
@click.argument("dataset_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def show(cli: CliContext, dataset_id: str, as_json: bool) -> None:
    """Everything the catalog knows about one dataset."""
    info: DatasetInfo = cli.app.catalog.get_dataset_info(dataset_id)
    if as_json:
        emit_json(info.to_dict())
        return
    table(f"Dataset {info.dataset_id}", [_row(info)])
    table(
        "Symbols",
        [
            {"symbol": r.symbol, "first": r.start.isoformat(), "last": r.end.isoformat(), "bars": r.bar_count, "gaps": "yes" if r.has_gaps else "no"}
            for r in sorted(info.date_ranges, key=lambda r: r.symbol)
        ]
        or [{"symbol": s} for s in info.symbols],
    )
    out.print(f"parquet path: {info.parquet_path}   checksum: {info.checksum}   files: {len(info.file_checksums)}")


@catalog.command("remove")
@click.argument("dataset_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def remove(cli: CliContext, dataset_id: str, yes: bool) -> None:
    """Remove a dataset from the catalog (its bars stay in the bundle)."""
    info: DatasetInfo = cli.app.catalog.get_dataset_info(dataset_id)
    if not yes:
        click.confirm(f"Remove dataset {dataset_id} ({info.source}, {len(info.symbols)} symbols)?", abort=True)
    cli.app.catalog.remove_dataset(dataset_id)
    out.print(f"removed {dataset_id}")


@catalog.command("verify")
@click.argument("dataset_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def verify(ctx: click.Context, dataset_ids: tuple[str, ...], as_json: bool) -> None:
    """Check every file of the datasets (default: all) against its recorded SHA-256.

    Reports missing, changed and unrecorded files, and datasets left incomplete by an
    interrupted ingest; exits with status 1 when anything is wrong. First removes the temp
    files writers killed mid-write left in the bundles (waiting for a running writer).
    """
    from rustybt.storage.parquet import verify_checksums
    from rustybt.storage.parquet.stale_files import remove_stale_temp_files

    cli: CliContext = ctx.find_object(CliContext)  # type: ignore[assignment]
    cat = cli.app.catalog
    datasets = [cat.get_dataset_info(i) for i in dataset_ids] if dataset_ids else cat.list_datasets()
    recorded_by_root: dict[str, set[str]] = {}
    for info in cat.list_datasets():
        recorded_by_root.setdefault(info.parquet_path, set()).update(info.file_checksums)
    stale = [path for root in sorted(recorded_by_root) if root for path in remove_stale_temp_files(root)]
    rows = []
    bad = False
    for info in datasets:
        report = verify_checksums(info.parquet_path, info.file_checksums)
        unrecorded = sorted(set(report.extra) - recorded_by_root.get(info.parquet_path, set()))
        problems = bool(report.missing or report.changed) or info.status != "complete"
        bad = bad or problems or bool(unrecorded)
        if not problems:
            cat.mark_validated(info.dataset_id)
        rows.append(
            {
                "dataset_id": info.dataset_id,
                "status": "incomplete" if info.status != "complete" else ("ok" if not problems else "damaged"),
                "files": len(info.file_checksums),
                "matching": len(report.matching),
                "missing": ", ".join(report.missing) or "-",
                "changed": ", ".join(report.changed) or "-",
                "unrecorded": ", ".join(unrecorded) or "-",
            }
        )
    if as_json:
        emit_json(rows)
    else:
        table("Verification", rows)
        if stale:
            out.print(f"removed {len(stale)} temp file(s) left by interrupted writes")
    if bad:
        ctx.exit(1)
