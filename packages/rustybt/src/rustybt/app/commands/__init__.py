"""The subcommands of ``rustybt``."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    from rustybt.app.commands.cache_cmd import cache
    from rustybt.app.commands.catalog_cmd import catalog
    from rustybt.app.commands.config_cmd import config
    from rustybt.app.commands.dashboard_cmd import dashboard
    from rustybt.app.commands.demo_cmd import demo
    from rustybt.app.commands.ingest_cmd import ingest
    from rustybt.app.commands.report_cmd import report
    from rustybt.app.commands.run_cmd import run
    from rustybt.app.commands.secrets_cmd import secrets

    for command in (demo, ingest, run, catalog, cache, report, dashboard, config, secrets):
        group.add_command(command)
