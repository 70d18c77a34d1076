"""Peak RSS of one side of the full daily read, in a process of its own.

    python benchmarks/peers_rss.py PLAN.json SIDE

``PLAN.json`` holds the stores' paths and the range (written by ``bench_peers``). Prints one
JSON line: the peak resident set (KiB) after opening the store and after the read. Only the
libraries of that side are imported; the first call happens here, so nothing is warm but the
OS page cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers_sides import STORE_OF, Opened, Paths, read_sides


def peak_kib() -> int:
    """This process's peak resident set (KiB): ``VmHWM`` of its memory map. (``ru_maxrss``
    would not do: it survives ``execve``, so a child of a large bench starts at the bench's
    peak.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status: peak RSS is measured on Linux only")


def measure(plan_path: Path, side: str) -> dict[str, int]:
    plan = json.loads(plan_path.read_text())
    opened = Opened(Paths(**plan["paths"]))
    first, last = date.fromisoformat(plan["first"]), date.fromisoformat(plan["last"])
    read = read_sides(opened, plan["sids"], first, last, [side], every=True)[side]
    if STORE_OF[side]:
        getattr(opened, STORE_OF[side])  # imports and opens the store: "before" includes them
    before = peak_kib()
    result = read()
    after = peak_kib()
    del result
    return {"before_kib": before, "peak_kib": after}


def in_fresh_process(plan_path: Path, side: str) -> dict[str, int]:
    """``measure`` run in a new interpreter (the bench's environment, one thread pool size)."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), str(plan_path), side],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    found: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), sys.argv[2])))
