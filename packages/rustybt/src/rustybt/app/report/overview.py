"""``rustybt report --all``: one index page over every dataset, linking each dataset's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape

from rustybt.app.report.library import static_text
from rustybt.app.report.page_model import DatasetPage


@dataclass(frozen=True)
class DatasetRow:
    """One dataset on the index: its numbers and the file name of its page."""

    dataset_id: str
    source: str
    bundle: str | None
    resolution: str
    symbols: int
    rows: int
    first: str
    last: str
    missing_bars: int
    flags: int
    rejected_rows: int
    version: str | None
    updated: datetime | None
    page: str

    def to_dict(self) -> dict[str, object]:
        return {**vars(self), "updated": self.updated.isoformat() if self.updated else None}


def dataset_row(page: DatasetPage, file_name: str) -> DatasetRow:
    info = page.info
    return DatasetRow(
        info.dataset_id,
        info.source,
        info.bundle,
        str(info.resolution),
        len(page.symbols),
        sum(s.bars.height for s in page.symbols),
        info.start_date.date().isoformat(),
        info.end_date.date().isoformat(),
        sum(s.missing for s in page.symbols),
        sum(s.flags for s in page.symbols),
        sum(s.rejected_rows for s in page.symbols),
        page.version.label,
        page.version.updated,
        file_name,
    )


COLUMNS = ("dataset", "source", "bundle", "resolution", "symbols", "rows", "first", "last", "missing bars", "flags", "rejected rows", "version", "updated")

FILTER = """document.getElementById('dataset-search').addEventListener('input',function(e){var q=e.target.value.toLowerCase();
document.querySelectorAll('#datasets tbody tr').forEach(function(r){r.hidden=q&&r.textContent.toLowerCase().indexOf(q)<0;});});"""


def render_index(rows: list[DatasetRow], generated: datetime | None = None, after: str = "") -> str:
    """The index page: one line per dataset, its numbers, a link to its page; ``after`` is markup
    placed last in the body."""
    when = (generated or datetime.now(timezone.utc)).isoformat(sep=" ", timespec="seconds")
    body = "".join(_row(r) for r in rows)
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Data quality — every dataset</title>'
        f"<style>{static_text('dashboard.css')}</style></head><body><header><h1>Data quality — every dataset</h1>"
        f'<p class="meta">{len(rows)} datasets · {sum(r.rows for r in rows):,} bars · written {escape(when)}</p></header>'
        '<main><section><input id="dataset-search" type="search" placeholder="Filter datasets…" aria-label="filter datasets">'
        f'<div class="table-wrap"><table class="grid" id="datasets"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></section></main>'
        f"<script>{FILTER}</script>{after}</body></html>"
    )


def _row(r: DatasetRow) -> str:
    cells = [
        f'<a href="{escape(r.page)}">{escape(r.dataset_id[:12])}</a>',
        escape(r.source),
        escape(r.bundle or ""),
        escape(r.resolution),
        f"{r.symbols:,}",
        f"{r.rows:,}",
        r.first,
        r.last,
        f"{r.missing_bars:,}",
        f"{r.flags:,}",
        f"{r.rejected_rows:,}",
        escape(r.version or "—"),
        escape(r.updated.isoformat(sep=" ", timespec="seconds") if r.updated else "—"),
    ]
    numeric = {4, 5, 8, 9, 10}
    return f'<tr data-dataset="{escape(r.dataset_id)}">' + "".join(f'<td{" class=num" if i in numeric else ""}>{c}</td>' for i, c in enumerate(cells)) + "</tr>"


__all__ = ["DatasetRow", "dataset_row", "render_index"]
