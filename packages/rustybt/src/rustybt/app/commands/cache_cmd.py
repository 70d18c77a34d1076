"""``rustybt cache``: statistics and clearing."""

from __future__ import annotations

import click

from rustybt.app import cache_counters
from rustybt.app.cli_context import CliContext, pass_cli
from rustybt.app.console import emit_json, out, table


@click.group()
def cache() -> None:
    """The bar cache (hot in-memory tier and shared/cold tier)."""


@cache.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def stats(cli: CliContext, as_json: bool) -> None:
    """Hits, misses, hit rate and evictions of every command since the counters began (each
    command adds its own when it ends), with the entries and bytes each tier holds now."""
    app = cli.app
    totals = cache_counters.combined(app.cache_dir, app.cache.get_stats())
    if as_json:
        emit_json(totals)
        return
    rows = [
        {"tier": name, "hits": t["hits"], "misses": t["misses"], "hit rate": f"{t['hit_rate']:.1%}", "evictions": t["evictions"], "entries": t["entries"], "bytes": t["bytes"]}
        for name, t in totals["tiers"].items()
    ]
    table(f"Cache (counters of {totals['commands']} command(s) since {totals['since']})", rows)
    out.print(f"overall hit rate {totals['hit_rate']:.1%} ({totals['hits']} hits, {totals['misses']} misses)")


@cache.command("clear")
@pass_cli
def clear(cli: CliContext) -> None:
    """Drop every cached entry of every tier (the counters are kept)."""
    cli.app.cache.clear()
    out.print("cache cleared")
