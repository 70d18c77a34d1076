"""``rustybt dashboard`` as a user runs it: a real server process on 127.0.0.1, real Chromium;
a dataset ingested by another process appears on the open index page without a restart."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
SHARED = Path(__file__).resolve().parents[4] / ".." / "shared" / "data"
CSVDIR = SHARED / "zipline-test-resources" / "csvdir_samples" / "csvdir" / "daily"
MAPPING = "schema_mapping={date_column: date, open_column: open, high_column: high, low_column: low, close_column: close, volume_column: volume}"


def rustybt(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [shutil.which("rustybt") or sys.executable, *([] if shutil.which("rustybt") else ["-m", "rustybt.app.cli"]), "--home", str(home), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def ingest(home: Path, symbol: str, bundle: str) -> None:
    done = rustybt(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", symbol,
                   "--start", "2013-01-01", "--end", "2013-12-31", "--option", MAPPING, "--bundle", bundle, "--json")
    assert done.returncode == 0, done.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    home = tmp_path / "home"
    ingest(home, "AAPL", "one")
    port = free_port()
    command = [shutil.which("rustybt") or sys.executable, *([] if shutil.which("rustybt") else ["-m", "rustybt.app.cli"])]
    process = subprocess.Popen([*command, "--home", str(home), "dashboard", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/state", timeout=5) as answer:
                    assert answer.status == 200
                break
            except (urllib.error.URLError, OSError):  # not listening yet, or still starting
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.3)
        yield home, url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_pages_are_served_live_and_follow_an_ingest(server: tuple[Path, str], tab: Any, screenshots: Path) -> None:
    home, url = server
    tab.page.goto(url + "/")
    tab.page.wait_for_selector("#datasets tbody tr")
    assert tab.page.locator("#datasets tbody tr").count() == 1
    ingest(home, "KO", "two")  # another process changes the catalog
    tab.page.wait_for_function("() => document.querySelectorAll('#datasets tbody tr').length === 2", timeout=30_000)
    tab.page.screenshot(path=str(screenshots / "live-index.png"))
    tab.page.locator("#datasets tbody tr", has_text="two").locator("a").click()
    tab.page.wait_for_selector("body[data-ready]")
    tab.page.locator("#symbol-list a", has_text="KO").click()
    tab.page.wait_for_selector("#symbol-view[data-ready='KO']")
    assert tab.page.evaluate("() => document.querySelector('#price-chart').data[0].type") == "candlestick"
    assert tab.errors == []
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{url}/datasets/no-such-id.html", timeout=5)
    assert missing.value.code == 404
    assert b"no-such-id" in missing.value.read()
    assert os.environ.get("RUSTYBT_HOME") != str(home)  # the server used the home it was given
