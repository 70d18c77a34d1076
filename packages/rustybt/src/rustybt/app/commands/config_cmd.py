"""``rustybt config``: show the resolved configuration."""

from __future__ import annotations

import click
import yaml

from rustybt.app.config import load_settings
from rustybt.app.console import emit_json, out


@click.group()
def config() -> None:
    """Inspect the configuration (defaults ← YAML files ← RUSTYBT_* variables)."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of YAML.")
@click.pass_obj
def show(obj: object, as_json: bool) -> None:
    """Print every setting in force (secrets masked)."""
    settings = load_settings(getattr(obj, "home", None))
    values = settings.as_dict()
    if as_json:
        emit_json(values)
    else:
        out.print(yaml.safe_dump(values, sort_keys=False).rstrip())
