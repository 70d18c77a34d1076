"""The data-quality report as one self-contained HTML page (inline SVG, inline CSS, no scripts)."""

from __future__ import annotations

from html import escape

from rustybt.app.report.quality import QualityReport, SymbolQuality
from rustybt.app.report.svg import gap_strip, price_chart, volume_chart

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:960px;color:#1b1f24}
h1{font-size:22px;margin-bottom:4px} h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px} td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f3f5f7} td.l,th.l{text-align:left} .meta{color:#555;font-size:13px}
.outlier{fill:#d62728;stroke:#fff;stroke-width:1} .present{fill:#c8d1dc} .missing{fill:#d62728}
.ok{color:#2a7a2a} .bad{color:#b02020}
"""


def render(report: QualityReport) -> str:
    info = report.dataset
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>Data quality — {escape(info.source)} {escape(str(info.resolution))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Data quality: {escape(info.source)} · {escape(str(info.resolution))}</h1>",
        f'<p class="meta">dataset {escape(info.dataset_id)} · {escape(info.start_date.isoformat())} → {escape(info.end_date.isoformat())} · '
        f"{info.row_count:,} rows · checksum {escape(info.checksum[:16])}…</p>",
        _summary(report),
        _failures(report),
        _rejected(report),
    ]
    parts += [_symbol(s) for s in report.symbols]
    parts.append("</body></html>")
    return "".join(parts)


def _summary(report: QualityReport) -> str:
    rows = report.summary_rows()
    head = "".join(f"<th{' class=l' if i == 0 else ''}>{escape(k)}</th>" for i, k in enumerate(rows[0])) if rows else ""
    body = "".join(
        "<tr>" + "".join(f"<td{' class=l' if i == 0 else ''}>{escape(str(v))}</td>" for i, v in enumerate(r.values())) + "</tr>" for r in rows
    )
    return f'<h2>Summary</h2><table id="summary"><tr>{head}</tr>{body}</table>'


def _failures(report: QualityReport) -> str:
    violations = report.validation.violations
    if not violations:
        return '<h2>Validation</h2><p class="ok">Every rule passed.</p>'
    rows = "".join(
        f"<tr><td class=l>{escape(v.rule)}</td><td class=l>{escape(v.severity.value)}</td><td class=l>{escape(v.symbol or '-')}</td>"
        f"<td>{v.count}</td><td class=l>{escape(v.message)}</td><td class=l>{escape(report.where(v))}</td></tr>"
        for v in violations
    )
    return (
        '<h2>Validation failures and flags</h2><table id="failures"><tr><th class=l>rule</th><th class=l>severity</th>'
        f"<th class=l>symbol</th><th>count</th><th class=l>what</th><th class=l>where</th></tr>{rows}</table>"
    )


def _rejected(report: QualityReport) -> str:
    rows = report.rejected_rows()
    if not rows:
        return '<h2>Rejected at ingest</h2><p class="ok">No row was rejected.</p>'
    cells = "".join("<tr>" + "".join(f"<td class=l>{escape(str(v if v is not None else '-'))}</td>" for v in r.values()) + "</tr>" for r in rows)
    head = "".join(f"<th class=l>{escape(k)}</th>" for k in rows[0])
    return f'<h2>Rejected at ingest ({len(rows)})</h2><table id="rejected"><tr>{head}</tr>{cells}</table>'


def _symbol(quality: SymbolQuality) -> str:
    frame = quality.bars
    name = escape(quality.symbol)
    if frame.is_empty():
        return f'<section class="symbol" data-symbol="{name}"><h2>{name}</h2><p>No bars stored.</p></section>'
    times = frame.get_column("timestamp").to_list()
    return (
        f'<section class="symbol" data-symbol="{name}"><h2>{name}</h2>'
        f'<p class="meta">{frame.height:,} bars · {quality.missing} missing · {len(quality.outlier_rows)} outliers flagged · '
        f'<span class="{"bad" if quality.errors else "ok"}">{quality.errors} errors</span></p>'
        + price_chart(times, frame.get_column("close").to_list(), frame.get_column("high").to_list(), frame.get_column("low").to_list(), quality.outlier_rows, title=f"{quality.symbol} price")
        + volume_chart(times, frame.get_column("volume").to_list(), title=f"{quality.symbol} volume")
        + gap_strip(quality.slots, title=f"{quality.symbol} bars present / missing")
        + "</section>"
    )
