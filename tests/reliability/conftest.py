"""Shared pieces of the reliability tests: a warm process forking ``rustybt`` commands,
stores built from the shipped real equities (zipline's csvdir samples), and exact reads."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import rustybt.app
from rustybt.catalog.sqlite import DataCatalog
from rustybt.storage.parquet import ParquetWriter

HERE = Path(__file__).resolve().parent
EQUITIES = Path(rustybt.app.__file__).resolve().parent / "sample_data" / "us_equities_daily"
BUNDLE = "csv-eq"
OTHER_BUNDLE = "other"


def ingest_args(symbol: str, end: str, *, bundle: str | None = None, start: str = "2012-01-01") -> list[str]:
    """``rustybt ingest`` of one shipped equity from ``start`` to ``end``."""
    args = ["ingest", "--source", "csv:eq", "--path", str(EQUITIES), "--symbols", symbol]
    args += ["--start", start, "--end", end, "--option", "schema_mapping={date_column: date}"]
    return args + (["--bundle", bundle] if bundle else [])


EXTEND = ingest_args("KO", "2014-12-31")


@dataclass
class Forked:
    """One command forked by the warm process."""

    pid: int
    server: Zygote

    def wait(self) -> int:
        """The exit code (minus the signal number when killed)."""
        return self.server.exit_code(self.pid)

    def kill(self) -> int:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        return self.wait()


class Zygote:
    """Client of ``ingest_zygote.py``: forks ``rustybt`` commands from one warm process."""

    def __init__(self, cache_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "ingest_zygote.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.codes: dict[int, int] = {}

    def _line(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the forking process ended with {self.process.wait()}")
        return dict(json.loads(line))

    def start(
        self,
        args: Sequence[str],
        home: Path,
        *,
        events: Path | None = None,
        pause: float = 0.0,
        stdout: Path | None = None,
        stderr: Path | None = None,
        env: dict[str, str] | None = None,
        cache: dict[str, Any] | None = None,
        lane: dict[str, Any] | None = None,
    ) -> Forked:
        request: dict[str, Any] = {"args": list(args), "home": str(home), "events": str(events) if events else None}
        request["pause"] = pause
        request["env"] = dict(env or {})
        request["cache"] = cache
        request["lane"] = lane
        request["stdout"] = str(stdout) if stdout else None
        request["stderr"] = str(stderr) if stderr else None
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        while True:
            reply = self._line()
            if "rc" in reply:
                self.codes[int(reply["pid"])] = int(reply["rc"])
                continue
            return Forked(int(reply["pid"]), self)

    def exit_code(self, pid: int) -> int:
        while pid not in self.codes:
            reply = self._line()
            if "rc" in reply:
                self.codes[int(reply["pid"])] = int(reply["rc"])
        return self.codes.pop(pid)

    def kill_after(self, args: Sequence[str], home: Path, target: str, delay: float, *, pause: float) -> tuple[int, str]:
        """Start ``args`` writing its phases to an events file (each phase held ``pause``
        seconds), SIGKILL it ``delay`` seconds after it reaches phase ``target`` (after its
        start for ``"start"``); the exit code and the last phase it reached."""
        events = home / "events.log"
        child = self.start(args, home, events=events, pause=pause)
        if target != "start":
            deadline = time.monotonic() + 60
            while target not in phases(events) and time.monotonic() < deadline:
                time.sleep(0.002)
        time.sleep(delay)
        rc = child.kill()
        seen = phases(events)
        events.unlink(missing_ok=True)
        return rc, seen[-1] if seen else "start"

    def run(self, args: Sequence[str], home: Path, **kw: Any) -> int:
        return self.start(args, home, **kw).wait()

    def verify(self, home: Path) -> tuple[int, list[dict[str, Any]]]:
        """``rustybt catalog verify --json``: exit code and rows."""
        out = home / "verify.json"
        rc = self.run(["catalog", "verify", "--json"], home, stdout=out)
        text = out.read_text()
        out.unlink()
        return rc, json.loads(text) if text.strip() else []

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def phases(events: Path) -> list[str]:
    """The phases a killed command wrote to its events file, in order."""
    return events.read_text().split() if events.exists() else []


def read_bundle(home: Path, bundle: str = BUNDLE) -> pl.DataFrame:
    """Every stored bar of ``bundle`` through the product's reader, in (sid, date) order."""
    reader = ParquetWriter(home / "bundles" / bundle).reader("1d")
    sids = reader.sids()
    if not sids:
        return pl.DataFrame()
    fields = ["open", "high", "low", "close", "volume"]
    return reader.load_raw_arrays(sids, fields, "1990-01-01", "2100-01-01").collect().sort(pl.all())


def partition_files(home: Path, bundle: str = BUNDLE) -> dict[str, bytes]:
    """Relative path → bytes of every ``data.parquet`` of ``bundle``."""
    root = home / "bundles" / bundle
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("data*.parquet"))}


def same_bars(files: dict[str, bytes], reference: dict[str, bytes]) -> list[str]:
    """Paths whose rows differ between two ``partition_files`` snapshots (a file rewritten with
    the same rows may differ in bytes: the writer stamps a generation counter)."""
    if set(files) != set(reference):
        return sorted(set(files) ^ set(reference))
    return [p for p in sorted(files) if files[p] != reference[p] and not _rows(files[p]).equals(_rows(reference[p]))]


def _rows(data: bytes) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(data))


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    server = Zygote(tmp_path_factory.mktemp("pycache"))
    yield server
    server.close()


@dataclass
class Baseline:
    """A store at the fixed path ``home`` (the catalog records absolute bundle paths), with a
    snapshot to restore it from and the state an uninterrupted ``EXTEND`` leads to.
    ``sharer_id``: IBM's 2014 dataset, whose partition files ``EXTEND`` rewrites."""

    home: Path
    snapshot: Path
    ko_id: str
    sharer_id: str
    bars: pl.DataFrame
    files: dict[str, bytes]
    other_files: dict[str, bytes]
    reference_bars: pl.DataFrame
    reference_files: dict[str, bytes]

    def restore(self) -> Path:
        shutil.rmtree(self.home, ignore_errors=True)
        return copy_home(self.snapshot, self.home)


@pytest.fixture(scope="session")
def baseline(zygote: Zygote, tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """KO 2012–2013 and IBM 2014 in bundle ``csv-eq``, AAPL 2012–2013 in bundle ``other``,
    verified clean."""
    root = tmp_path_factory.mktemp("store")
    home = root / "home"
    assert zygote.run(ingest_args("KO", "2013-12-31"), home) == 0
    assert zygote.run(ingest_args("IBM", "2014-12-31", start="2014-01-01"), home) == 0
    assert zygote.run(ingest_args("AAPL", "2013-12-31", bundle=OTHER_BUNDLE), home) == 0
    rc, rows = zygote.verify(home)
    assert rc == 0 and [r["status"] for r in rows] == ["ok", "ok", "ok"], rows
    snapshot = copy_home(home, root / "snapshot")
    ids = {
        d.symbols[0]: d.dataset_id
        for d in DataCatalog(f"sqlite:///{home / 'metadata.db'}").list_datasets(bundle=BUNDLE)
    }
    bars, files, other = read_bundle(home), partition_files(home), partition_files(home, OTHER_BUNDLE)
    assert zygote.run(EXTEND, home) == 0
    reference_bars, reference_files = read_bundle(home), partition_files(home)
    state = Baseline(home, snapshot, ids["KO"], ids["IBM"], bars, files, other, reference_bars, reference_files)
    state.restore()
    return state


class Kit:
    """The pieces above, for test modules (which cannot import this file)."""

    BUNDLE = BUNDLE
    EQUITIES = EQUITIES
    OTHER_BUNDLE = OTHER_BUNDLE
    EXTEND = EXTEND
    ingest_args = staticmethod(ingest_args)
    read_bundle = staticmethod(read_bundle)
    partition_files = staticmethod(partition_files)
    same_bars = staticmethod(same_bars)
    copy_home = staticmethod(copy_home)


@pytest.fixture(scope="session")
def kit() -> type[Kit]:
    return Kit
