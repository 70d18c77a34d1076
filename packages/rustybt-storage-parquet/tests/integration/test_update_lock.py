"""The bundle update lock: exclusive across processes and threads, reentrant in a thread."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

from rustybt.storage.parquet import ParquetWriter
from rustybt.storage.parquet.update_lock import bundle_update_lock, update_lock_path

_TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("busy")
else:
    print("free")
"""


def _other_process_sees(path: Path) -> str:
    done = subprocess.run([sys.executable, "-c", _TRY_LOCK, str(path)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_another_process_waits_while_a_block_holds_the_lock(tmp_path: Path) -> None:
    bundle = tmp_path / "bundles" / "eq"
    writer = ParquetWriter(bundle)
    path = update_lock_path(bundle)
    with writer.exclusive() as held:
        assert held == path.absolute()
        assert _other_process_sees(path) == "busy"
        with writer.exclusive():  # the same thread passes again
            assert _other_process_sees(path) == "busy"
        assert _other_process_sees(path) == "busy"  # still held by the outer block
    assert _other_process_sees(path) == "free"
    assert not bundle.exists()  # the lock lives beside the bundle, which nobody wrote
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


def test_another_thread_waits_for_the_holder(tmp_path: Path) -> None:
    bundle = tmp_path / "eq"
    order: list[str] = []
    entered = threading.Event()

    def second() -> None:
        entered.wait()
        with bundle_update_lock(bundle):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with bundle_update_lock(bundle):
        entered.set()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second thread entered while the lock was held"
        order.append("first")
    thread.join(timeout=30)
    assert order == ["first", "second"]


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    path = update_lock_path(tmp_path / "eq")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT, 0o600); fcntl.flock(fd, fcntl.LOCK_EX)\n"
         "print('held', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert _other_process_sees(path) == "busy"
    holder.kill()
    holder.wait()
    with bundle_update_lock(tmp_path / "eq"):
        fd = os.open(path, os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                raise AssertionError("a second open file took the lock while this thread held it")
            except BlockingIOError:
                pass
        finally:
            os.close(fd)
