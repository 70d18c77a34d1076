"""Ingest into a small tmpfs that fills up during the write.

The store (KO 2012–2013) lives on its own tmpfs; a filler file leaves only a little free
space, and ``rustybt ingest`` extending KO to 2014 runs out of room while staging its
partitions. The command must fail with one clear line — the ``StorageError`` naming the
bundle path and "No space left on device" — and leave the previous state intact: partition
files byte-identical, no temp file left, the catalog's records unchanged (only
``last_updated`` of the dataset moves, from marking it pending and back) and verify clean.

Several amounts of free space are tried, smallest first. Depending on where the space runs
out: the catalog cannot record the write intent (nothing changes); the partition writer
fails (files unchanged; the catalog unchanged, or — when it cannot even record the
withdrawal — the dataset left pending); or the files are written and the catalog cannot
complete the dataset (pending). Stored bars never change, verify is clean or names the
dataset incomplete, and a re-run with space repairs it. At least one amount must exhaust
the space in the writer with everything intact.
Needs ``mount -t tmpfs`` (root); where mounting is not permitted the test is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TMPFS_BYTES = 4 * 1024 * 1024
FREE_SPACES = (8192, 16384, 32768, 49152, 65536, 98304)
VOLATILE = ("last_updated", "last_validated")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here ({done.stderr.strip()}); the disk-full test needs one (run as root)"
        if os.environ.get("RUSTYBT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and RUSTYBT_REQUIRE_SERVICES=1 requires it")
        pytest.skip(reason)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _catalog(zygote: Any, home: Path, out: Path) -> list[dict[str, Any]]:
    assert zygote.run(["catalog", "list", "--json"], home, stdout=out) == 0
    rows = json.loads(out.read_text())
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]


def _fill(mount_point: Path, leave: int) -> Path:
    filler = mount_point / "filler"
    stats = os.statvfs(mount_point)
    size = stats.f_bavail * stats.f_frsize - leave
    with open(filler, "wb") as handle:
        handle.write(b"\0" * max(0, size))
    return filler


def test_a_full_disk_fails_the_ingest_cleanly_and_keeps_the_previous_state(
    zygote: Any, kit: Any, tmpfs: Path, tmp_path: Path
) -> None:
    home = tmpfs / "home"
    assert zygote.run(kit.ingest_args("KO", "2013-12-31"), home) == 0
    snapshot = kit.copy_home(home, tmp_path / "snapshot")
    bars = kit.read_bundle(home)
    outcomes: dict[int, str] = {}
    for leave in FREE_SPACES:
        shutil.rmtree(home)
        kit.copy_home(snapshot, home)
        files = kit.partition_files(home)
        records = _catalog(zygote, home, tmp_path / "before.json")
        filler = _fill(tmpfs, leave)
        errors = tmp_path / f"stderr-{leave}.txt"
        rc = zygote.run(kit.EXTEND, home, stderr=errors)
        message = " ".join(errors.read_text().split())
        filler.unlink()
        where = f"with {leave} bytes free"
        if rc == 0:
            outcomes[leave] = "fitted"
            continue
        assert rc == 1 and message.startswith("error: "), f"{where}: exit {rc}, {message}"
        leftovers = [p for p in home.rglob("*") if p.name.endswith(".tmp")]
        assert leftovers == [], f"{where}: temp files left: {leftovers}"
        after = _catalog(zygote, home, tmp_path / "after.json")
        verified, rows = zygote.verify(home)
        if "No space left on device" in message:
            bundle = str(home / "bundles" / kit.BUNDLE)
            assert bundle in message and "nothing was changed" in message, f"{where}: {message}"
            assert kit.partition_files(home) == files, f"{where}: stored files changed"
            intact = after == records and verified == 0
            outcomes[leave] = "writer" if intact else "writer, left pending"
            if not intact:  # the catalog could not even record the withdrawal
                assert [r["status"] for r in after] == ["pending"], f"{where}: {after}"
        else:
            assert "database or disk is full" in message and "metadata.db" in message, f"{where}: {message}"
            written = kit.partition_files(home) != files
            outcomes[leave] = "catalog after write" if written else "catalog before write"
            if not written:
                assert after == records and verified == 0, f"{where}: the catalog changed: {after}"
        assert kit.read_bundle(home).join(bars, on=list(bars.columns), how="semi").sort(bars.columns).equals(bars), (
            f"{where}: bars changed"
        )
        if verified != 0:
            assert [r["status"] for r in rows] == ["incomplete"], f"{where}: verify reported {rows}"
            assert zygote.run(kit.EXTEND, home) == 0, f"{where}: the re-run failed"
            verified, rows = zygote.verify(home)
            assert verified == 0 and [r["status"] for r in rows] == ["ok"], (
                f"{where}: after the re-run verify reported {rows}"
            )
    assert "writer" in outcomes.values(), f"the partition writer never ran out of space cleanly: {outcomes}"
    print(f"disk full: outcomes by free bytes {outcomes}")
