"""Fixtures for the composition root's tests: a headless browser and sample bars."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@dataclass
class PageLoad:
    dom: str
    log: str

    @property
    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions the page produced."""
        return [line for line in self.log.splitlines() if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)]


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def load_page() -> Callable[[Path], PageLoad]:
    """Load a local HTML file in real headless Chromium; return the rendered DOM and the log."""
    binary = _browser()
    if binary is None:
        if os.environ.get("RUSTYBT_REQUIRE_SERVICES") == "1":
            pytest.fail("chromium is required (RUSTYBT_REQUIRE_SERVICES=1) but not installed: apt-get install chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")

    def load(path: Path) -> PageLoad:
        with tempfile.TemporaryDirectory() as profile:
            done = subprocess.run(
                [binary, *BROWSER_FLAGS, f"--user-data-dir={profile}", "--dump-dom", path.resolve().as_uri()],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        assert done.returncode == 0, done.stderr[-2000:]
        return PageLoad(done.stdout, done.stderr)

    return load


@pytest.fixture(scope="session")
def redis_url() -> object:
    """A real redis-server on 127.0.0.1 for the session (skips without the binary unless
    RUSTYBT_REQUIRE_SERVICES=1)."""
    from rustybt.cache.testing import RedisServer

    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("RUSTYBT_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is required (RUSTYBT_REQUIRE_SERVICES=1) but not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
