"""Running the ``rustybt`` command in tests: in-process (CliRunner) or as a real process, and
what a clean failure looks like (one line, the right exit status, no traceback)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from rustybt.app.cli import main

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
CSVDIR = SHARED / "zipline-test-resources" / "csvdir_samples" / "csvdir" / "daily"
LEAN_DAILY = SHARED / "lean" / "Data" / "equity" / "usa" / "daily"
MAPPING = "schema_mapping={date_column: date, open_column: open, high_column: high, low_column: low, close_column: close, volume_column: volume}"
LEAN_OPTIONS = [
    "--option", "has_header=false", "--option", "column_names=[date, open, high, low, close, volume]",
    "--option", MAPPING, "--option", "date_format=%Y%m%d %H:%M", "--option", "price_scale=10000",
]  # fmt: skip


def run(home: Path, *args: str) -> Result:
    """``rustybt --home HOME ARGS`` in this process; exceptions are not swallowed."""
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def run_process(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``rustybt`` as a separate process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUSTYBT_") or k == "RUSTYBT_REQUIRE_SERVICES"}
    return subprocess.run(
        [sys.executable, "-m", "rustybt.app.cli", "--home", str(home), *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


def assert_one_line_failure(result: Result, status: int = 1) -> str:
    """The command failed with ``status``, saying why in one line, with no traceback."""
    assert result.exit_code == status, (result.exit_code, result.output)
    text = result.stderr.strip()
    assert "Traceback" not in result.output and "Traceback" not in text, result.output
    lines = [line for line in text.splitlines() if line.strip()]
    if status == 2:  # click's usage text: the error is its last line
        assert lines[-1].startswith("Error:"), text
        return lines[-1]
    assert len(lines) == 1, text
    assert lines[0].startswith(("error:", "Aborted!")), text  # Aborted!: a confirmation declined
    return lines[0]


def home_state(home: Path) -> dict[str, str]:
    """Every file under the home and a hash of its bytes (the catalog's, the bars', zipline's),
    leaving out lock files, which a command may create without changing anything."""
    state = {}
    for path in sorted(home.rglob("*")):
        if path.is_file() and not path.name.endswith(".lock"):
            state[str(path.relative_to(home))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def loose_modes(home: Path) -> list[str]:
    """Files not 0600 and folders not 0700 under the home (links left out)."""
    found = []
    for path in [home, *home.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode != (0o700 if path.is_dir() else 0o600):
            found.append(f"{oct(mode)} {path.relative_to(home)}")
    return found
