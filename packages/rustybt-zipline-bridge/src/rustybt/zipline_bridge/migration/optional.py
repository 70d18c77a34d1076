"""Optional readers of bundle formats: a missing one names the extra that installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from rustybt.domain.errors import NotInstalledError


def require(module: str) -> ModuleType:
    """Import ``module`` or raise ``NotInstalledError`` naming ``rustybt-zipline-bridge[migration]``."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise NotInstalledError(
            f"reading this bundle needs {module!r}: pip install 'rustybt-zipline-bridge[migration]'"
        ) from err
