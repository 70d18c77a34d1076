"""The data-quality report: assessment, SVG charts and the HTML page."""

from rustybt.app.report.html import render
from rustybt.app.report.quality import QualityReport, SymbolQuality, assess

__all__ = ["QualityReport", "SymbolQuality", "assess", "render"]
