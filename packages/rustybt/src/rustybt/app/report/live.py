"""``rustybt dashboard``: the report's pages served live from the catalog, as a small ASGI app.

Every page is built from the catalog when asked for (and kept while the dataset's checksum holds);
each page asks ``/state`` every few seconds and reloads itself when the catalog's datasets changed,
so an ingest in another process shows up without a restart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from rustybt.app.container import App
from rustybt.app.report.dataset_pages import dataset_page
from rustybt.app.report.library import plotly_library
from rustybt.app.report.overview import dataset_row, render_index
from rustybt.app.report.page import render_page
from rustybt.app.report.page_model import DatasetPage
from rustybt.domain.errors import RustyBTDataError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
POLL_MS = 2000
HTML = b"text/html; charset=utf-8"


def reload_script(state: str) -> str:
    """Reload the page when the catalog's state is no longer ``state``."""
    return (
        f"<script>setInterval(function(){{fetch('/state',{{cache:'no-store'}}).then(function(r){{return r.json();}})"
        f".then(function(j){{if(j.state!=={json.dumps(state)})location.reload();}}).catch(function(){{}});}},{POLL_MS});</script>"
    )


class Dashboard:
    """The ASGI app: ``/`` the index, ``/datasets/<id>.html`` a dataset's page, ``/state`` the
    catalog's state, ``/plotly-<version>.min.js`` the charting library."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.library = plotly_library()
        self._pages: dict[tuple[str, str], DatasetPage] = {}

    def state(self) -> str:
        """A digest of every dataset's id, checksum and last update."""
        listed = sorted((d.dataset_id, d.checksum, str(d.last_updated)) for d in self.app.catalog.list_datasets())
        return hashlib.sha256(json.dumps(listed).encode()).hexdigest()[:16]

    def page(self, dataset_id: str) -> DatasetPage:
        info = self.app.catalog.get_dataset_info(dataset_id)
        key = (info.dataset_id, info.checksum + str(info.last_updated))
        if key not in self._pages:
            self._pages = {k: v for k, v in self._pages.items() if k[0] != info.dataset_id}
            self._pages[key] = dataset_page(self.app, info)
        return self._pages[key]

    def respond(self, path: str) -> tuple[int, bytes, bytes]:
        if path == "/state":
            return 200, b"application/json", json.dumps({"state": self.state()}).encode()
        if path == f"/{self.library.file_name}":
            return 200, b"text/javascript; charset=utf-8", self.library.code.encode()
        if path in ("/", "/index.html"):
            state = self.state()
            rows = [dataset_row(self.page(d.dataset_id), f"datasets/{d.dataset_id}.html") for d in self.app.catalog.list_datasets()]
            return 200, HTML, render_index(sorted(rows, key=lambda r: (r.bundle or "", r.source, r.dataset_id)), after=reload_script(state)).encode()
        if path.startswith("/datasets/") and path.endswith(".html"):
            state = self.state()
            page = self.page(path.removeprefix("/datasets/").removesuffix(".html"))
            tag = f'<script src="/{self.library.file_name}"></script>'
            return 200, HTML, render_page(page, tag, after=reload_script(state)).encode()
        return 404, b"text/plain; charset=utf-8", f"no page at {path}: try /".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        try:
            status, kind, body = self.respond(str(scope["path"]))
        except RustyBTDataError as error:  # e.g. a dataset removed since the index was drawn
            status, kind, body = 404, b"text/plain; charset=utf-8", " ".join(str(error).split()).encode()
        headers = [(b"content-type", kind), (b"cache-control", b"no-store"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


__all__ = ["Dashboard", "reload_script"]
