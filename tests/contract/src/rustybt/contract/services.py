"""Tests that need a real server or an optional driver: skip with the reason, or fail when
``RUSTYBT_REQUIRE_SERVICES=1`` (CI sets it, so nothing is silently left out there)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest

REQUIRE_SERVICES = "RUSTYBT_REQUIRE_SERVICES"


def services_required() -> bool:
    """True when a missing server or driver must fail the run instead of skipping."""
    return os.environ.get(REQUIRE_SERVICES) == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip the test (module, fixture) with ``reason``, or fail it when services are required."""
    if services_required():
        pytest.fail(f"{reason}, and {REQUIRE_SERVICES}=1 requires it")
    pytest.skip(reason, allow_module_level=True)


def import_or_skip(module: str, install: str) -> ModuleType:
    """``import module``, or ``unavailable`` naming what to install (e.g. ``rustybt-cache[redis]``)."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        unavailable(f"the {module!r} driver is not installed ({err}); pip install '{install}'")
