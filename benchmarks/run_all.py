"""Run every benchmark script in this folder, one after the other, and print their tables.

    hatch run bench            # full runs (a few minutes each)
    hatch run bench --quick    # small versions, seconds each
    hatch run bench storage    # only bench_storage.py
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}, {_cores()} cores")
    failed = []
    for script in scripts:
        print(f"\n=== {script.name}{' --quick' if quick else ''} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *(["--quick"] if quick else [])])
        print(f"--- {script.name}: exit {code} in {time.perf_counter() - started:.1f} s", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
