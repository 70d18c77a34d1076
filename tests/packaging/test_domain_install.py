"""`pip install packages/rustybt-domain` in an empty venv brings polars and nothing heavier."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("pandas", "pyarrow", "sqlalchemy", "zipline-reloaded", "numpy", "requests", "ccxt")


@pytest.mark.slow
def test_domain_installs_alone(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not installed: the README command installs it (pip install uv)")
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), str(ROOT / "packages" / "rustybt-domain")], check=True)
    listed = subprocess.run([uv, "pip", "list", "--python", str(python), "--format", "freeze"], check=True, capture_output=True, text=True).stdout
    names = {line.split("==")[0].lower() for line in listed.splitlines() if line}
    assert "polars" in names
    assert "rustybt-domain" in names
    assert not names & set(FORBIDDEN), names
    probe = "import rustybt.domain as d, sys; assert 'pandas' not in sys.modules and 'pyarrow' not in sys.modules; print(d.Resolution.parse('1h'))"
    shown = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True).stdout
    assert shown.strip() == "1h"
