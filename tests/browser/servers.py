"""Small HTTP servers for the browser tests: a host page on its own origin, and (until the real
API is wired in) a stand-in for the widget's JSON routes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Response = tuple[int, dict[str, str], bytes]
Handler = Callable[[str, dict[str, list[str]]], Response | None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    return free_port()


class ThreadServer:
    """An http.server on 127.0.0.1 in a daemon thread; `handler(path, query)` answers requests."""

    def __init__(self, handler: Handler) -> None:
        outer = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                from urllib.parse import parse_qs, urlsplit

                url = urlsplit(self.path)
                answer = outer.handler(url.path, parse_qs(url.query))
                status, headers, body = answer or (404, {"Content-Type": "text/plain"}, b"no")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.handler = handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class HostPages:
    """The embedding site: pages registered by path, each with its own headers (e.g. a CSP)."""

    def __init__(self) -> None:
        self.pages: dict[str, Response] = {}

    def add(
        self, path: str, body: str, content_type: str = "text/html; charset=utf-8", **headers: str
    ) -> None:
        head = {"Content-Type": content_type, "Cache-Control": "no-store"}
        head.update({k.replace("_", "-"): v for k, v in headers.items()})
        self.pages[path] = (200, head, body.encode())

    def __call__(self, path: str, query: dict[str, list[str]]) -> Response | None:
        return self.pages.get(path)
