"""The ``rustybt`` command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from rustybt.app import __version__
from rustybt.app.cli_context import CliContext
from rustybt.app.commands import register
from rustybt.app.console import err
from rustybt.app.logs import LEVELS, configure_logging
from rustybt.app.private_files import private_umask
from rustybt.app.secrets import redact
from rustybt.domain.errors import RustyBTDataError

log = logging.getLogger("rustybt.cli")


class RustyBTGroup(click.Group):
    """Turns every domain error into one red line and exit status 1 (2 for usage errors);
    the line shows no secret value and no markup of its own. Anything else that escapes a
    command (a bug, a library's own error) is one line too, its traceback logged at DEBUG.
    Files and folders a command creates are private (0600/0700)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with private_umask():
                try:
                    return super().invoke(ctx)
                finally:
                    _finish(ctx)
        except RustyBTDataError as error:
            _fail(str(error))
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as error:  # never a traceback on the terminal
            log.debug("unexpected error", exc_info=True)
            _fail(f"unexpected {type(error).__name__}: {error} (run with --log-level DEBUG for the details)")


def _fail(message: str) -> None:
    line = " ".join(redact(message).split())
    err.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
    sys.exit(1)


def _finish(ctx: click.Context) -> None:
    """Keep this process's cache counters for later commands (``cache_counters``)."""
    cli = ctx.find_object(CliContext)
    if cli is not None:
        cli.finish()


@click.group(cls=RustyBTGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="rustybt")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="RUSTYBT_HOME",
    help="Where bundles, metadata.db, cache/ and config/ live (default: ~/.rustybt or $RUSTYBT_HOME).",
)
@click.option(
    "--log-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    envvar="RUSTYBT_LOG_LEVEL",
    default="WARNING",
    show_default=True,
    help="Log records of this level and above go to stderr (secret values masked).",
)
@click.pass_context
def main(ctx: click.Context, home: Path | None, log_level: str) -> None:
    """RustyBT Data: exact OHLCV bars — ingest, store, find, cache, backtest."""
    configure_logging(log_level)
    ctx.obj = CliContext(home)


register(main)

if __name__ == "__main__":  # pragma: no cover
    main()
