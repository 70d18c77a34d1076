"""Temp files a killed writer leaves behind: invisible to readers, removed by the next writer
and by ``remove_stale_temp_files``, never touching a stored file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl

from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader, compute_checksums, remove_stale_temp_files
from rustybt.storage.parquet.atomic import is_temp_name

FIELDS = ["open", "high", "low", "close", "volume"]

# A writer that announces it has staged every temp file (just before the renames), then
# waits to be killed: a SIGKILL at the worst moment for leftovers, without timing luck.
KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import polars as pl
    from rustybt.storage.parquet import ParquetWriter, atomic

    root, frame, ready = Path(sys.argv[1]), pl.read_ipc(sys.argv[2]), Path(sys.argv[3])

    def stall(files, created=()):
        listing = ready.with_suffix(".part")
        listing.write_text("\\n".join(str(item.temp) for item in files))
        listing.rename(ready)  # the parent sees the whole list or none
        time.sleep(600)

    atomic.commit = stall
    ParquetWriter(root).write(frame, "1d")
    """
)


def _kill_while_staged(tmp_path: Path, root: Path, frame: pl.DataFrame) -> list[Path]:
    """Run a writer of ``frame`` into ``root`` in another process and SIGKILL it once all its
    temp files are written; return those temp files."""
    source, ready = tmp_path / "frame.arrow", tmp_path / "ready"
    frame.write_ipc(source)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(root), str(source), str(ready)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ready.exists(), child.stderr.read() if child.stderr else "the writer never staged its files"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr:
            child.stderr.close()
    return [Path(line) for line in ready.read_text().splitlines()]


def _temp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and is_temp_name(p.name))


def test_a_killed_writer_leaves_hidden_temp_files_that_readers_ignore_and_cleanup_removes(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    root = tmp_path / "bundle"
    before = zipline_daily.filter(pl.col("date").dt.year() == 2012)
    ParquetWriter(root).write(before, "1d")
    stored = compute_checksums(root)
    update = zipline_daily.filter(pl.col("date").dt.year().is_in([2012, 2013])).with_columns(pl.col("volume") + 1)
    staged = _kill_while_staged(tmp_path, root, update)
    assert staged and _temp_files(root) == sorted(staged)
    reader = PolarsParquetDailyReader(root / "daily_bars")
    sids = before.get_column("sid").unique().sort().to_list()
    assert reader.load_raw_arrays(sids, FIELDS, "2012-01-01", "2013-12-31").collect().equals(before)
    assert compute_checksums(root) == stored

    removed = remove_stale_temp_files(root)
    assert sorted(removed) == sorted(staged)
    assert _temp_files(root) == [] and compute_checksums(root) == stored
    assert remove_stale_temp_files(root) == []


def test_the_next_writer_removes_stale_temp_files_in_the_folders_it_writes(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    root = tmp_path / "bundle"
    year = zipline_daily.filter(pl.col("date").dt.year() == 2012)
    ParquetWriter(root).write(year, "1d")
    staged = _kill_while_staged(tmp_path, root, year.with_columns(pl.col("volume") + 1))
    march = [p for p in staged if "month=03" in str(p)]
    assert march
    ParquetWriter(root).write(year.filter(pl.col("date").dt.month() == 3), "1d")
    left = _temp_files(root)
    assert not any("month=03" in str(p) for p in left)  # the folder it wrote is clean
    assert sorted(left) == sorted(set(staged) - set(march))  # the others wait for a cleanup
    assert PolarsParquetDailyReader(root / "daily_bars").load_raw_arrays(year.get_column("sid").unique().sort().to_list(), FIELDS, "2012-01-01", "2012-12-31").collect().equals(year)


def test_cleanup_of_a_bundle_without_stale_files_or_without_a_folder(tmp_path: Path, zipline_daily: pl.DataFrame) -> None:
    assert remove_stale_temp_files(tmp_path / "missing") == []
    root = tmp_path / "bundle"
    ParquetWriter(root).write(zipline_daily.head(50), "1d")
    (root / "daily_bars" / "notes.txt").write_text("not a temp file")
    assert remove_stale_temp_files(root) == []
    assert (root / "daily_bars" / "notes.txt").exists()
