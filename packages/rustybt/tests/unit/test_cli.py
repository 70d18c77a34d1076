"""The command line: --help, --version, config."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rustybt.app.cli import main


def test_version_and_help() -> None:
    runner = CliRunner()
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0 and "rustybt" in version.output and "0.1.0" in version.output
    helped = runner.invoke(main, ["--help"])
    assert helped.exit_code == 0
    assert "config" in helped.output


def test_config_show_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "config", "show", "--json"], env={"RUSTYBT_HOT_CACHE_SIZE_MB": "77"})
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["cache"]["hot_cache_size_mb"] == 77
    assert shown["home"] == str(tmp_path)


def test_bad_config_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "data_catalog.yaml").write_text("cache:\n  kind: nope\n")
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "config", "show"])
    assert result.exit_code == 1
    assert "cache.kind is 'nope'" in result.output


MEMORY = {"RUSTYBT_CATALOG_KIND": "memory", "RUSTYBT_CACHE_KIND": "memory", "RUSTYBT_STORAGE_KIND": "memory"}


def test_catalog_commands_report_unknown_datasets_clearly(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["--home", str(tmp_path), "catalog", "list", "--json"], env=MEMORY)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == []
    shown = runner.invoke(main, ["--home", str(tmp_path), "catalog", "show", "no-such-id"], env=MEMORY)
    assert shown.exit_code == 1
    assert "no dataset with id 'no-such-id'" in shown.output
