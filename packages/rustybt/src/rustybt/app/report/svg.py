"""Small self-contained SVG charts: no JavaScript, no external files, readable in any browser."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape

WIDTH = 900


def _scale(values: Sequence[float], lo_px: float, hi_px: float) -> tuple[float, float, list[float]]:
    finite = [v for v in values if v == v]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1.0
    span = hi - lo
    return lo, hi, [hi_px - (v - lo) / span * (hi_px - lo_px) for v in values]


def _x_positions(n: int, left: float, right: float) -> list[float]:
    if n <= 1:
        return [left] * n
    step = (right - left) / (n - 1)
    return [left + i * step for i in range(n)]


def price_chart(
    times: Sequence[datetime | date],
    close: Sequence[float],
    high: Sequence[float],
    low: Sequence[float],
    marked: Sequence[int],
    *,
    title: str,
    height: int = 220,
) -> str:
    """Close as a line over a high-low band; ``marked`` rows drawn as red circles."""
    left, right, top, bottom = 60.0, WIDTH - 10.0, 20.0, height - 25.0
    n = len(times)
    xs = _x_positions(n, left, right)
    lo, hi, _ = _scale([*high, *low], top, bottom)
    span = hi - lo

    def y(v: float) -> float:
        return bottom - (v - lo) / span * (bottom - top)

    band = " ".join(f"{xs[i]:.1f},{y(high[i]):.1f}" for i in range(n))
    band += " " + " ".join(f"{xs[i]:.1f},{y(low[i]):.1f}" for i in reversed(range(n)))
    line = " ".join(f"{xs[i]:.1f},{y(close[i]):.1f}" for i in range(n))
    dots = "".join(
        f'<circle class="outlier" cx="{xs[i]:.1f}" cy="{y(close[i]):.1f}" r="4"><title>{escape(str(times[i]))}: close {close[i]:g}</title></circle>'
        for i in marked
        if 0 <= i < n
    )
    return (
        f'<svg class="chart price" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" width="100%">'
        f"<title>{escape(title)}</title>"
        f'<polygon points="{band}" fill="#cfe3f7" stroke="none"/>'
        f'<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="1.3"/>'
        f"{dots}{_axes(times, lo, hi, left, right, top, bottom)}</svg>"
    )


def volume_chart(times: Sequence[datetime | date], volume: Sequence[float], *, title: str, height: int = 110) -> str:
    """Volume as bars."""
    left, right, top, bottom = 60.0, WIDTH - 10.0, 10.0, height - 25.0
    n = len(times)
    xs = _x_positions(n, left, right)
    lo, hi, ys = _scale([0.0, *volume], top, bottom)
    ys = ys[1:]
    width = max((right - left) / max(n, 1) * 0.8, 0.5)
    bars = "".join(f'<rect x="{xs[i] - width / 2:.1f}" y="{ys[i]:.1f}" width="{width:.1f}" height="{bottom - ys[i]:.1f}"/>' for i in range(n))
    return (
        f'<svg class="chart volume" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" width="100%">'
        f'<title>{escape(title)}</title><g fill="#8a9bb0">{bars}</g>{_axes(times, lo, hi, left, right, top, bottom)}</svg>'
    )


def gap_strip(slots: Sequence[tuple[str, bool]], *, title: str) -> str:
    """A calendar strip: one cell per expected bar slot, grey if present, red if missing."""
    n = max(len(slots), 1)
    cell = (WIDTH - 70) / n
    cells = "".join(
        f'<rect class="{"missing" if missing else "present"}" x="{60 + i * cell:.2f}" y="4" width="{max(cell, 0.6):.2f}" height="18"><title>{escape(label)}{" — missing" if missing else ""}</title></rect>'
        for i, (label, missing) in enumerate(slots)
    )
    first = escape(slots[0][0]) if slots else ""
    last = escape(slots[-1][0]) if slots else ""
    return (
        f'<svg class="chart gaps" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} 44" width="100%">'
        f"<title>{escape(title)}</title>{cells}"
        f'<text x="60" y="38" font-size="11">{first}</text><text x="{WIDTH - 10}" y="38" font-size="11" text-anchor="end">{last}</text></svg>'
    )


def _axes(times: Sequence[datetime | date], lo: float, hi: float, left: float, right: float, top: float, bottom: float) -> str:
    first = escape(str(times[0])[:16]) if times else ""
    last = escape(str(times[-1])[:16]) if times else ""
    return (
        f'<g class="axes" font-size="11" fill="#333">'
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#999"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{hi:,.6g}</text>'
        f'<text x="{left - 4}" y="{bottom}" text-anchor="end">{lo:,.6g}</text>'
        f'<text x="{left}" y="{bottom + 16}">{first}</text>'
        f'<text x="{right}" y="{bottom + 16}" text-anchor="end">{last}</text></g>'
    )
