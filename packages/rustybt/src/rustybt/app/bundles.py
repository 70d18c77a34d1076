"""Bundle names: a bundle is a folder under ``$RUSTYBT_HOME/bundles/``."""

from __future__ import annotations

import re

from rustybt.domain.errors import InvalidRequestError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_bundle_name(name: str) -> str:
    """``name`` if it is a safe folder name (letters, digits, ``_.-``; no paths), else an error."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise InvalidRequestError(
            f"bundle name {name!r} is not allowed: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return name
