"""SIGKILL a real ``rustybt ingest`` at random points of every phase, over a store that
already holds data, and check the store and catalog after each kill and after a re-run.

The ingest extends dataset KO (2012–2013, bundle ``csv-eq``) to 2014; the same bundle holds
IBM's 2014 dataset, whose partition files (one per month, shared by both symbols) the
extension rewrites; bundle ``other`` holds AAPL. Each trial restores that baseline, forks the ingest with phase hooks (see
``ingest_zygote.py``), waits until the chosen phase is reached, sleeps a random part of it
and kills the process. Then:

* every bar stored before reads back identical (frames compared exactly), and every file of
  the other bundle is byte-identical;
* every partition a reader sees is whole: each 2014 month present equals the reference's;
* ``rustybt catalog verify`` is clean, or names KO's dataset as incomplete, and IBM's as
  incomplete at most (it is pending while files it shares are rewritten) — never damaged;
* temp files left by the kill have hidden temp names, readers never see them, and
  `rustybt catalog verify` removes them;
* re-running the same ingest succeeds, verify is clean, and the store holds exactly an
  uninterrupted run's rows.
"""

from __future__ import annotations

import random
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rustybt.storage.parquet.atomic import is_temp_name

KILLS = 50
PAUSE = 0.03
PHASES = ("start", "fetch", "stage", "rename", "register", "complete")
UNREGISTERED = {"start", "fetch"}  # killed before the intent is recorded: verify stays clean
REGISTERED = {"complete", "bundle"}  # the catalog already records the whole write


def _kill_in(zygote: Any, home: Path, args: list[str], target: str, rng: random.Random) -> tuple[int, str]:
    """Start the ingest, kill it a random moment after ``target`` is reached; return the exit
    code and the last phase it reached."""
    if target == "start":
        delay = rng.uniform(0.0, 0.05)
    else:
        delay = rng.uniform(PAUSE, 4 * PAUSE) if target == "rename" else rng.uniform(0.0, 1.5 * PAUSE)
    return zygote.kill_after(args, home, target, delay, pause=PAUSE)


@pytest.mark.slow
def test_sigkill_at_random_points_never_loses_or_tears_stored_bars(zygote: Any, kit: Any, baseline: Any) -> None:
    rng = random.Random(20261124)
    before, before_other, baseline_files = baseline.bars, baseline.other_files, baseline.files
    reference, reference_files, ko = baseline.reference_bars, baseline.reference_files, baseline.ko_id
    sharer = baseline.sharer_id
    changing = [p for p, data in reference_files.items() if baseline_files.get(p) != data]
    hit: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    partial_renames = 0
    kills = tries = 0
    while kills < KILLS:
        tries += 1
        assert tries < 3 * KILLS, f"only {kills} kills landed in {tries} tries"
        home = baseline.restore()
        target = PHASES[tries % len(PHASES)]
        rc, phase = _kill_in(zygote, home, kit.EXTEND, target, rng)
        if rc != -signal.SIGKILL:
            assert rc == 0, f"trial {tries}: the ingest failed on its own with {rc}"
            continue
        kills += 1
        hit[phase] += 1
        where = f"trial {tries} (killed in {phase})"

        after = kit.read_bundle(home)
        assert _old_bars(after, before).equals(before), f"{where}: stored bars changed"
        assert kit.partition_files(home, kit.OTHER_BUNDLE) == before_other, f"{where}: bundle other changed"
        files = kit.partition_files(home)
        for path, data in files.items():
            expected = baseline_files.get(path, reference_files[path])
            assert data == expected or data == reference_files[path], f"{where}: {path} is torn"
        rewritten = [p for p, data in files.items() if data == reference_files[p] != baseline_files.get(p)]
        if phase == "rename" and 0 < len(rewritten) < len(changing):
            partial_renames += 1
        assert after.equals(_rows_of(reference, after)), f"{where}: a reader sees bars no whole write produced"

        temps = [p for p in (home / "bundles").rglob("*") if p.is_file() and p.suffix == ".tmp"]
        assert all(is_temp_name(p.name) for p in temps), f"{where}: visible temp files {temps}"

        rc, rows = zygote.verify(home)
        left = [p for p in (home / "bundles").rglob("*") if p.is_file() and is_temp_name(p.name)]
        assert left == [], f"{where}: verify left the killed writer's temp files: {left}"
        status = {r["dataset_id"]: r["status"] for r in rows}
        bad = sorted(i for i, s in status.items() if s != "ok")
        if rc == 0:
            outcomes["clean"] += 1
            assert phase in UNREGISTERED | REGISTERED, f"{where}: verify clean while the write was half done"
        else:
            outcomes["incomplete"] += 1
            assert ko in bad and set(bad) <= {ko, sharer}, f"{where}: verify reported {rows}"
            assert all(status[i] == "incomplete" for i in bad), f"{where}: verify reported {rows}"
            if sharer in bad:
                outcomes["sharer pending"] += 1
            assert all(r["missing"] == [] for r in rows), f"{where}: verify reported {rows}"
            assert phase not in UNREGISTERED, f"{where}: incomplete before any write intent"

        assert zygote.run(kit.EXTEND, home) == 0, f"{where}: the re-run failed"
        rc, rows = zygote.verify(home)
        assert rc == 0 and {r["status"] for r in rows} == {"ok"}, f"{where}: after the re-run verify reported {rows}"
        assert kit.read_bundle(home).equals(reference), f"{where}: the re-run did not restore the reference store"
        differ = kit.same_bars(kit.partition_files(home), reference_files)
        assert differ == [], (
            f"{where}: after the re-run these files hold other rows than an uninterrupted run's: {differ}"
        )

    assert {"fetch", "stage", "rename", "register", "complete"} <= set(hit), f"phases hit: {dict(hit)}"
    assert partial_renames > 0, f"no kill landed between two renames; phases hit: {dict(hit)}"
    assert outcomes["incomplete"] > 0 and outcomes["clean"] > 0 and outcomes["sharer pending"] > 0, dict(outcomes)
    print(
        f"kills survived {kills}/{tries} tries; phases {dict(hit)}; verify {dict(outcomes)}; partial renames {partial_renames}"
    )


def _old_bars(after: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    keys = [c for c in before.columns if c not in ("open", "high", "low", "close", "volume")]
    return after.join(before.select(keys), on=keys, how="semi").sort(pl.all())


def _rows_of(reference: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    keys = [c for c in reference.columns if c not in ("open", "high", "low", "close", "volume")]
    return reference.join(after.select(keys), on=keys, how="semi").sort(pl.all())
