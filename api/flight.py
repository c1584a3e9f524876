"""Single flight: identical computations asked for at the same time run once.

After a write, every cached answer is stale; ten clients asking for the same 11 MB feed at that
moment would each render it (0.4 s apiece on one core, seconds for all under contention). The
first request computes; the others wait for its result and share it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class SingleFlight:
    """Runs one computation per key at a time; callers arriving meanwhile share its outcome."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[Any]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        running = self._running.get(key)
        if running is not None:
            await asyncio.wait([running])
            if not running.cancelled():
                return running.result()  # the leader's answer, or its error raised again
            return await self.run(key, compute)  # the leader gave up (its client left): lead now
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # retrieved: nobody waiting is not an unhandled error
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]
