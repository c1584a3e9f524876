"""An SSE client in a thread (httpx-sse), collecting frames so a test can wait for them."""

from __future__ import annotations

import queue
import threading
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, connect_sse


class StreamReader:
    """Reads `url` as an event stream until closed; frames with data land in `frames`."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.frames: queue.Queue[ServerSentEvent] = queue.Queue()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.retries: list[int] = []
        self.status: int | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=60))
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> StreamReader:
        self._thread.start()
        assert self.opened.wait(15), "the stream did not open"
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()
        self._thread.join(10)

    def _run(self) -> None:
        try:
            with connect_sse(self._client, "GET", self.url, headers=self.headers) as source:
                self.status = source.response.status_code
                for sse in source.iter_sse():
                    if sse.retry is not None:
                        self.retries.append(sse.retry)
                        self.opened.set()
                    if sse.data:
                        self.frames.put(sse)
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by the test, or by the server
        finally:
            self.opened.set()
            self.ended.set()

    def next(self, timeout: float = 10) -> ServerSentEvent:
        return self.frames.get(timeout=timeout)

    def take(self, count: int, timeout: float = 10) -> list[ServerSentEvent]:
        return [self.next(timeout) for _ in range(count)]

    def nothing_more(self, wait: float = 1.5) -> bool:
        try:
            extra: Any = self.frames.get(timeout=wait)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected frame: {extra.event} id={extra.id}")
