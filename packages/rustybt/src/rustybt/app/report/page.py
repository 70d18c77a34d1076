"""A dataset's data-quality page as HTML: the page model's JSON in ``<script>`` blocks (one per
symbol, parsed when the symbol is opened), ``dashboard.js`` to draw it with plotly.js."""

from __future__ import annotations

from html import escape

from rustybt.app.report.library import static_text
from rustybt.app.report.page_model import DatasetPage
from rustybt.app.report.payload import meta_payload, script_json, symbol_payload

TABS = (("flags", "Flags"), ("rejections", "Rejected rows"), ("gaps", "Gaps"), ("actions", "Corporate actions"))


def render_page(page: DatasetPage, library_tag: str, after: str = "") -> str:
    """The page's HTML; ``library_tag`` loads plotly.js (inline or from a file beside the page);
    ``after`` is markup placed last in the body."""
    info = page.info
    step_ms = int(info.resolution.duration.total_seconds() * 1000)
    title = f"Data quality — {info.source} · {info.resolution}"
    blocks = "".join(
        f'<script type="application/json" id="rbt-sym-{i}">{script_json(symbol_payload(s, step_ms))}</script>'
        for i, s in enumerate(page.symbols)
    )
    rules = "".join(f"<span>{escape(rule)}: {count:,}</span>" for rule, count in sorted(page.rule_counts.items())) or "<span>every rule passed</span>"
    tabs = "".join(
        f'<button type="button" data-tab="tab-{key}" aria-selected="{str(i == 0).lower()}">{label}</button>' for i, (key, label) in enumerate(TABS)
    )
    panes = "".join(f'<div class="tab" id="tab-{key}"{"" if i == 0 else " hidden"}><div id="{key}-table"></div></div>' for i, (key, _) in enumerate(TABS))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{static_text('dashboard.css')}</style>{library_tag}</head>"
        f'<body data-dataset="{escape(info.dataset_id)}"><header><h1>{escape(title)}</h1>'
        f'<p class="meta">dataset <code>{escape(info.dataset_id)}</code>{_bundle(page)} · {escape(_span(page))} · {info.row_count:,} rows · {len(page.symbols):,} symbols</p>'
        f"{_version(page)}</header>"
        '<div id="app"><nav aria-label="symbols"><input id="symbol-search" type="search" placeholder="Search symbols…" aria-label="search symbols">'
        '<div id="symbol-count"></div><ul id="symbol-list"></ul></nav><main>'
        '<noscript><p>This page draws its charts and tables with JavaScript.</p></noscript>'
        f'<section id="overview"><h2>Rules</h2><div class="rules">{rules}</div>'
        '<h2>Symbols</h2><p class="hint">Open a symbol from the list or the table. Drag on a chart to zoom, double-click to reset.</p>'
        '<div id="symbols-table"></div></section>'
        '<section id="symbol-view" hidden><h2 id="symbol-title"></h2><p class="meta" id="symbol-stats"></p>'
        '<div id="price-chart"></div><h3>Gap calendar</h3><div id="calendar-chart"></div>'
        '<h3>Gaps</h3><div id="symbol-gaps"></div><h3>Flags, rejected rows and corporate actions</h3><div id="symbol-markers"></div></section>'
        f'{_diff(page)}<section id="tables"><h2>Every flag, rejection, gap and corporate action</h2><div id="tabs" role="tablist">{tabs}</div>{panes}</section>'
        "</main></div>"
        f'<script type="application/json" id="rbt-meta">{script_json(meta_payload(page))}</script>{blocks}'
        f"<script>{static_text('table.js')}</script><script>{static_text('dashboard.js')}</script>{after}</body></html>"
    )


def _bundle(page: DatasetPage) -> str:
    return f" · bundle <code>{escape(page.info.bundle)}</code>" if page.info.bundle else ""


def _span(page: DatasetPage) -> str:
    info = page.info
    return f"{info.resolution} bars {info.start_date.date().isoformat()} → {info.end_date.date().isoformat()}"


def _version(page: DatasetPage) -> str:
    """Which state of the dataset the page shows (the store's version label once it keeps one)."""
    version = page.version
    label = f"version {escape(version.label)} · " if version.label else ""
    updated = version.updated.isoformat(sep=" ", timespec="seconds") if version.updated else "unknown"
    return (
        f'<p class="meta" id="version" data-version="{escape(version.label or "")}" data-checksum="{escape(version.checksum)}">'
        f"{label}state of {escape(updated)} · checksum <code>{escape(version.checksum[:16])}</code></p>"
    )


def _diff(page: DatasetPage) -> str:
    diff = page.diff
    if diff is None:
        return ""
    return (
        f'<section id="diff"><h2>Changes from version {escape(diff.base)} to {escape(diff.target)}</h2>'
        f'<p class="meta">{diff.added:,} bars added · {diff.replaced:,} replaced · {diff.removed:,} removed</p></section>'
    )


__all__ = ["render_page"]
