"""``rustybt dashboard``: the data-quality pages served live on 127.0.0.1."""

from __future__ import annotations

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import out


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@pass_cli
def dashboard(cli: CliContext, host: str, port: int) -> None:
    """Serve the data-quality pages of every dataset in the catalog, built when opened; open pages
    reload themselves after an ingest. Ctrl-C stops."""
    import uvicorn

    from rustybt.app.report.live import Dashboard

    server = Dashboard(cli.app)
    out.print(f"data-quality dashboard of {cli.app.settings.home} on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(server, host=host, port=port, log_level="warning", lifespan="on")


__all__ = ["dashboard"]
