"""New events wake a PostgreSQL watcher at once (LISTEN/NOTIFY), from any connection."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from events.backends import open_log
from events.postgres.watch import PgHeadWatcher
from events.reference import Reference
from tests.conftest import PROGRAMMES, REGIONS, SOURCES, new


def test_a_write_on_another_connection_wakes_the_watcher_without_polling(pg_url: str) -> None:
    log_db = pg_url
    store = open_log(pg_url)
    Reference(store.db).upsert([*REGIONS, *PROGRAMMES, *SOURCES])
    store.append([new("before", 0)])
    # An hour between polls: only a notification can bring the later heads in time.
    watcher = PgHeadWatcher(log_db, interval=3600)

    def write_elsewhere() -> None:
        other = open_log(log_db, create=False)  # another node's connection
        other.append([new("a", 0), new("b", 0)])
        other.append([new("c", 0)])
        other.close()

    async def follow() -> list[int]:
        seen: list[int] = []
        async for head in watcher.heads(after=0):
            seen.append(head)
            if head == 1:
                threading.Thread(target=write_elsewhere).start()
            if head >= 4:
                return seen
        return seen

    def run() -> list[int]:
        return asyncio.run(asyncio.wait_for(follow(), timeout=60))

    # In a thread of its own: a Playwright test earlier in the session leaves a loop running here.
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(run).result()
    watcher.close()
    store.close()
    assert seen[0] == 1 and seen[-1] == 4
    assert seen == sorted(set(seen))  # heads only move forward
