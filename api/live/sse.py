"""A `text/event-stream` response fed by a broker subscriber (the SSE wire format, WHATWG).

The response first sends `retry:` (once), then the history after the client's position, then
live frames as the broker offers them, with a comment line whenever nothing was sent for
`heartbeat` seconds (proxies and browsers keep a quiet connection open that way). It ends
when the client disconnects, when the broker closes a subscriber that fell behind, or when
the server shuts down.
"""

from __future__ import annotations

import anyio
from anyio import CancelScope
from litestar.response.base import ASGIResponse
from litestar.types import Receive, Send

from api.live.broker import Broker, Subscriber

HEARTBEAT = b": heartbeat\n\n"
STREAM_HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx and friends: pass each frame on at once
    "Access-Control-Allow-Origin": "*",
}


def frame(position: int, event: str, data: bytes) -> bytes:
    """One SSE message; `data` is compact JSON, so it is a single line."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (position, event.encode(), data)


class EventStreamResponse(ASGIResponse):
    _should_set_content_length = False  # the body never ends by itself: chunked

    def __init__(
        self, broker: Broker, subscriber: Subscriber, upto: int, *, heartbeat: float, retry_ms: int
    ) -> None:
        super().__init__(media_type="text/event-stream", headers=STREAM_HEADERS)
        self.broker = broker
        self.subscriber = subscriber
        self.upto = upto
        self.heartbeat = heartbeat
        self.retry_ms = retry_ms

    async def send_body(self, send: Send, receive: Receive) -> None:
        try:
            async with anyio.create_task_group() as group:
                self.subscriber.close = group.cancel_scope.cancel
                group.start_soon(self._stream, send)
                await self._until_disconnect(group.cancel_scope, receive)
        finally:
            self.broker.unsubscribe(self.subscriber)
        with anyio.move_on_after(0.5):  # end the chunked body cleanly when the client can take it
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _stream(self, send: Send) -> None:
        subscriber = self.subscriber
        await self._send(send, b"retry: %d\n\n" % self.retry_ms)
        async for position, data in self.broker.history(subscriber, self.upto):
            await self._send(send, data)
            subscriber.last = position
        while True:
            with anyio.move_on_after(self.heartbeat) as waited:
                position, data = await subscriber.queue.get()
            if waited.cancelled_caught:
                await self._send(send, HEARTBEAT)
            elif position > subscriber.last:  # history may already have sent it
                await self._send(send, data)
                subscriber.last = position

    @staticmethod
    async def _send(send: Send, body: bytes) -> None:
        await send({"type": "http.response.body", "body": body, "more_body": True})

    @staticmethod
    async def _until_disconnect(scope: CancelScope, receive: Receive) -> None:
        while not scope.cancel_called:
            message = await receive()
            if message["type"] == "http.disconnect":
                scope.cancel()
