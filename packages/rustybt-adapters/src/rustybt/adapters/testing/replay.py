"""A loopback HTTP server answering from recorded (or generated) responses.

Routes map a path (or, ending in ``/*``, every path below a prefix) to a handler that receives the query string and returns a ``Response``.
Failures can be queued per path (``fail_next``) to exercise rate limits and server errors.
Every request is logged in ``requests`` as ``(path, query)``.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Query = dict[str, str]


@dataclass(frozen=True)
class Response:
    """What one request gets back."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[Query], Response]


class ReplayServer:
    """Serves ``routes`` on 127.0.0.1 (a free port) from a background thread."""

    def __init__(self, routes: dict[str, Handler] | None = None) -> None:
        self.routes: dict[str, Handler] = dict(routes or {})
        self.requests: list[tuple[str, Query]] = []
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def fail_next(self, path: str, *statuses: int) -> None:
        """The next requests to ``path`` get these HTTP statuses instead of their answer."""
        with self._lock:
            self._failures[path].extend(statuses)

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, query: Query) -> Response:
        with self._lock:
            self.requests.append((path, query))
            queued = self._failures.get(path)
            status = queued.popleft() if queued else None
        if status is not None:
            return _failure(status)
        handler = self.routes.get(path) or self._prefix_route(path)
        if handler is None:
            return Response({"error": f"no route {path}"}, status=404)
        return handler({**query, "__path__": path})

    def _prefix_route(self, path: str) -> Handler | None:
        """A route registered as ``"/some/prefix/*"`` answers every path below the prefix."""
        matches = [p for p in self.routes if p.endswith("/*") and path.startswith(p[:-1])]
        return self.routes[max(matches, key=len)] if matches else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                response = server.answer(parts.path, query)
                body = response.encoded()
                self.send_response(response.status)
                headers = {"Content-Type": "application/json", **response.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return

        return _Handler


def _failure(status: int) -> Response:
    if status == 429:
        return Response(
            {"code": -1003, "msg": "Too many requests; rate limit exceeded."}, status=429, headers={"Retry-After": "0"}
        )
    return Response(
        f"<html><body>{status} Service Unavailable</body></html>", status=status, headers={"Content-Type": "text/html"}
    )


__all__ = ["Handler", "Query", "ReplayServer", "Response"]
