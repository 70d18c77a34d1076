"""Writing the pages: a dataset's page as one HTML string or as a file with plotly.js beside it."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rustybt.app.report.files import write_text_atomic
from rustybt.app.report.library import plotly_library
from rustybt.app.report.page import render_page
from rustybt.app.report.page_model import DatasetPage, build_page
from rustybt.app.report.quality import QualityReport


def render(report: QualityReport, actions: pl.DataFrame | None = None, rejections: pl.DataFrame | None = None) -> str:
    """The page of ``report`` as one self-contained HTML file (plotly.js inlined)."""
    return render_page(build_page(report, actions, rejections), plotly_library().inline_tag())


def write_page(page: DatasetPage, path: Path, *, inline: bool = False) -> Path:
    """Write ``page`` to ``path`` (atomically), plotly.js inlined or in a file beside it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    library = plotly_library()
    tag = library.inline_tag() if inline else library.tag_beside(path.parent)
    write_text_atomic(path, render_page(page, tag))
    return path


__all__ = ["render", "write_page"]
