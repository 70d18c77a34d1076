"""The subcommands of ``rustybt``."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    from rustybt.app.commands.config_cmd import config

    for command in (config,):
        group.add_command(command)
