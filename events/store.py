"""The append-only event log in SQLite: the only code that writes the `events` table.

`EventStore` appends here; reading (`events.reads`) and proving (`events.proofs`: the tree,
signed heads, verification) are its mixins; the file's schema and opening are `events.sqlite`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import msgspec
import sqlite_utils

from events import merkle
from events.envelope import (
    GENESIS_HASH,
    AppendResult,
    NewEvent,
    canonical_bytes,
    chain_hash,
)
from events.errors import (
    ConcurrencyError,
    DuplicateEventId,
    IdempotencyConflict,
    StoreUnavailable,
)
from events.group_commit import Committer, Request, committer_for
from events.heads import Signer
from events.ids import new_event_ids
from events.proofs import Edge, LogProofs
from events.reads import LogReads
from events.reference import Reference
from events.sqlite import INSERT, SCHEMA, Synchronous, connect
from events.times import format_time, utc_now
from events.tree import SqliteTree
from events.types import (
    TYPES_BY_TAG,
    CatalogueEvent,
    Event,
    SourceRegistered,
    encode_event,
)

log = logging.getLogger("events.store")

_encode = msgspec.json.Encoder().encode


class EventStore(LogReads, LogProofs):
    """Append, read and verify the log. One instance per connection; thread-safe via a lock.

    The backend-independent rules (numbering, versions, chain, idempotency, tree, heads) live
    here; `events.postgres.store.PostgresEventStore` overrides only the database hooks
    (`_begin_write`, `_insert`, `_roll_back`, opening and the schema).
    """

    _database_errors: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: str = ":memory:",
        *,
        signer: Signer | None = None,
        head_seconds: float = 0.0,
    ) -> None:
        self.conn = conn
        # On PostgreSQL the connection adapter is what Reference reads and writes through.
        self.db = sqlite_utils.Database(conn) if isinstance(conn, sqlite3.Connection) else conn
        self.path = path
        self.tree = SqliteTree(conn)
        # With a signer, each append transaction signs a head of the tree (at most one every
        # `head_seconds`; `sign_head` covers the rest) and writes it to `head_path` after commit.
        self.signer = signer
        self.head_seconds = head_seconds
        self._signed_at = -float("inf")
        self._lock = threading.RLock()
        self._group: tuple[str, float, Committer] | None = None  # (signer, head_seconds, committer)
        # What the group path's appends read first (integrity, last row, tree edge), as this
        # connection left them at its last append's commit, with the data_version then; and the
        # same as the running transaction has them (`_live`). See `_known_state`.
        self._cached: tuple[int, Edge] | None = None
        self._live: Edge | None = None

    @property
    def head_path(self) -> Path | None:
        """The signed head kept beside the database file (None for an in-memory store)."""
        return None if self.path == ":memory:" else Path(f"{self.path}.head")

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        synchronous: Synchronous = "FULL",
        signer: Signer | None = None,
        head_seconds: float = 0.0,
    ) -> EventStore:
        conn = connect(path, create=create, synchronous=synchronous)
        store = cls(conn, str(path), signer=signer, head_seconds=head_seconds)
        if create:
            store.ensure_schema()
        elif not store.db["events"].exists():
            raise StoreUnavailable(str(path), "no event log in this file (run `timeline init`)")
        else:
            # A no-op (no write) unless the file predates the catalogue tables, the tree or a column.
            try:
                Reference(store.db).ensure_schema()
                if not store.db["merkle_nodes"].exists():
                    store.tree.ensure_schema()
            except sqlite3.DatabaseError as e:
                raise StoreUnavailable(str(path), str(e)) from e
        return store

    def ensure_schema(self) -> None:
        try:
            with self._lock:
                self.conn.executescript(SCHEMA)
                self.tree.ensure_schema()
                Reference(self.db).ensure_schema()
        except sqlite3.DatabaseError as e:
            raise StoreUnavailable(self.path, str(e)) from e

    def close(self) -> None:
        self.conn.close()

    def connection_lost(self) -> bool:
        """Whether the database connection is gone for good (a server's; a file's never is)."""
        return False

    def _begin_write(self) -> None:
        """Start a write transaction that holds the log's single writer slot until it ends
        (a subclass for another database takes its own lock here)."""
        self._cached = None  # commits of this connection leave data_version as it was
        self.conn.execute("BEGIN IMMEDIATE")

    # -- writing -----------------------------------------------------------------------------

    def append(self, items: Sequence[NewEvent], *, idempotency_key: str | None = None) -> AppendResult:
        """Append a batch in one transaction: all events are written, or none.

        Raises ConcurrencyError (naming the current version) when an expected version is stale,
        and IdempotencyConflict when a key is reused for a different request.
        """
        if not items:
            raise ValueError("nothing to append")
        encoded = [(item, encode_event(item.event).decode()) for item in items]
        request_hash = _request_hash(encoded) if idempotency_key is not None else ""
        committer = self._committer()
        if committer is not None:  # concurrent appends of this process share a commit
            return committer.submit((encoded, idempotency_key, request_hash), self._write_group)  # type: ignore[no-any-return]
        with self._lock:
            self._begin_write()
            try:
                self._refuse_if_broken()
                if idempotency_key is not None:
                    earlier = self._replay(idempotency_key, request_hash)
                    if earlier is not None:
                        self.conn.execute("ROLLBACK")
                        return earlier
                rows, leaves = self._rows(encoded)
                self._insert(rows)
                self._record_catalogues(rows, encoded)
                signed = self._sign_if_due(self._grow_tree(rows[0][0] - 1, leaves))
                if idempotency_key is not None:
                    self.conn.execute(
                        "INSERT INTO idempotency VALUES (?, ?, ?, ?)",
                        [idempotency_key, request_hash, rows[0][0], rows[-1][0]],
                    )
                self.conn.execute("COMMIT")
            except BaseException as e:
                self._roll_back(e)
                raise
            self._publish(signed)
        return AppendResult(
            first_position=rows[0][0],
            last_position=rows[-1][0],
            event_ids=[row[1] for row in rows],
        )

    def _committer(self) -> Committer | None:
        """The group committer of this file and signing setup; None in memory and on servers
        that take concurrent writers themselves."""
        if self.path == ":memory:" or not isinstance(self.conn, sqlite3.Connection):
            return None
        signer = self.signer.key_id if self.signer is not None else ""
        if self._group is None or self._group[:2] != (signer, self.head_seconds):
            synchronous = self.conn.execute("PRAGMA synchronous").fetchone()[0]
            where = f"{os.path.realpath(self.path)}#{synchronous}"
            self._group = (signer, self.head_seconds, committer_for(where, signer, self.head_seconds))
        return self._group[2]

    def _write_group(self, group: list[Request]) -> None:
        """Write queued appends in one transaction on this store's connection; several each
        in a savepoint: one refused (a stale version, a reused key) is undone alone and gets
        its error; a failure of the transaction itself fails them all (`events.group_commit`)."""
        signed = None
        with self._lock:
            cached, self._cached = self._cached, None  # kept again only once this commits
            self._begin_write()
            try:
                version = self.conn.execute("PRAGMA data_version").fetchone()[0]
                self._live = cached[1] if cached is not None and cached[0] == version else None
                if self._live is None:  # another connection wrote since (or never looked)
                    self._refuse_if_broken()
                frontier = None
                if len(group) == 1:  # alone, its failure is the transaction's, as without a group
                    group[0].result, frontier = self._write_one(*group[0].payload)
                else:
                    frontier = self._write_each(group)
                if frontier is not None:
                    signed = self._sign_if_due(frontier)
                self.conn.execute("COMMIT")
                if self._live is not None:
                    self._cached = (version, self._live)
            except BaseException as e:
                self._roll_back(e)
                raise
            finally:
                self._live = None
        self._publish(signed)

    def _write_each(self, group: list[Request]) -> merkle.Frontier | None:
        """Appends sharing a transaction, each in a savepoint of its own (a savepoint journals
        every page it changes, twice the cost of a big batch's inserts: only for groups)."""
        frontier = None
        for request in group:
            self.conn.execute("SAVEPOINT append")
            live = self._live
            try:
                request.result, grown = self._write_one(*request.payload)
                frontier = grown or frontier
            except sqlite3.OperationalError:
                raise  # a full disk or an I/O error: the whole transaction goes
            except Exception as e:
                self.conn.execute("ROLLBACK TO append")
                request.error = e
                self._live = live  # as it was before this append
            self.conn.execute("RELEASE append")
        return frontier

    def _write_one(
        self, encoded: list[tuple[NewEvent, str]], idempotency_key: str | None, request_hash: str
    ) -> tuple[AppendResult, merkle.Frontier | None]:
        """One append inside a write transaction: its result, and the tree's frontier after it
        (None when an idempotency key replayed an earlier append)."""
        if idempotency_key is not None:
            earlier = self._replay(idempotency_key, request_hash)
            if earlier is not None:
                return earlier, None
        rows, leaves = self._rows(encoded)
        self._insert(rows)
        self._record_catalogues(rows, encoded)
        frontier = self._grow_tree(rows[0][0] - 1, leaves)
        if idempotency_key is not None:
            self.conn.execute(
                "INSERT INTO idempotency VALUES (?, ?, ?, ?)",
                [idempotency_key, request_hash, rows[0][0], rows[-1][0]],
            )
        last = rows[-1]
        self._live = Edge((last[0], last[11], last[7]), frontier.size, tuple(frontier.nodes))
        result = AppendResult(
            first_position=rows[0][0], last_position=rows[-1][0], event_ids=[row[1] for row in rows]
        )
        return result, frontier

    def import_events(self, items: Iterable[NewEvent], *, chunk: int = 10_000) -> AppendResult:
        """Bulk path for seed loading and large files: one transaction, rows streamed in chunks.

        Same checks and chain as `append`, without holding the whole batch in memory twice.
        """
        first = last = 0
        event_ids: list[str] = []
        frontier: merkle.Frontier | None = None
        with self._lock:
            self._begin_write()
            try:
                self._refuse_if_broken()
                for part in _chunks(items, chunk):
                    encoded = [(item, encode_event(item.event).decode()) for item in part]
                    rows, leaves = self._rows(encoded)
                    self._insert(rows)
                    self._record_catalogues(rows, encoded)
                    frontier = self._grow_tree(rows[0][0] - 1, leaves)
                    first = first or rows[0][0]
                    last = rows[-1][0]
                    event_ids.extend(row[1] for row in rows)
                if frontier is None:
                    raise ValueError("nothing to import")
                signed = self._sign_if_due(frontier)
                self.conn.execute("COMMIT")
            except BaseException as e:
                self._roll_back(e)
                raise
            self._publish(signed)
        return AppendResult(first_position=first, last_position=last, event_ids=event_ids)

    def append_recorded(self, parts: Iterable[tuple[list[tuple], list[Event]]]) -> None:
        """Write rows exactly as another log recorded them (`timeline import`), in one
        transaction: positions, times and hashes kept, so the chain carries over. `parts` yields
        (rows, their decoded events) after checking each row's hash and link; the rows must
        continue this log's head (the primary key refuses an overlap)."""
        with self._lock:
            self._begin_write()
            try:
                self._refuse_if_broken()
                frontier = None
                for rows, events in parts:
                    self._insert(rows)
                    items = [
                        (NewEvent(stream=r[2], event=e), r[8]) for r, e in zip(rows, events, strict=True)
                    ]
                    self._record_catalogues(rows, items)
                    leaves = [merkle.leaf_hash(canonical_bytes(*row[:10])) for row in rows]
                    frontier = self._grow_tree(rows[0][0] - 1, leaves)
                signed = self._sign_if_due(frontier) if frontier is not None else None
                self.conn.execute("COMMIT")
            except BaseException as e:
                self._roll_back(e)
                raise
            self._publish(signed)

    def _roll_back(self, error: BaseException) -> None:
        """Undo a failed write transaction. SQLite's own failures (a full disk, an I/O error, a
        lock held too long) become StoreUnavailable: the batch is not in the log, nothing is."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError):
            reason = f"the write failed and nothing was written ({error})"
            raise StoreUnavailable(self.path, reason) from error

    def _replay(self, key: str, request_hash: str) -> AppendResult | None:
        row = self.conn.execute(
            "SELECT request_hash, first_position, last_position FROM idempotency WHERE key = ?",
            [key],
        ).fetchone()
        if row is None:
            return None
        if row[0] != request_hash:
            raise IdempotencyConflict(key)
        ids = self.conn.execute(
            "SELECT event_id FROM events WHERE position BETWEEN ? AND ? ORDER BY position",
            [row[1], row[2]],
        ).fetchall()
        return AppendResult(
            first_position=row[1],
            last_position=row[2],
            event_ids=[r[0] for r in ids],
            replayed=True,
        )

    def _rows(self, encoded: list[tuple[NewEvent, str]]) -> tuple[list[tuple], list[bytes]]:
        """Number, version and chain the batch, with each row's Merkle leaf hash; called inside
        the write transaction."""
        head = self._last_row()
        position, prev_hash, last_time = head if head else (0, GENESIS_HASH, "")
        # Transaction time never runs backwards along the log, even if the clock does.
        recorded_at = max(format_time(utc_now()), last_time)
        versions = self._batch_versions(encoded)
        fresh_ids = iter(new_event_ids(sum(1 for item, _ in encoded if not item.event_id)))
        rows, leaves = [], []
        for item, payload in encoded:
            stream, event = item.stream, item.event
            version = versions[stream]
            # Checked against the version right before this item, even within one batch.
            if item.expected_version is not None and item.expected_version != version:
                raise ConcurrencyError(stream, item.expected_version, version)
            versions[stream] = version = version + 1
            position += 1
            type_ = event.__struct_config__.tag
            event_id = str(item.event_id) if item.event_id else next(fresh_ids)
            occurred = getattr(event, "occurred", None)
            source = _encode(event.sources).decode()
            row = (
                position,
                event_id,
                stream,
                version,
                type_,
                _SCHEMA_VERSIONS[type_],
                occurred,
                recorded_at,
                payload,
                source,
            )
            canonical = canonical_bytes(*row)
            digest = chain_hash(prev_hash, canonical)
            rows.append((*row, prev_hash, digest))
            leaves.append(merkle.leaf_hash(canonical))
            prev_hash = digest
        return rows, leaves

    def _last_row(self) -> tuple[int, str, str] | None:
        """(position, hash, recorded_at) of the log's last event, inside the write transaction."""
        if self._live is not None:
            return self._live.last_row
        return self.conn.execute(
            "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
        ).fetchone()

    def _batch_versions(self, encoded: list[tuple[NewEvent, str]]) -> dict[str, int]:
        """Versions the batch's streams start from.

        A stream whose first item expects version 0 is taken to be new without a lookup: the
        UNIQUE (stream, version) index refuses it if it is not (see `_insert`). That keeps the
        common case, new milestones, free of index reads.
        """
        first: dict[str, int | None] = {}
        for item, _ in encoded:
            first.setdefault(item.stream, item.expected_version)
        versions = dict.fromkeys((s for s, e in first.items() if e == 0), 0)
        versions.update(self._stream_versions({s for s, e in first.items() if e != 0}))
        return versions

    def _insert(self, rows: list[tuple]) -> None:
        try:
            self.conn.executemany(INSERT, rows)
        except sqlite3.IntegrityError as e:
            if "events.event_id" in str(e):
                raise DuplicateEventId(self._duplicate_id(rows)) from e
            if "events.stream, events.version" not in str(e):
                raise
            for row in rows:  # the first stream that turned out not to be new
                current = self._stream_version(row[2])
                if current >= row[3]:
                    raise ConcurrencyError(row[2], row[3] - 1, current) from e
            raise  # pragma: no cover - the index named a conflict we cannot find

    def _record_catalogues(self, rows: list[tuple], encoded: list[tuple[NewEvent, str]]) -> None:
        """Bring the catalogue tables up to the batch's catalogue events, in its transaction, so
        a batch may define an entry and cite it, and the tables never differ from the log."""
        reference: Reference | None = None
        for row, (item, _) in zip(rows, encoded, strict=True):
            event = item.event
            if isinstance(event, CatalogueEvent):
                reference = reference or Reference(self.db)
                if isinstance(event, SourceRegistered):
                    reference.record(row[0], event.entry, text_sha256=event.text_sha256, text=event.text)
                else:
                    reference.record(row[0], event.entry)

    def _duplicate_id(self, rows: list[tuple]) -> str:
        """The first event id of the batch given twice, or already in the log before it (rows of
        the failed statement before the duplicate are still visible in the transaction)."""
        seen: set[str] = set()
        for row in rows:
            if row[1] in seen:
                return row[1]
            seen.add(row[1])
        for row in rows:
            earlier = "SELECT 1 FROM events WHERE event_id = ? AND position < ?"
            if self.conn.execute(earlier, [row[1], rows[0][0]]).fetchone():
                return row[1]
        return rows[0][1]  # pragma: no cover - the index named a duplicate we cannot find

    def _head_position(self) -> int:
        row = self.conn.execute("SELECT max(position) FROM events").fetchone()
        return row[0] or 0

    def _stream_versions(self, streams: set[str]) -> dict[str, int]:
        """Current version of each stream (0 for a new one), in few queries."""
        versions = dict.fromkeys(streams, 0)
        names = list(streams)
        for start in range(0, len(names), 500):
            part = names[start : start + 500]
            marks = ",".join("?" * len(part))
            versions.update(
                self.conn.execute(
                    f"SELECT stream, max(version) FROM events WHERE stream IN ({marks}) GROUP BY stream",
                    part,
                ).fetchall()
            )
        return versions

    def _stream_version(self, stream: str) -> int:
        return self._stream_versions({stream})[stream]

    def stream_version(self, stream: str) -> int:
        with self._lock:
            return self._stream_version(stream)


_SCHEMA_VERSIONS = {tag: cls.SCHEMA_VERSION for tag, cls in TYPES_BY_TAG.items()}


def _chunks(items: Iterable[NewEvent], size: int) -> Iterator[list[NewEvent]]:
    part: list[NewEvent] = []
    for item in items:
        part.append(item)
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


def _request_hash(encoded: list[tuple[NewEvent, str]]) -> str:
    """What makes two appends 'the same request' for idempotency: streams, versions, payloads."""
    digest = hashlib.sha256()
    for item, payload in encoded:
        digest.update(
            _encode(
                [
                    item.stream,
                    item.expected_version,
                    str(item.event_id) if item.event_id else None,
                    payload,
                ]
            )
        )
    return digest.hexdigest()
