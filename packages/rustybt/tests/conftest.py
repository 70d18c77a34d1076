"""Fixtures for the composition root's tests: a headless browser and sample bars."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
    binary = _require_browser()

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


PLAYWRIGHT_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def _require_browser() -> str:
    binary = _browser()
    if binary is None:
        if os.environ.get("RUSTYBT_REQUIRE_SERVICES") == "1":
            pytest.fail("chromium is required (RUSTYBT_REQUIRE_SERVICES=1) but not installed: apt-get install chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return binary


@dataclass
class BrowserTab:
    """A fresh tab that records console errors and uncaught exceptions."""

    page: Page
    errors: list[str]

    def open(self, path: Path, ready: str = "body[data-ready]") -> None:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector(ready)


@pytest.fixture
def tab() -> Iterator[BrowserTab]:
    """Debian's Chromium driven by Playwright (no browser download), headless, one per test: the
    sync driver keeps an event loop running while it is open, so nothing outlives the test."""
    binary = _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=binary, args=PLAYWRIGHT_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            yield BrowserTab(page, errors)
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where browser tests leave pictures of what a user sees (kept with pytest's temp folders)."""
    return tmp_path_factory.mktemp("screenshots")


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
