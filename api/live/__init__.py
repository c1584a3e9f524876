"""Live updates: Server-Sent Event streams fed by one head watcher per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar

from api.context import Api
from api.live.broker import Broker
from api.live.routes import stream_handlers

__all__ = ["live_lifespan", "stream_handlers"]


def live_lifespan(api: Api) -> Any:
    """Start this process's broker with the app (it needs the running loop) and stop it after."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        broker = Broker(api)
        await broker.start()
        app.state.live = broker
        try:
            yield
        finally:
            await broker.stop()

    return lifespan
