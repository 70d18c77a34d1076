"""Processes writing the same bundle at once: the bundle lock serializes them, no row is lost."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader, compute_checksums
from rustybt.storage.parquet.bundle_lock import LOCK_NAME

FIELDS = ["open", "high", "low", "close", "volume"]

WRITE_SIDS = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import polars as pl
    from rustybt.storage.parquet import ParquetWriter

    root, frame, start = Path(sys.argv[1]), pl.read_ipc(sys.argv[2]), Path(sys.argv[3])
    while not start.exists():
        time.sleep(0.001)
    for month in range(1, 13):  # twelve writes, each merging into partitions the others write too
        ParquetWriter(root).write(frame.filter(pl.col("date").dt.month() == month), "1d")
    """
)


def test_four_processes_writing_different_sids_into_the_same_partitions(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    root = tmp_path / "bundle"
    year = zipline_daily.filter(pl.col("date").dt.year() == 2013)
    sids = year.get_column("sid").unique().sort().to_list()
    groups = [sids[i::4] for i in range(4)]
    start = tmp_path / "go"
    procs = []
    for n, group in enumerate(groups):
        frame_path = tmp_path / f"frame{n}.arrow"
        year.filter(pl.col("sid").is_in(group)).write_ipc(frame_path)
        procs.append(subprocess.Popen([sys.executable, "-c", WRITE_SIDS, str(root), str(frame_path), str(start)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    start.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, out + err
    reader = PolarsParquetDailyReader(root / "daily_bars")
    back = reader.load_raw_arrays(sids, FIELDS, "2013-01-01", "2013-12-31").collect()
    assert back.equals(year)  # every row of every process, exactly
    files = sorted((root / "daily_bars").rglob("*"))
    assert [p.name for p in files if p.is_file()] == ["data.parquet"] * 12  # no temp file left behind
    for path in (p for p in files if p.is_file()):
        assert pq.ParquetFile(path).metadata.num_rows == year.filter(pl.col("date").dt.month() == int(path.parent.name[-2:])).height
    assert len(compute_checksums(root)) == 12


def test_a_write_waits_for_the_lock_and_readers_do_not(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    root = tmp_path / "bundle"
    first = zipline_daily.filter(pl.col("date").dt.year() == 2012)
    ParquetWriter(root).write(first.filter(pl.col("sid") == 1), "1d")
    held = os.open(root / LOCK_NAME, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    start = tmp_path / "go"
    frame_path = tmp_path / "frame.arrow"
    first.filter(pl.col("sid") == 2).write_ipc(frame_path)
    proc = subprocess.Popen([sys.executable, "-c", WRITE_SIDS, str(root), str(frame_path), str(start)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        start.touch()
        reader = PolarsParquetDailyReader(root / "daily_bars")
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:  # the writer is blocked: the store keeps sid 1 only
            assert reader.sids() == [1]
            assert proc.poll() is None
            time.sleep(0.1)
    finally:
        os.close(held)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, out + err
    assert reader.sids() == [1, 2]
