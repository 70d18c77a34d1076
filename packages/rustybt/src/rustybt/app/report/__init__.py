"""The data-quality report: assessment, the page model, the interactive pages and the index."""

from rustybt.app.report.html import render, write_page
from rustybt.app.report.page_model import DatasetPage, Marker, SymbolPage, build_page
from rustybt.app.report.quality import QualityReport, SymbolQuality, assess

__all__ = ["DatasetPage", "Marker", "QualityReport", "SymbolPage", "SymbolQuality", "assess", "build_page", "render", "write_page"]
