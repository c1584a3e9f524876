"""One process's fan-out of new log events to its stream clients.

A single task per process follows the log head (`events.watch.HeadWatcher`), reads each new
event once, renders what the clients need once (the event's JSON per base URL, the milestone
change and its widget entry per language) and offers it to every subscriber. Each subscriber
has a bounded queue: one that cannot keep up is closed rather than buffered without end (its
client reconnects with `Last-Event-ID` and resumes where it stopped).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

import anyio.to_thread
import msgspec

from api.caching import Reader
from api.context import Api
from api.eventlog import event_detail
from api.widget.entries import widget_entry
from events.envelope import RecordedEvent
from events.reference import Reference
from events.types import CATALOGUE_TYPES
from events.watch import HeadWatcher, head_watcher
from projections.doubts import Doubts
from projections.live import DoubtLog, MilestoneChange, milestone_change

log = logging.getLogger("api.live")

CHUNK = 200  # events read and rendered per trip to a worker thread
QUEUE_FRAMES = 256  # frames a client may fall behind by before it is closed
_encode = msgspec.json.Encoder().encode
CATALOGUE_TAGS = frozenset(cls.__struct_config__.tag for cls in CATALOGUE_TYPES)


@dataclass(slots=True)
class Change:
    """One new event with everything its subscribers may send, rendered once."""

    position: int
    type: str
    details: dict[str, bytes]  # base URL -> the JSON of GET /events/{id}
    milestone: MilestoneChange | None
    entries: dict[str, bytes]  # language -> the widget entry's JSON
    reference: Reference  # the catalogues the filters resolve regions with
    frames: dict[object, bytes] = field(default_factory=dict)  # per-subscriber-kind SSE frames


Select = Callable[[Change], bytes | None]


class TooManyClients(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"this process already serves {limit} stream clients")


class Subscriber:
    """A stream client: what it wants (`select`) and the frames waiting to be sent to it."""

    __slots__ = ("base", "close", "langs", "last", "queue", "select")

    def __init__(
        self, select: Select, *, after: int, base: str | None = None, langs: tuple[str, ...] = ()
    ) -> None:
        self.select = select
        self.base = base  # for the event JSON's links (event streams)
        self.langs = langs  # of the widget entries (region and programme streams)
        self.last = after  # the position of the last frame given to the client
        self.queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue(QUEUE_FRAMES)
        self.close: Callable[[], None] | None = None  # ends the response (set when it starts)

    def offer(self, change: Change) -> None:
        if change.position <= self.last:
            return
        frame = self.select(change)
        if frame is None:
            return
        try:
            self.queue.put_nowait((change.position, frame))
        except asyncio.QueueFull:
            if self.close is not None:
                log.info("ending the stream of a client %d frames behind", QUEUE_FRAMES)
                self.close()
                self.close = None


class Broker:
    """Follows the head for this process and fans each change out to the subscribers."""

    def __init__(self, api: Api, watcher: HeadWatcher | None = None) -> None:
        self.api = api
        self.limit = api.settings.max_stream_clients
        self.watcher = watcher or head_watcher(api.settings.db)
        self.subscribers: set[Subscriber] = set()
        self.position = 0  # every change up to here has been offered
        self.doubts = DoubtLog()  # dates widen in live entries as on the timeline
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.position = await anyio.to_thread.run_sync(self._head)
        self._task = asyncio.create_task(self._run(), name="live-broker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        for subscriber in list(self.subscribers):
            if subscriber.close is not None:
                subscriber.close()
        self.watcher.close()

    def poke(self) -> None:
        self.watcher.poke()

    def subscribe(self, subscriber: Subscriber) -> int:
        """Add a client; returns the position its history must be read up to."""
        if len(self.subscribers) >= self.limit:
            raise TooManyClients(self.limit)
        self.subscribers.add(subscriber)
        return self.position

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def history(self, subscriber: Subscriber, upto: int) -> AsyncIterator[tuple[int, bytes]]:
        """The subscriber's frames after its position up to `upto`, read from the log."""
        after = subscriber.last
        while after < upto:
            changes = await anyio.to_thread.run_sync(
                self._changes, after, min(upto, after + CHUNK), _bases([subscriber]), subscriber.langs
            )
            if not changes:
                return
            for change in changes:
                frame = subscriber.select(change)
                if frame is not None:
                    yield change.position, frame
            after = changes[-1].position

    def _head(self) -> int:
        return self.api.store().head().position

    async def _run(self) -> None:
        while True:
            try:
                async for head in self.watcher.heads(self.position):
                    await self._publish(head)
            except Exception:  # a bad moment of the database must not end live updates
                log.exception("live updates stalled at position %d; retrying in a second", self.position)
                self.watcher.close()  # a fresh connection on the next look
                await asyncio.sleep(1)

    async def _publish(self, head: int) -> None:
        while self.position < head:
            if not self.subscribers:
                self.position = head
                return
            bases = _bases(self.subscribers)
            langs = {lang for s in self.subscribers for lang in s.langs}
            upto = min(head, self.position + CHUNK)
            changes = await anyio.to_thread.run_sync(self._changes, self.position, upto, bases, langs)
            for change in changes:
                for subscriber in list(self.subscribers):
                    subscriber.offer(change)
                self.position = change.position
            if not changes:
                self.position = upto

    def _changes(
        self, after: int, upto: int, bases: set[str], langs: set[str] | tuple[str, ...]
    ) -> list[Change]:
        """Read and render the events in (after, upto]; runs in a worker thread."""
        api = self.api
        store = api.store()
        events = list(store.read_all(after=after, limit=upto - after))
        # Re-reading the view state costs tens of milliseconds with a large gazetteer: the one
        # last read serves, unless these events change a catalogue the entries are named from.
        catalogue = any(e.type in CATALOGUE_TAGS for e in events)
        state = api.views.state() if catalogue else api.views.cached()
        state = dataclasses.replace(state, head=max(state.head, upto))
        reader = Reader(store, state.reference, state, "")
        doubts = self.doubts.until(store, upto)
        return [self._render(recorded, bases, langs, reader, doubts) for recorded in events]

    @staticmethod
    def _render(
        recorded: RecordedEvent,
        bases: set[str],
        langs: set[str] | tuple[str, ...],
        reader: Reader,
        doubts: Doubts,
    ) -> Change:
        event_id = str(recorded.event_id)
        details = {}
        for base in bases:
            at = Reader(reader.store, reader.reference, reader.state, base)
            details[base] = _encode(event_detail(at, event_id))
        change = milestone_change(reader.store, recorded, doubts)
        entries = {}
        if change is not None:
            for lang in langs:
                entries[lang] = _encode(widget_entry(change.entry, reader.reference, lang))
        return Change(
            position=recorded.position,
            type=recorded.type,
            details=details,
            milestone=change,
            entries=entries,
            reference=reader.reference,
        )


def _bases(subscribers: Iterable[Subscriber]) -> set[str]:
    return {s.base for s in subscribers if s.base is not None}
