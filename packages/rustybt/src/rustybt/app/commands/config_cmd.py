"""``rustybt config``: show the resolved configuration."""

from __future__ import annotations

import click
import yaml

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out


@click.group()
def config() -> None:
    """Inspect the configuration (defaults ← YAML files ← RUSTYBT_* variables)."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of YAML.")
@pass_cli
def show(cli: CliContext, as_json: bool) -> None:
    """Print every setting in force (secrets masked)."""
    settings = cli.settings
    values = settings.as_dict()
    if as_json:
        emit_json(values)
    else:
        out.print(yaml.safe_dump(values, sort_keys=False).rstrip())
