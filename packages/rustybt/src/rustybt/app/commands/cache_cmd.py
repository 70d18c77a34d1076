"""``rustybt cache``: statistics and clearing."""

from __future__ import annotations

import click

from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table


@click.group()
def cache() -> None:
    """The bar cache (hot in-memory tier and shared/cold tier)."""


@cache.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def stats(cli: CliContext, as_json: bool) -> None:
    """Hits, misses, hit rate, evictions, bytes and entries per tier."""
    current = cli.app.cache.get_stats()
    if as_json:
        emit_json(current.to_dict())
        return
    rows = [
        {"tier": name, "hits": t.hits, "misses": t.misses, "hit rate": f"{t.hit_rate:.1%}", "evictions": t.evictions, "entries": t.entries, "bytes": t.bytes}
        for name, t in current.tiers.items()
    ]
    table("Cache", rows)
    out.print(f"overall hit rate {current.hit_rate:.1%} ({current.hits} hits, {current.misses} misses)")


@cache.command("clear")
@pass_cli
def clear(cli: CliContext) -> None:
    """Drop every cached entry of every tier."""
    cli.app.cache.clear()
    out.print("cache cleared")
