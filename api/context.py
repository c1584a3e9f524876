"""What every request works with: settings, per-thread connections, catalogues and the view state.

SQLite connections are not shared between threads: each thread that touches the log (the event
loop's thread for cheap checks, worker threads for queries and writes) opens its own, lazily.
The state of the views — log head, projection checkpoints and a fingerprint of the catalogues —
is re-read only when the database's data version (`EventStore.data_version`: SQLite's `PRAGMA
data_version`, PostgreSQL's current snapshot) says another connection committed something, and
it is asked at most once a millisecond (see `Views.state`): a request whose answer is
cached costs no query at all.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from litestar import Request
from litestar.di import NamedDependency

from api.caching import ShortViews, ViewCache, tree_root
from api.flight import SingleFlight
from events.backends import is_postgres, open_log
from events.reference import Reference
from events.store import EventStore
from projections.models import ProjectionState
from projections.runner import projection_states
from timeline.database import open_store
from timeline.settings import Settings

if TYPE_CHECKING:  # psycopg_pool is loaded only on PostgreSQL
    from psycopg_pool import ConnectionPool


@dataclass(frozen=True, slots=True)
class ViewState:
    """Everything a cached answer depends on, read in one go."""

    head: int
    projections: tuple[ProjectionState, ...]
    reference: Reference
    tag: bytes  # head, signed head, checkpoints and catalogue fingerprint: the seed of every ETag
    root: str = ""  # the Merkle root of the first `head` events (hex)

    @property
    def checkpoint(self) -> int:
        """The position every projection has reached (what a view reflects at least)."""
        return min((p.checkpoint for p in self.projections), default=self.head)

    @property
    def lag(self) -> int:
        return self.head - self.checkpoint


class Database:
    """One EventStore per thread on the same database, closed together at shutdown.

    On PostgreSQL their connections come from one pool (`psycopg_pool`), and a store whose
    connection the server dropped is replaced at the thread's next request (`connection_lost`
    sees one ended while idle before it is used): a server restart costs at most the requests
    it cut short, not the process.
    """

    # Threads that may hold a store at once: anyio's worker threads (40 by default), the event
    # loop's and a few of the app's own.
    POOL_SIZE = 48

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._opened: list[EventStore] = []
        self._lock = threading.Lock()
        self._pool: ConnectionPool | None = None

    def store(self) -> EventStore:
        store: EventStore | None = getattr(self._local, "store", None)
        if store is not None and store.connection_lost():
            self._forget(store)
            store = None
        if store is None:
            store = open_store(self.settings, pool=self._connections())
            self._local.store = store
            with self._lock:
                self._opened.append(store)
            # Worker threads come and go (anyio ends one idle for 10 s): a thread's store is
            # closed, and its pooled connection returned, when the thread is gone.
            weakref.finalize(threading.current_thread(), self._forget, store)
        return store

    def _connections(self) -> ConnectionPool | None:
        if not is_postgres(self.settings.db):
            return None
        with self._lock:
            if self._pool is None:
                from events.postgres.connection import open_pool

                self._pool = open_pool(self.settings.db, self.POOL_SIZE)
            return self._pool

    def _forget(self, store: EventStore) -> None:
        with self._lock:
            if store not in self._opened:  # closed already (replaced, or at shutdown)
                return
            self._opened.remove(store)
        store.close()

    def close(self) -> None:
        with self._lock:
            for store in self._opened:
                store.close()
            self._opened.clear()
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        self._local = threading.local()


class Views:
    """The current ViewState, refreshed when the database changed since the last look."""

    # How long a look at data_version holds. Asking costs more than the rest of a cached GET
    # (bench/http.py); a millisecond of staleness is the same as the request arriving a
    # millisecond earlier. This process's own writes and catch-ups call `invalidate`.
    FRESH_SECONDS = 0.001

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._data_version: object = None
        self._checked = 0.0
        self._generation = 0
        self._state: ViewState | None = None
        self._watch: EventStore | None = None

    def state(self) -> ViewState:
        state = self._state
        if state is not None and time.monotonic() - self._checked < self.FRESH_SECONDS:
            return state
        generation = self._generation
        with self._lock:
            if self._watch is not None and self._watch.connection_lost():
                self._watch.close()  # the server dropped it: this look opens another
                self._watch = None
            if self._watch is None:
                # A connection of its own that never writes: its data_version moves with
                # every commit made anywhere else (other threads, workers, CLI processes, nodes).
                self._watch = open_log(
                    self.database.settings.db, create=False, synchronous=self.database.settings.synchronous
                )
            version = self._watch.data_version()
            if self._state is None or version != self._data_version:
                self._state = self._read(self._watch, self._state)
                self._data_version = version
            if generation == self._generation:  # no commit of ours since we looked
                self._checked = time.monotonic()
            return self._state

    def cached(self) -> ViewState:
        """The state as last read, without looking for changes (read once if never read): for
        work that must not wait for a refresh, such as fanning out live updates."""
        return self._state or self.state()

    def invalidate(self) -> None:
        """Look at data_version on the next call (after a commit by this process)."""
        self._generation += 1
        self._checked = 0.0

    def close(self) -> None:
        with self._lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            self._state = None

    @staticmethod
    def _read(store: EventStore, previous: ViewState | None) -> ViewState:
        head = store.head().position
        try:
            signed = store.tree_head()
        except store._database_errors:  # the views still answer when the tree cannot be read
            signed = None
        states = tuple(projection_states(store))
        fresh = Reference(store.db)
        fingerprint = fresh.fingerprint()
        # Keep the same Reference (and the projections' caches keyed on it) while unchanged.
        if previous is not None and previous.tag.endswith(fingerprint):
            fresh = previous.reference
        marks = ",".join(f"{p.name}:{p.version}:{p.checkpoint}" for p in states)
        tag = f"{head}|{signed.size if signed else 0}|{marks}|".encode() + fingerprint
        root = tree_root(store, head)
        return ViewState(head=head, projections=states, reference=fresh, tag=tag, root=root)


class Api:
    """The application's shared objects, reachable from handlers as the `api` dependency."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings)
        self.views = Views(self.database)
        self.cache = ViewCache()
        self.short_views = ShortViews()  # which routes' views run on the event loop
        self.flight = SingleFlight()  # identical computations in flight at once run once
        # What region answers depend on, by view state (see api.tracked.dependency).
        self.dependencies: dict[tuple[bytes, str, bool], tuple[bytes, int]] = {}
        self.catch_up_lock = threading.Lock()

    def store(self) -> EventStore:
        return self.database.store()

    def close(self) -> None:
        self.views.close()
        self.database.close()


# How handlers ask for it: `api: ApiDep` (provided by `create_app`), or `api_of(request)`.
ApiDep = NamedDependency[Api]


def api_of(request: Request) -> Api:
    """The app's Api. The JSON routes take it from the app state: resolving even a cached
    dependency is a tenth of a cached GET's time in Litestar (see bench/http.py)."""
    return request.app.state.api
