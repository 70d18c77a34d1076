"""The ``rustybt`` command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rustybt.app import __version__
from rustybt.app.cli_context import CliContext
from rustybt.app.commands import register
from rustybt.app.console import err
from rustybt.domain.errors import RustyBTDataError


class RustyBTGroup(click.Group):
    """Turns every domain error into one red line and exit status 1 (2 for usage errors)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RustyBTDataError as error:
            err.print(f"[red]error:[/red] {error}")
            sys.exit(1)


@click.group(cls=RustyBTGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="rustybt")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="RUSTYBT_HOME",
    help="Where bundles, metadata.db, cache/ and config/ live (default: ~/.rustybt or $RUSTYBT_HOME).",
)
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """RustyBT Data: exact OHLCV bars — ingest, store, find, cache, backtest."""
    ctx.obj = CliContext(home)


register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
