"""uvicorn's httptools protocol with read timeouts and a connection cap.

uvicorn has a keep-alive timeout but none for reading a request: 233 connections trickling a
byte every 2 s held their file descriptors until the jobs could not open the database. Here a
request's head must arrive within `header_timeout` seconds of its first byte (or of the
connection), its body within `body_timeout` seconds of the head, or the connection is closed
(with a 408 when nothing was answered yet); and past `max_connections` open connections a new
one is closed at once, before it can hold anything.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

import msgspec
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("timeline.http")
TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 25\r\n\r\nThe request took too long"
)


class ConnectionLimits(msgspec.Struct, frozen=True):
    header_timeout: float
    body_timeout: float
    max_connections: int


class GuardedProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.read_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            log.warning("refused a connection: %d open (max_connections)", len(self.connections) - 1)
            transport.abort()
            return
        self._expect(self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.read_timer is None:  # a keep-alive connection's next request
            self._expect(self.limits.header_timeout)

    def on_headers_complete(self) -> None:
        self._stop()
        super().on_headers_complete()
        if self.parser is not None and self._has_body():
            self._expect(self.limits.body_timeout)

    def on_message_complete(self) -> None:
        self._stop()
        super().on_message_complete()

    def _has_body(self) -> bool:
        for name, value in self.headers:
            if name == b"content-length":
                return value.strip() not in (b"", b"0")
            if name == b"transfer-encoding":
                return True
        return False

    def _expect(self, seconds: float) -> None:
        self._stop()
        self.read_timer = self.loop.call_later(seconds, self._timed_out)

    def _stop(self) -> None:
        if self.read_timer is not None:
            self.read_timer.cancel()
            self.read_timer = None

    def _timed_out(self) -> None:
        self.read_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()


def guarded_protocol(limits: ConnectionLimits) -> Any:
    """What `uvicorn.run(http=...)` takes: the class with its limits (picklable for workers)."""
    return functools.partial(GuardedProtocol, limits=limits)
