"""A warm process that forks one ``rustybt`` command per request, with phase hooks.

Started once by the crash tests: it imports the command line and everything an ingest loads,
then reads one JSON request per line on stdin: ``{"args": [...], "home": DIR, "events": FILE,
"pause": SECONDS, "stdout": FILE, "stderr": FILE}`` (only ``args`` and ``home`` required).
For each it forks a child that runs ``rustybt ARGS`` and answers
``{"pid": PID}`` at once and ``{"pid": PID, "rc": CODE}`` when the child ends (exit code, or
minus the signal that killed it). Forking a process that has imported but never run polars
leaves the child a clean thread pool.

In the child, named points of the ingest append a line to ``events`` when reached and then
pause ``pause`` seconds, so that a kill after a random delay lands in each phase:

``fetch``     the source is asked for bars
``stage``     one merged partition goes to its temp file
``rename``    staged files are renamed over their targets
``register``  files are in place, the catalog not yet told
``complete``  the catalog records the dataset complete
``bundle``    the zipline side of the bundle is written
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import polars  # noqa: F401  (warm import)

import rustybt.app.bundles as bundles
import rustybt.catalog.sqlite
import rustybt.storage.parquet.atomic as atomic
import rustybt.zipline_bridge.bundle_files  # noqa: F401
from rustybt.adapters.csv_adapter import CSVAdapter
from rustybt.app.cli import main
from rustybt.catalog.sqlite import DataCatalog


def _hooked(owner: Any, name: str, phase: str, mark: Callable[[str], None]) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark(phase)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def _install_hooks(events: str, pause: float) -> None:
    fd = os.open(events, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def mark(phase: str) -> None:
        os.write(fd, f"{phase}\n".encode())
        time.sleep(pause)

    _hooked(CSVAdapter, "fetch_raw", "fetch", mark)
    _hooked(atomic, "stage", "stage", mark)
    _hooked(atomic, "commit", "rename", mark)
    original_replace = os.replace

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        original_replace(src, dst, *args, **kwargs)
        if str(src).endswith(atomic.TEMP_SUFFIX):
            time.sleep(pause / 4)

    atomic.os.replace = replace  # type: ignore[attr-defined]
    _hooked(DataCatalog, "update_file_checksums", "register", mark)
    update_dataset = DataCatalog.update_dataset

    def completing(self: DataCatalog, dataset_id: str, **changes: Any) -> Any:
        info = update_dataset(self, dataset_id, **changes)
        if changes.get("status") == "complete":
            mark("complete")
        return info

    DataCatalog.update_dataset = completing  # type: ignore[method-assign]
    _hooked(bundles, "prepare_bundle", "bundle", mark)
    import rustybt.app.commands.ingest_cmd as ingest_cmd

    ingest_cmd.prepare_bundle = bundles.prepare_bundle


def _child(request: dict[str, Any]) -> int:
    os.environ["RUSTYBT_HOME"] = request["home"]
    if request.get("events"):
        _install_hooks(request["events"], float(request.get("pause", 0.0)))
    target = request.get("stdout") or os.devnull
    os.dup2(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
    if request.get("stderr"):
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    try:
        main.main(args=request["args"], prog_name="rustybt", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def _report(pid: int, lock: threading.Lock) -> None:
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    with lock:
        sys.stdout.write(json.dumps({"pid": pid, "rc": rc}) + "\n")
        sys.stdout.flush()


def serve() -> None:
    lock = threading.Lock()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        with lock:
            sys.stdout.write(json.dumps({"pid": pid}) + "\n")
            sys.stdout.flush()
        threading.Thread(target=_report, args=(pid, lock), daemon=True).start()


if __name__ == "__main__":
    serve()
