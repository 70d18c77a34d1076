"""``rustybt secrets``: exchange credentials, encrypted at rest (AES-256-GCM)."""

from __future__ import annotations

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import out
from rustybt.app.secrets import SecretStore


@click.group()
def secrets() -> None:
    """Store exchange API keys encrypted (key from RUSTYBT_SECRET_KEY or config/secret.key)."""


@secrets.command("init")
@pass_cli
def init(cli: CliContext) -> None:
    """Create a new random key file (mode 0600) under the home's config/."""
    path = cli.settings.home / "config" / "secret.key"
    if path.exists():
        raise click.ClickException(f"{path} already exists; remove it first to replace the key (stored secrets would be lost)")
    SecretStore.create_key(path)
    out.print(f"created {path} (keep it out of version control)")


@secrets.command("set")
@click.argument("name")
@click.option("--value", prompt=True, hide_input=True, help="The secret (prompted without echo when omitted).")
@pass_cli
def set_(cli: CliContext, name: str, value: str) -> None:
    """Store NAME (e.g. ccxt.binance.apiKey)."""
    SecretStore.from_environment(cli.settings.home).set(name, value)
    out.print(f"stored {name}")


@secrets.command("list")
@pass_cli
def list_(cli: CliContext) -> None:
    """Names of the stored secrets (never their values)."""
    for name in SecretStore.from_environment(cli.settings.home).names():
        out.print(name)


@secrets.command("delete")
@click.argument("name")
@pass_cli
def delete(cli: CliContext, name: str) -> None:
    """Delete NAME."""
    found = SecretStore.from_environment(cli.settings.home).delete(name)
    out.print(f"deleted {name}" if found else f"no secret named {name}")
