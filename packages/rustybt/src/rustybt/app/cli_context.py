"""The object every subcommand receives: settings and the application, built on first use."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from rustybt.app.config import Settings, load_settings
from rustybt.app.container import App, build_container


class CliContext:
    """Lazily built application shared by subcommands."""

    def __init__(self, home: Path | None) -> None:
        self.home = home
        self._app: App | None = None

    @property
    def settings(self) -> Settings:
        return self.app.settings if self._app is not None else load_settings(self.home)

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = build_container(load_settings(self.home))
        return self._app

    def finish(self) -> None:
        """After the command: add its cache counters to the kept ones, when it used the cache."""
        if self._app is None or not self._app.cache_used:
            return
        from rustybt.app import cache_counters

        with contextlib.suppress(OSError):  # a read-only home: the counters stay this process's
            cache_counters.add(self._app.cache_dir, self._app.cache.get_stats())


pass_cli = click.make_pass_decorator(CliContext)
