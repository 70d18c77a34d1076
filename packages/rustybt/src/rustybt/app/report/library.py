"""plotly.js, the charting library of the pages: read from the ``plotly`` wheel (MIT licence),
then inlined into a page or written beside it once. Nothing is fetched at view time."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rustybt.app.report.files import write_text_atomic
from rustybt.domain.errors import NotInstalledError

STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class ChartLibrary:
    """The library's code and the file name it takes beside a page."""

    code: str
    version: str

    @property
    def file_name(self) -> str:
        return f"plotly-{self.version}.min.js"

    def inline_tag(self) -> str:
        return f"<script>{self.code}</script>"

    def tag_beside(self, folder: Path) -> str:
        """Write the library into ``folder`` (unless already there) and return the tag loading it."""
        target = folder / self.file_name
        if not target.exists() or target.stat().st_size != len(self.code.encode()):
            write_text_atomic(target, self.code)
        return f'<script src="{self.file_name}"></script>'


@cache
def plotly_library() -> ChartLibrary:
    """plotly.js as the installed ``plotly`` package ships it (``package_data/plotly.min.js``)."""
    spec = importlib.util.find_spec("plotly")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / "package_data" / "plotly.min.js"
        if path.is_file():
            code = path.read_text(encoding="utf-8")
            if "</script" in code.lower():  # could not be inlined safely
                code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
            found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", code[:500])
            return ChartLibrary(code, found.group(1) if found else "bundled")
    raise NotInstalledError("the report's charts need plotly.js from the 'plotly' package: pip install 'plotly>=6'")


@cache
def static_text(name: str) -> str:
    """A file of the page's own code (``static/``)."""
    return (STATIC / name).read_text(encoding="utf-8")


__all__ = ["ChartLibrary", "plotly_library", "static_text"]
