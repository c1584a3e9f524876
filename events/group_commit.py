"""Group commit: durable appends from several threads of a process share one transaction.

With `synchronous=FULL` each commit waits for an fsync, and SQLite admits one writer at a
time, so writers on their own connections queue behind each other's fsyncs (and sleep in the
busy handler while they wait). Here the appends waiting at a moment are written by one thread,
the leader, in one transaction, each inside a savepoint of its own: an append that fails (a
stale expected version, a reused idempotency key) is rolled back alone and its caller gets
its error; the others commit together, with one fsync. Every caller returns only after the
commit that holds its events, so an acknowledged append is as durable as before. When the
leader is done, a waiting thread becomes the next leader and takes everything that queued up
meanwhile.

One `Committer` per database file and signing setup in the process (`committer_for`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Request:
    """One caller's append, waiting for the group that writes it."""

    __slots__ = ("done", "error", "payload", "result")

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


# Writes a group on the leader's connection: sets `result` or `error` on each request.
WriteGroup = Callable[[list[Request]], None]


class Committer:
    """Queues appends and lets one thread at a time write everything queued, in one commit."""

    def __init__(self, max_group: int = 256) -> None:
        self.max_group = max_group
        self._queue: list[Request] = []
        self._leading = False
        self._cond = threading.Condition()

    def submit(self, payload: Any, write: WriteGroup) -> Any:
        """Queue `payload`; lead a group with `write` when no one else is, else wait for the
        group that writes it. Returns its result or raises its error, after its commit."""
        request = Request(payload)
        with self._cond:
            self._queue.append(request)
        while True:  # a leader queued past `max_group` writes on until a group holds its own
            with self._cond:
                while not request.done and self._leading:
                    self._cond.wait()
                if request.done:
                    return _outcome(request)
                self._leading = True
                group, self._queue = self._queue[: self.max_group], self._queue[self.max_group :]
            try:
                write(group)
            except BaseException as e:  # the whole transaction failed: nobody's events are in
                for member in group:
                    if member.error is None:
                        member.error = e
            finally:
                with self._cond:
                    for member in group:
                        member.done = True
                    self._leading = False  # a waiting thread takes what queued up meanwhile
                    self._cond.notify_all()


def _outcome(request: Request) -> Any:
    if request.error is not None:
        raise request.error
    return request.result


_committers: dict[tuple[str, str, float], Committer] = {}
_registry_lock = threading.Lock()


def committer_for(path: str, signer_id: str, head_seconds: float) -> Committer:
    """The process's committer for a database file (stores that sign alike share one)."""
    key = (path, signer_id, head_seconds)
    with _registry_lock:
        committer = _committers.get(key)
        if committer is None:
            committer = _committers[key] = Committer()
        return committer
