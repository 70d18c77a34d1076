"""SIGKILL ``rustybt ingest migrate-hdf5-to-parquet`` at random points over a bundle that
already holds data, and check the store and catalog after each kill and after a re-run.

Bundle ``mig`` holds KO's 2013 bars (a CSV ingest) and a first migration of a small zipline
HDF5 daily bundle (two assets, March–May 2013). Each trial restores that state and migrates a
second version of the zipline bundle (March–August, other prices) into the same bundle: it
rewrites the migrated dataset and every month file it shares with KO. After each kill:

* KO's bars read back identical, and every partition file is byte-identical to its state
  before the migration or after an uninterrupted one (never torn);
* ``rustybt catalog verify`` is clean, or names the migrated dataset — and KO's, whose files
  the migration shares — as incomplete, never damaged;
* no temp file is visible to readers, and verify removes those the kill left;
* migrating again succeeds, verify is clean, the files hold exactly an uninterrupted run's
  rows, and the catalog still holds exactly the two datasets.
"""

from __future__ import annotations

import random
import signal
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from zipline.data.hdf5_daily_bars import HDF5DailyBarWriter
from zipline.utils.calendar_utils import get_calendar

from rustybt.catalog.sqlite import DataCatalog
from rustybt.storage.parquet.atomic import is_temp_name

KILLS = 20
PAUSE = 0.03
PHASES = ("start", "stage", "rename", "register", "complete")
BUNDLE = "mig"


def _zipline_bundle(folder: Path, last: str, bump: float) -> Path:
    sessions = get_calendar("XNYS").sessions_in_range("2013-03-01", last)
    frames = {}
    for field, base in {"open": 20.125, "high": 21.5, "low": 19.75, "close": 20.5, "volume": 1500.0}.items():
        step = 0.0 if field == "volume" else bump
        frames[field] = pd.DataFrame(
            {5: [base + step + (i % 9) * 0.25 for i in range(len(sessions))], 9: [2 * base + step] * len(sessions)},
            index=sessions,
        )
    folder.mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        HDF5DailyBarWriter(str(folder / "daily.h5"), date_chunk_size=30).write("US", frames)
    return folder


def _migrate(source: Path) -> list[str]:
    return [
        "ingest",
        "migrate-hdf5-to-parquet",
        "--bundle",
        BUNDLE,
        "--source-dir",
        str(source),
        "--no-validate",
        "--json",
    ]


def _datasets(home: Path) -> dict[str, str]:
    catalog = DataCatalog(f"sqlite:///{home / 'metadata.db'}")
    return {d.source: d.dataset_id for d in catalog.list_datasets(bundle=BUNDLE)}


@pytest.fixture(scope="module")
def store(zygote: Any, kit: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("migration")
    home = root / "home"
    first, second = _zipline_bundle(root / "v1", "2013-05-31", 0.0), _zipline_bundle(root / "v2", "2013-08-30", 0.5)
    assert zygote.run(kit.ingest_args("KO", "2013-12-31", bundle=BUNDLE, start="2013-01-01"), home) == 0
    assert zygote.run(_migrate(first), home) == 0
    rc, rows = zygote.verify(home)
    assert rc == 0 and [r["status"] for r in rows] == ["ok", "ok"], rows
    snapshot = kit.copy_home(home, root / "snapshot")
    ids = _datasets(home)
    before = kit.partition_files(home, BUNDLE)
    ko_bars = _ko_bars(kit, home)
    assert zygote.run(_migrate(second), home) == 0
    reference = kit.partition_files(home, BUNDLE)
    assert _datasets(home) == ids and _ko_bars(kit, home).equals(ko_bars)
    changing = [p for p, data in reference.items() if before.get(p) != data]
    assert len(changing) >= 4, changing
    return {"home": home, "snapshot": snapshot, "source": second, "ids": ids, "before": before,
            "reference": reference, "ko_bars": ko_bars, "changing": changing}  # fmt: skip


def _ko_bars(kit: Any, home: Path) -> pl.DataFrame:
    catalog = DataCatalog(f"sqlite:///{home / 'metadata.db'}")
    sid = catalog.lookup_sid("csv:eq", "KO")
    return kit.read_bundle(home, BUNDLE).filter(pl.col("sid") == sid)


def _kill_in(zygote: Any, home: Path, args: list[str], target: str, rng: random.Random) -> tuple[int, str]:
    delay = rng.uniform(0.0, 0.3) if target == "start" else rng.uniform(0.0, 1.5 * PAUSE)
    return zygote.kill_after(args, home, target, delay, pause=PAUSE)


@pytest.mark.slow
def test_sigkill_of_a_migration_never_loses_or_tears_stored_bars(zygote: Any, kit: Any, store: dict[str, Any]) -> None:
    rng = random.Random(20261124)
    home, ids = store["home"], store["ids"]
    migrated, ko = ids["zipline:zipline-hdf5-daily"], ids["csv:eq"]
    hit: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    kills = tries = 0
    while kills < KILLS:
        tries += 1
        assert tries < 3 * KILLS, f"only {kills} kills landed in {tries} tries"
        shutil_restore(store)
        rc, phase = _kill_in(zygote, home, _migrate(store["source"]), PHASES[tries % len(PHASES)], rng)
        if rc != -signal.SIGKILL:
            assert rc == 0, f"trial {tries}: the migration failed on its own with {rc}"
            continue
        kills += 1
        hit[phase] += 1
        where = f"trial {tries} (killed in {phase})"
        assert _ko_bars(kit, home).equals(store["ko_bars"]), f"{where}: KO's bars changed"
        for path, data in kit.partition_files(home, BUNDLE).items():
            assert data in (store["before"].get(path), store["reference"][path]), f"{where}: {path} is torn"
        visible = [p for p in (home / "bundles").rglob("*.tmp") if not is_temp_name(p.name)]
        assert visible == [], f"{where}: temp files visible to readers: {visible}"

        rc, rows = zygote.verify(home)
        left = [p for p in (home / "bundles").rglob("*") if p.is_file() and is_temp_name(p.name)]
        assert left == [], f"{where}: verify left the killed writer's temp files: {left}"
        status = {r["dataset_id"]: r["status"] for r in rows}
        bad = {i for i, s in status.items() if s != "ok"}
        if rc == 0:
            outcomes["clean"] += 1
        else:
            assert migrated in bad and bad <= {migrated, ko}, f"{where}: verify reported {rows}"
            assert all(status[i] == "incomplete" for i in bad), f"{where}: verify reported {rows}"
            outcomes["incomplete, KO too" if ko in bad else "incomplete"] += 1

        assert zygote.run(_migrate(store["source"]), home) == 0, f"{where}: the re-run failed"
        rc, rows = zygote.verify(home)
        assert rc == 0 and {r["status"] for r in rows} == {"ok"}, f"{where}: after the re-run verify reported {rows}"
        differ = kit.same_bars(kit.partition_files(home, BUNDLE), store["reference"])
        assert differ == [], (
            f"{where}: after the re-run these files hold other rows than an uninterrupted run's: {differ}"
        )
        assert _datasets(home) == ids, f"{where}: the catalog's datasets changed: {_datasets(home)}"
    assert {"stage", "rename", "register", "complete"} <= set(hit), f"phases hit: {dict(hit)}"
    assert outcomes["incomplete, KO too"] > 0, dict(outcomes)
    print(f"migration kills survived {kills}/{tries} tries; phases {dict(hit)}; verify {dict(outcomes)}")


def shutil_restore(store: dict[str, Any]) -> None:
    import shutil

    shutil.rmtree(store["home"], ignore_errors=True)
    shutil.copytree(store["snapshot"], store["home"], symlinks=True)
