"""Refuse a request whose Host header is no host: 400, before any route sees it.

RFC 9112 (3.2) asks for a 400 on a Host with an invalid value. Here it also matters: links in
answers are built from the Host when no `base_url` is configured, and Litestar itself parses
it (`request.url`) on some of its own error paths, where a port like `abc` or `70000` would
turn a 400 into a 500.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from api.problems import PROBLEM_JSON, FieldError, Problem

MAX_REMEMBERED = 256  # hosts seen valid; the common case is one or two


def valid_host(host: str) -> bool:
    """A host name or IP literal with an optional port 1-65535, and nothing else."""
    try:
        parts = urlsplit(f"//{host}")
        port = parts.port
    except ValueError:
        return False
    return bool(parts.hostname) and port != 0 and parts[2:] == ("", "", "") and " " not in host


def _refusal(host: str, path: str) -> bytes:
    message = f"{host[:100]!r} is not a host name with an optional port 1-65535"
    return msgspec.json.encode(
        Problem(
            type="/problems/invalid-parameter",
            title="Invalid parameter",
            status=400,
            detail=f"Invalid value for `Host`: {message}",
            instance=path,
            errors=[FieldError("Host", message)],
        )
    )


class HostCheck:
    """ASGI middleware: a request with a bad Host gets a 400 problem and goes no further."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._valid: set[bytes] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((value for key, value in scope["headers"] if key == b"host"), None)
            if host is not None and host not in self._valid:
                text = host.decode("latin-1")
                if not valid_host(text):
                    await self._refuse(text, scope["path"], send)
                    return
                if len(self._valid) < MAX_REMEMBERED:
                    self._valid.add(host)
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(host: str, path: str, send: Send) -> None:
        body = _refusal(host, path)
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
