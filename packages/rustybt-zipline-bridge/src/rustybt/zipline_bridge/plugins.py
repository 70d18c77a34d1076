"""Implementations chosen by name through entry points, so the bridge imports none of them."""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from rustybt.domain.errors import NotInstalledError

BAR_WRITERS = "rustybt.bar_writers"
CATALOGS = "rustybt.catalogs"
BUNDLE_LOADERS = "rustybt.bundle_loaders"


def load_plugin(group: str, name: str) -> Any:
    """The object an entry point ``name`` of ``group`` names; ``NotInstalledError`` when absent."""
    found = entry_points(group=group)
    if name not in found.names:
        installed = ", ".join(sorted(found.names)) or "none"
        raise NotInstalledError(f"no {group!r} entry point named {name!r} is installed (installed: {installed})")
    return found[name].load()


def rustybt_home(environ: dict[str, str] | None = None) -> Path:
    """``$RUSTYBT_HOME``, default ``~/.rustybt``."""
    env = os.environ if environ is None else environ
    return Path(env.get("RUSTYBT_HOME") or Path.home() / ".rustybt").expanduser()
