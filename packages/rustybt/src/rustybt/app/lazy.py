"""Import an implementation only when it is first built, so a user installs only what they use."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from rustybt.domain.errors import NotInstalledError


def lazy(target: str, distribution: str) -> Callable[..., Any]:
    """A callable that imports ``module:attr`` on first call and calls it.

    A missing module raises ``NotInstalledError`` naming the distribution to install.
    """
    module_name, _, attribute = target.partition(":")

    def build(*args: Any, **kwargs: Any) -> Any:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            raise NotInstalledError(
                f"{target} is not installed: pip install {distribution}"
            ) from err
        return getattr(module, attribute)(*args, **kwargs)

    build.__name__ = attribute
    build.__qualname__ = attribute
    return build
