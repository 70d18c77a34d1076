"""The real zipline example bundle migrated with the CLI, then zipline's buyapple run on it with
`rustybt run`: the final portfolio value is zipline's own recorded result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from rustybt.app.cli import main

SHARED = Path(__file__).resolve().parents[4] / ".." / "shared" / "data"
INGESTION = SHARED / "zipline-example-data" / "example_data" / "root" / "data" / "test"


def test_migrate_then_run_buyapple(tmp_path: Path) -> None:
    import zipline.examples

    source = tmp_path / "zipline" / "test"
    shutil.copytree(INGESTION, source)
    ingestion = next(source.iterdir())
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    migrated = runner.invoke(main, [*home, "ingest", "migrate-hdf5-to-parquet", "--bundle", "example", "--source-dir", str(ingestion), "--json"])
    assert migrated.exit_code == 0, migrated.output
    (result,) = json.loads(migrated.output)
    assert result["row_count"] == 24646
    assert (ingestion / "daily_equities.bcolz").is_dir()  # originals kept
    algo = Path(zipline.examples.__file__).parent / "buyapple.py"
    ran = runner.invoke(main, [*home, "run", str(algo), "--bundle", "example", "--start", "2014-01-02", "--end", "2014-10-31", "--no-analyze", "--json"])
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.output)
    assert summary["periods"] == 211
    assert summary["final value"] == 10228181.07  # expected_perf/1-2-4/buyapple
    listed = json.loads(runner.invoke(main, [*home, "catalog", "list", "--json"]).output)
    assert [d["bundle"] for d in listed] == ["example"]
