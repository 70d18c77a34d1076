"""The page model as compact JSON for ``dashboard.js``: one block of metadata (navigator, tables)
and one block per symbol (its bars and gap calendar), parsed only when the symbol is opened.

Columns, not records: times are epoch milliseconds, a symbol's bar times are deltas in units of
its bar spacing, repeated strings (rules, kinds, messages) are indices into a list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import polars as pl

from rustybt.app.report.downsample import display_bars
from rustybt.app.report.gap_runs import calendar_days
from rustybt.app.report.page_model import DatasetPage, Marker, SymbolPage

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)


def epoch_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
    return (aware - EPOCH) // _MS


def script_json(value: object) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``<`` can close the tag)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


def meta_payload(page: DatasetPage) -> dict[str, Any]:
    info = page.info
    return {
        "dataset": {
            "id": info.dataset_id,
            "source": info.source,
            "resolution": str(info.resolution),
            "intraday": info.resolution.is_intraday,
            "stepMs": int(info.resolution.duration.total_seconds() * 1000),
            "start": epoch_ms(info.start_date),
            "end": epoch_ms(info.end_date),
            "rows": info.row_count,
            "bundle": info.bundle,
            "exchange": info.exchange,
        },
        "version": {
            "label": page.version.label,
            "checksum": page.version.checksum,
            "updated": epoch_ms(page.version.updated),
        },
        "diff": None if page.diff is None else vars(page.diff),
        "ruleCounts": dict(page.rule_counts),
        "rulesRun": list(page.rules_run),
        "symbols": _symbol_columns(page.symbols),
        "markers": _marker_columns([m for s in page.symbols for m in s.markers], [s.symbol for s in page.symbols]),
        "gaps": {
            "s": [i for i, s in enumerate(page.symbols) for _ in s.gaps],
            "a": [epoch_ms(g.first) for s in page.symbols for g in s.gaps],
            "b": [epoch_ms(g.last) for s in page.symbols for g in s.gaps],
            "n": [g.bars for s in page.symbols for g in s.gaps],
        },
    }


def symbol_payload(symbol: SymbolPage, step_ms: int) -> dict[str, Any]:
    """A symbol's bars (thinned past ``MAX_EMBEDDED_BARS``) and its gap calendar."""
    bars, bucket = display_bars(symbol.bars, timedelta(milliseconds=step_ms))
    times = bars.get_column("timestamp").dt.epoch("ms").to_list()
    unit = _unit(times, step_ms)
    deltas = [(b - a) // unit for a, b in zip([times[0], *times], times, strict=False)] if times else []
    days = calendar_days(symbol.bars.get_column("timestamp"), symbol.missing_times)
    day_numbers = days.get_column("day").cast(pl.Int32).to_list()  # days since 1970-01-01
    return {
        "t0": times[0] if times else 0,
        "u": unit,
        "dt": deltas,
        **{key: bars.get_column(name).to_list() for key, name in (("o", "open"), ("h", "high"), ("l", "low"), ("c", "close"), ("v", "volume"))},
        "bucketMs": int(bucket.total_seconds() * 1000),
        "bars": symbol.bars.height,
        "cal": {
            "d0": day_numbers[0] if day_numbers else 0,
            "dd": [b - a for a, b in zip([day_numbers[0], *day_numbers], day_numbers, strict=False)] if day_numbers else [],
            "e": days.get_column("expected").to_list(),
            "m": days.get_column("missing").to_list(),
        },
    }


def _unit(times: Sequence[int], step_ms: int) -> int:
    """The largest of (bar spacing, one second, one millisecond) that divides every time offset."""
    for unit in (step_ms, 1000, 1):
        if unit > 0 and all((t - times[0]) % unit == 0 for t in times):
            return unit
    return 1


def _symbol_columns(symbols: Sequence[SymbolPage]) -> dict[str, list[Any]]:
    summaries = [s.summary() for s in symbols]
    return {
        "name": [s.symbol for s in symbols],
        "bars": [s.bars.height for s in symbols],
        "first": [epoch_ms(s.bars.get_column("timestamp").min()) if s.bars.height else None for s in symbols],  # type: ignore[arg-type]
        "last": [epoch_ms(s.bars.get_column("timestamp").max()) if s.bars.height else None for s in symbols],  # type: ignore[arg-type]
        "missing": [s.missing for s in symbols],
        "flags": [s.flags for s in symbols],
        "outliers": [x["outliers"] for x in summaries],
        "rejected": [s.rejected_rows for s in symbols],
        "actions": [s.actions for s in symbols],
    }


def _marker_columns(markers: Sequence[Marker], names: Sequence[str]) -> dict[str, list[Any]]:
    index = {name: i for i, name in enumerate(names)}
    kinds: dict[str, int] = {}
    rules: dict[str, int] = {}
    messages: dict[str, int] = {}

    def code(table: dict[str, int], text: str) -> int:
        return table.setdefault(text, len(table))

    columns: dict[str, list[Any]] = {key: [] for key in ("s", "t", "k", "r", "sev", "m", "v", "loc", "p")}
    for m in markers:
        columns["s"].append(index[m.symbol])
        columns["t"].append(epoch_ms(m.time))
        columns["k"].append(code(kinds, m.kind))
        columns["r"].append(code(rules, m.rule))
        columns["sev"].append(m.severity)
        columns["m"].append(code(messages, m.message))
        columns["v"].append("; ".join(f"{k} {v}" for k, v in m.values))
        columns["loc"].append(m.location)
        columns["p"].append(1 if m.panel == "volume" else 0)
    return {**columns, "kinds": list(kinds), "rules": list(rules), "messages": list(messages)}


__all__ = ["epoch_ms", "meta_payload", "script_json", "symbol_payload"]
