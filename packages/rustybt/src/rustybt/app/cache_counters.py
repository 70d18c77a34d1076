"""Cache counters that outlive a process: each ``rustybt`` command adds its hits and misses to
``<cache dir>/counters.json`` when it ends, so ``rustybt cache stats`` in a new process shows
what earlier commands (the demo's backtests, say) did. Entries and bytes are the tiers' own
current figures; only the counters are kept here. Concurrent commands add under a file lock."""

from __future__ import annotations

import fcntl
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rustybt.app.private_files import private_dir, write_private_text
from rustybt.domain.ports.cache import CacheStats

COUNTERS = ("hits", "misses", "evictions", "expirations", "invalidations", "corrupt")
FILE_NAME = "counters.json"


def _empty() -> dict[str, Any]:
    return {"since": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commands": 0, "tiers": {}}


def load(folder: Path) -> dict[str, Any]:
    """What earlier commands counted (empty when none did, or the file is unreadable)."""
    try:
        data = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _empty()
    if not isinstance(data, dict) or not isinstance(data.get("tiers"), dict):
        return _empty()
    return data


def add(folder: Path, stats: CacheStats) -> None:
    """Add one process's counters (``stats``) to the kept ones."""
    if not any(getattr(t, c) for t in stats.tiers.values() for c in COUNTERS):
        return
    private_dir(folder)
    with open(folder / ".counters.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = load(folder)
        for name, tier in stats.tiers.items():
            into = kept["tiers"].setdefault(name, {})
            for counter in COUNTERS:
                into[counter] = int(into.get(counter, 0)) + int(getattr(tier, counter))
        kept["hits"] = int(kept.get("hits", 0)) + stats.hits
        kept["misses"] = int(kept.get("misses", 0)) + stats.misses
        kept["commands"] = int(kept.get("commands", 0)) + 1
        write_private_text(folder / FILE_NAME, json.dumps(kept, indent=1))


def combined(folder: Path, current: CacheStats) -> dict[str, Any]:
    """The kept counters plus this process's, per tier, with entries and bytes as they are now."""
    kept = load(folder)
    tiers: dict[str, dict[str, Any]] = {}
    for name, tier in current.tiers.items():
        before = kept["tiers"].get(name, {})
        row: dict[str, Any] = {c: int(before.get(c, 0)) + int(getattr(tier, c)) for c in COUNTERS}
        row.update(entries=tier.entries, bytes=tier.bytes)
        total = row["hits"] + row["misses"]
        row["hit_rate"] = row["hits"] / total if total else 0.0
        tiers[name] = row
    return {"since": kept["since"], "commands": kept["commands"], **_overall(kept, current), "tiers": tiers, "this_process": current.to_dict()}


def _overall(kept: dict[str, Any], current: CacheStats) -> dict[str, Any]:
    """Overall hits and misses: each lookup counted once (a hot miss that the cold tier
    answered is one hit), as the cache's own overall figures are."""
    hits = int(kept.get("hits", 0)) + current.hits
    misses = int(kept.get("misses", 0)) + current.misses
    return {"hits": hits, "misses": misses, "hit_rate": hits / (hits + misses) if hits + misses else 0.0}


__all__ = ["add", "combined", "load"]
