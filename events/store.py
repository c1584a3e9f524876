"""The append-only event log in SQLite: the only module that touches the `events` table."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NamedTuple
from uuid import UUID

import msgspec
import sqlite_utils

from events import merkle
from events.envelope import (
    GENESIS_HASH,
    AppendResult,
    Head,
    Integrity,
    NewEvent,
    RecordedEvent,
    canonical_bytes,
    chain_hash,
)
from events.errors import (
    ChainBroken,
    ConcurrencyError,
    DamagedEvent,
    DuplicateEventId,
    IdempotencyConflict,
    StoreUnavailable,
    UnknownReference,
)
from events.group_commit import Committer, Request, committer_for
from events.heads import SignedHead, Signer, write_head_file
from events.reference import Reference
from events.tree import MissingNodes, SqliteTree
from events.types import (
    TYPES_BY_TAG,
    CatalogueEvent,
    Event,
    SourceRegistered,
    decode_event,
    encode_event,
)
from events.upcasting import upcast
from events.verification import walk

log = logging.getLogger("events.store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred TEXT,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    source TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (stream, version)
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    first_position INTEGER NOT NULL,
    last_position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS integrity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    verified_position INTEGER NOT NULL DEFAULT 0,
    verified_at TEXT,
    broken_position INTEGER,
    broken_reason TEXT,
    broken_at TEXT
);
INSERT OR IGNORE INTO integrity (id) VALUES (1);
CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;
-- INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers: refuse any
-- insert at a position the log already has (one seek to the end of the table per row).
CREATE TRIGGER IF NOT EXISTS events_refuse_replace BEFORE INSERT ON events
WHEN NEW.position <= (SELECT max(position) FROM events)
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: a position is never written twice'); END;
"""

COLUMNS = (
    "position, event_id, stream, version, type, schema_version, occurred, recorded_at, "
    "payload, source, prev_hash, hash"
)
INSERT = f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
PAGE = 5000

_encode = msgspec.json.Encoder().encode


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """Transaction times as fixed-width RFC 3339 UTC, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def connect(
    path: str | Path, *, create: bool = True, synchronous: Synchronous = "FULL"
) -> sqlite3.Connection:
    """Open the database in WAL mode, autocommit (transactions are explicit), usable across threads."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreUnavailable(str(path), "no such file (run `timeline init` to create it)")
    if create and not path.parent.exists():
        raise StoreUnavailable(str(path), f"the directory {path.parent} does not exist")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as e:
        raise StoreUnavailable(str(path), _open_failure(e)) from e
    return conn


def _open_failure(error: sqlite3.DatabaseError) -> str:
    """Why a database could not be opened: WAL mode writes beside it, so a full disk shows here."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
        return f"cannot write beside it ({error}): is the disk full or the folder read-only?"
    return f"not a usable SQLite database ({error})"


class EventStore:
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
        self._cached: tuple[int, _Edge] | None = None
        self._live: _Edge | None = None

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
        self._live = _Edge((last[0], last[11], last[7]), frontier.size, tuple(frontier.nodes))
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
        fresh_ids = iter(_new_event_ids(sum(1 for item, _ in encoded if not item.event_id)))
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

    def _grow_tree(self, size: int, leaves: list[bytes]) -> merkle.Frontier:
        """Store the tree's new nodes in the append transaction; a database from before the
        tree gets the missing part built from its rows first."""
        live = self._live
        if live is not None and live.size == size:  # the edge as the last append left it
            frontier = merkle.Frontier()
            frontier.size, frontier.nodes = size, list(live.nodes)
            completed: list[tuple[merkle.Node, bytes]] = []
            for leaf in leaves:
                completed.extend(frontier.append(leaf))
            self.tree.store(completed)
            return frontier
        try:
            return self.tree.grow(size, leaves)
        except MissingNodes:
            self._build_tree(size)
            return self.tree.grow(size, leaves)

    def _build_tree(self, size: int) -> None:
        built = self.tree.leaves_stored(size)
        frontier = self.tree.frontier(built)
        while built < size:
            rows = self._select(
                "WHERE position > ? AND position <= ? ORDER BY position LIMIT ?", [built, size, PAGE]
            )
            completed = []
            for row in rows:
                completed.extend(frontier.append(merkle.leaf_hash(canonical_bytes(*row[:10]))))
            self.tree.store(completed)
            built = rows[-1][0]

    def _sign_if_due(self, frontier: merkle.Frontier) -> SignedHead | None:
        """Sign a head of the tree as it will be once this transaction commits."""
        if self.signer is None or time.monotonic() - self._signed_at < self.head_seconds:
            return None
        head = self.signer.sign(frontier.size, frontier.root(), utc_now())
        self.tree.save_head(head)
        self._signed_at = time.monotonic()
        return head

    def _publish(self, head: SignedHead | None) -> None:
        """Write the committed head beside the database. The events are committed whatever
        happens here, so a failure is logged, not raised (`verify` reports a stale file)."""
        if head is None or self.head_path is None:
            return
        try:
            write_head_file(self.head_path, head)
        except OSError as e:
            log.error("could not write the signed head to %s: %s", self.head_path, e)

    def sign_head(self) -> SignedHead | None:
        """Sign a head for events appended since the last one (the scheduled job with
        `head_seconds`); None when there is no signer or nothing new."""
        if self.signer is None:
            return None
        with self._lock:
            self._begin_write()
            try:
                size = self._head_position()
                latest = self.tree.latest_head()
                signed = None
                if size and (latest is None or latest.size < size):
                    self._signed_at = -float("inf")
                    signed = self._sign_if_due(self._grow_tree(size, []))
                self.conn.execute("COMMIT")
            except BaseException as e:
                self._roll_back(e)
                raise
        self._publish(signed)
        if signed is None and latest is not None and self.head_path is not None:
            self._publish(latest)  # a head file lost or behind the database gets the latest back
        return signed

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

    # -- reading -----------------------------------------------------------------------------

    def head(self) -> Head:
        with self._lock:
            row = self.conn.execute(
                "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return Head(position=0, hash=GENESIS_HASH, recorded_at=None)
        return Head(position=row[0], hash=row[1], recorded_at=parse_time(row[2]))

    def stream_version(self, stream: str) -> int:
        with self._lock:
            return self._stream_version(stream)

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[RecordedEvent]:
        """Events with position > `after`, in order, fetched in pages."""
        remaining = limit
        while remaining is None or remaining > 0:
            page = PAGE if remaining is None else min(PAGE, remaining)
            rows = self._select("WHERE position > ? ORDER BY position LIMIT ?", [after, page])
            if not rows:
                return
            for row in rows:
                yield _recorded(row)
            after = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)
            if len(rows) < page:
                return

    def recorded_rows(self, after: int, upto: int) -> list[tuple]:
        """Rows as stored (every column, `after < position <= upto`, at most a page): exports."""
        return self._select(
            "WHERE position > ? AND position <= ? ORDER BY position LIMIT ?", [after, upto, PAGE]
        )

    def read_types(
        self, types: Sequence[str], *, after: int = 0, upto: int | None = None
    ) -> list[RecordedEvent]:
        """The events of the given types with `after < position <= upto`, in log order."""
        marks = ",".join("?" * len(types))
        upper = "" if upto is None else " AND position <= ?"
        where = f"WHERE position > ?{upper} AND type IN ({marks}) ORDER BY position"
        values = [after, *([] if upto is None else [upto]), *types]
        return [_recorded(r) for r in self._select(where, values)]

    def read_stream(self, stream: str) -> list[RecordedEvent]:
        return [_recorded(r) for r in self._select("WHERE stream = ? ORDER BY version", [stream])]

    def get(self, event_id: UUID | str) -> RecordedEvent:
        rows = self._select("WHERE event_id = ?", [str(event_id)])
        if not rows:
            raise UnknownReference("event", str(event_id))
        return _recorded(rows[0])

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before `moment` (0 if none): `known_at` as a time."""
        with self._lock:
            row = self.conn.execute(
                "SELECT max(position) FROM events WHERE recorded_at <= ?", [format_time(moment)]
            ).fetchone()
        return row[0] or 0

    def _select(self, where: str, params: list) -> list[tuple]:
        with self._lock:
            return self.conn.execute(f"SELECT {COLUMNS} FROM events {where}", params).fetchall()

    # -- integrity ---------------------------------------------------------------------------

    def integrity(self) -> Integrity:
        with self._lock:
            row = self.conn.execute(
                "SELECT verified_position, verified_at, broken_position, broken_reason, broken_at "
                "FROM integrity WHERE id = 1"
            ).fetchone()
        if row is None:
            return Integrity(verified_position=0, verified_at=None)
        return Integrity(
            verified_position=row[0],
            verified_at=parse_time(row[1]) if row[1] else None,
            broken_position=row[2],
            broken_reason=row[3],
            broken_at=parse_time(row[4]) if row[4] else None,
        )

    def check_integrity(self, *, full: bool = False) -> Integrity:
        """Verify the chain (from the last verified position, or from the start with `full`)
        and record the outcome. A break puts a hold on writes; a clean full walk lifts it."""
        verified = self.integrity().verified_position
        after = 0 if full else verified
        now = format_time(utc_now())
        try:
            head = self.verify(after=after, catalogues=full)
            if head < verified:  # a chain that verifies can still have lost its end
                raise ChainBroken(
                    head + 1, f"the log ends at position {head}, but position {verified} was verified before"
                )
        except ChainBroken as e:
            with self._lock:
                self._cached = None  # written through this connection: data_version will not move
                self.conn.execute(
                    "UPDATE integrity SET broken_position = ?, broken_reason = ?, broken_at = ? WHERE id = 1",
                    [e.position, e.reason, now],
                )
            return self.integrity()
        lift = ", broken_position = NULL, broken_reason = NULL, broken_at = NULL" if full else ""
        with self._lock:
            self._cached = None  # as above
            self.conn.execute(
                f"UPDATE integrity SET verified_position = ?, verified_at = ?{lift} WHERE id = 1",
                [head, now],
            )
        return self.integrity()

    def _refuse_if_broken(self) -> None:
        row = self.conn.execute(
            "SELECT broken_position, broken_reason FROM integrity WHERE id = 1"
        ).fetchone()
        if row and row[0] is not None:
            raise ChainBroken(
                row[0],
                f"{row[1]}; writes are refused until an operator restores a backup "
                "or a full `timeline verify` passes",
            )

    def verify(self, after: int = 0, *, catalogues: bool = False) -> int:
        """Walk the log from `after` to the head; return the head position.

        Raises ChainBroken naming the first position whose hash, link, numbering or Merkle node
        is wrong, that no longer matches a signed head, or past the end of a shorter log than a
        signed head covers (see `events.verification`).
        """
        self._complete_tree()
        with self._lock:
            return walk(
                self.conn,
                after=after,
                public=self.signer.public if self.signer else None,
                head_file=self.head_path,
                catalogues=catalogues,
            )

    def _complete_tree(self) -> None:
        """Build the stored tree for rows written before it existed (older databases)."""
        with self._lock:
            size = self._head_position()
            if not size or self.tree.has_leaf(size - 1):
                return
            try:
                self._begin_write()
                self._build_tree(size)
                self.conn.execute("COMMIT")
            except self._database_errors:  # read-only or damaged: the walk reports what is wrong
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")

    # -- the Merkle tree ---------------------------------------------------------------------

    def tree_head(self) -> SignedHead | None:
        """The latest signed head."""
        with self._lock:
            return self.tree.latest_head()

    def tree_root(self, size: int) -> bytes:
        with self._lock:
            return self.tree.root(size)

    def inclusion_proof(self, position: int, size: int) -> list[bytes]:
        """The audit path of the event at `position` in the tree of the first `size` events."""
        with self._lock:
            return self.tree.inclusion(position - 1, size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        with self._lock:
            return self.tree.consistency(first, second)

    def canonical(self, position: int) -> bytes:
        """The bytes the event at `position` is hashed as (its leaf is SHA-256(0x00 || these))."""
        rows = self._select("WHERE position = ?", [position])
        if not rows:
            raise UnknownReference("position", str(position))
        return canonical_bytes(*rows[0][:10])

    def leaf_hash(self, position: int) -> bytes:
        with self._lock:
            return self.tree.leaf(position - 1)


def _recorded(row: tuple) -> RecordedEvent:
    type_, schema_version, payload = row[4], row[5], row[8]
    try:
        if schema_version == TYPES_BY_TAG[type_].SCHEMA_VERSION:
            event = decode_event(payload)
        else:
            event = upcast(type_, schema_version, payload)
        return RecordedEvent(
            position=row[0],
            event_id=UUID(row[1]),
            stream=row[2],
            version=row[3],
            type=type_,
            schema_version=schema_version,
            occurred=row[6],
            recorded_at=parse_time(row[7]),
            event=event,
            prev_hash=row[10],
            hash=row[11],
        )
    except (msgspec.MsgspecError, KeyError, TypeError, ValueError) as e:
        # Only a row changed behind the log's back gets here: appends encode what they decode.
        raise DamagedEvent(row[0], str(e)[:200]) from e


_SCHEMA_VERSIONS = {tag: cls.SCHEMA_VERSION for tag, cls in TYPES_BY_TAG.items()}


def _new_event_id() -> str:
    """A time-ordered UUID (version 7, RFC 9562) as text.

    Ids that grow with time keep inserts into the event_id index at its right edge, which is
    what makes bulk imports fast; it is also several times cheaper than str(uuid.uuid4()).
    """
    raw = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Edge(NamedTuple):
    """Where the log ends: its last row's (position, hash, recorded_at) and the tree's edge."""

    last_row: tuple[int, str, str]
    size: int
    nodes: tuple[tuple[int, bytes], ...]


def _new_event_ids(count: int) -> list[str]:
    """`count` ids as `_new_event_id` makes them, with one clock read and one draw of random
    bytes for the whole batch (a third of the cost of one call each)."""
    stamp = (time.time_ns() // 1_000_000).to_bytes(6, "big").hex()
    head = f"{stamp[:8]}-{stamp[8:12]}-7"
    noise = os.urandom(10 * count).hex()
    ids = []
    for k in range(0, 20 * count, 20):
        r = noise[k : k + 20]  # bytes 6 to 15: version nibble, then the variant's two bits
        ids.append(f"{head}{r[1:4]}-{_VARIANT[r[4]]}{r[5:8]}-{r[8:20]}")
    return ids


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


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
