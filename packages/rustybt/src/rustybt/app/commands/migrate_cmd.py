"""``rustybt ingest migrate-hdf5-to-parquet``: zipline bundles (bcolz, HDF5) into the Parquet store."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from rustybt.app.bundles import check_bundle_name
from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.config import load_settings
from rustybt.app.console import emit_json, err, out, table
from rustybt.app.container import build_container
from rustybt.domain.errors import InvalidRequestError


def _latest_ingestion(bundle_root: Path) -> Path:
    """A zipline bundle folder holds one folder per ingestion; the newest is the one zipline uses."""
    runs = sorted(p for p in bundle_root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not runs:
        raise InvalidRequestError(f"{bundle_root} holds no ingestion folder")
    return runs[-1]


def _migrate_one(home: str | None, name: str, source: str, output: str | None, validate: bool, progress: bool) -> dict[str, Any]:
    from rustybt.zipline_bridge import HDF5ToParquetMigrator

    app = build_container(load_settings(home))
    target = Path(output) if output else app.bundle_path(name)
    migrator = HDF5ToParquetMigrator(
        source_bundle_dir=source,
        output_bundle_dir=target,
        writer=app.container.bar_writer(target),
        catalog=app.catalog,
        bundle_name=name,
        progress=progress,
    )
    result = migrator.migrate(validate=validate, keep_hdf5=True)
    return {"bundle": name, "source": source, "output": str(target), **{k: result[k] for k in ("row_count", "hdf5_size_mb", "parquet_size_mb", "compression_ratio", "warnings")}}


@click.command("migrate-hdf5-to-parquet")
@click.option("--bundle", help="Name of the Parquet bundle to create (one bundle).")
@click.option("--source-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True, help="The zipline bundle's ingestion folder (or, with --all, zipline's data folder).")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to write (default: the bundle's folder under the home).")
@click.option("--validate/--no-validate", default=True, show_default=True, help="Row counts, SHA-256 of sorted data on both sides, 1000 spot checks, NaN/zero report.")
@click.option("--all", "every", is_flag=True, help="Migrate every bundle under --source-dir (its newest ingestion each).")
@click.option("--parallel", type=click.IntRange(1, 32), default=1, show_default=True, help="Bundles migrated at once with --all.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_cli
def migrate(cli: CliContext, bundle: str | None, source_dir: Path, output_dir: Path | None, validate: bool, every: bool, parallel: int, as_json: bool) -> None:
    """Migrate zipline bundles into the Parquet store, register them, keep the originals."""
    home = str(cli.settings.home)
    if every:
        jobs = [(home, check_bundle_name(p.name), str(_latest_ingestion(p)), None, validate, False) for p in sorted(source_dir.iterdir()) if p.is_dir()]
        if not jobs:
            raise InvalidRequestError(f"{source_dir} holds no zipline bundle folder")
        with ProcessPoolExecutor(max_workers=parallel) as pool:
            results = list(pool.map(_migrate_one, *zip(*jobs, strict=True)))
    else:
        if not bundle:
            raise click.UsageError("--bundle is required (or use --all)")
        results = [_migrate_one(home, check_bundle_name(bundle), str(source_dir), str(output_dir) if output_dir else None, validate, not as_json)]
    if as_json:
        emit_json(results)
        return
    table("Migrated bundles", [{**{k: v for k, v in r.items() if k != "warnings"}, "compression_ratio": f"{r['compression_ratio']:.2f}"} for r in results])
    for r in results:
        for warning in r["warnings"]:
            err.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)
    out.print("originals kept; run a backtest with `rustybt run ALGO.py --bundle NAME --start ... --end ...`")
