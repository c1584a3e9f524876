"""Reference data that events point at: regions, programmes and source documents.

The catalogues are defined by events (`RegionDefined`, `ProgrammeDefined`, `SourceRegistered`),
so the log's integrity covers them. Their tables hold the current entry of each key for readers
(validation: is this region known? projections: which regions lie below a city?); the store
writes them from those events inside the append transaction (`Reference.record`), and each row
names the position of the event that defined it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal

import msgspec
import sqlite_utils
from msgspec import Meta

from events.dates import check_edtf
from events.errors import UnknownReference
from events.fields import EdtfText, Line, LongText, RegionCode, Slug, Text

RegionKind = Literal["nation", "province", "prefecture", "district", "county", "county-level-city"]


class Region(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An administrative division with its GB/T 2260 code."""

    code: RegionCode
    name: Text
    kind: RegionKind
    parent: RegionCode | None = None
    valid_from: EdtfText | None = None  # when the code came into use, if it changed
    valid_to: EdtfText | None = None  # when it was retired
    successor: RegionCode | None = None  # the code that replaced it
    note: LongText | None = None
    point: tuple[float, float] | None = None  # (longitude, latitude) of a representative place
    aliases: tuple[Line, ...] = ()  # other names: short, abbreviated, former, with the parent's
    kind_en: Line | None = None  # the English kind: city, county, banner, autonomous county…
    pinyin: Line | None = None  # the name without its suffix in pinyin, e.g. "Jiexiu"

    def __post_init__(self) -> None:
        check_edtf("valid_from", self.valid_from)
        check_edtf("valid_to", self.valid_to)


RegionLevel = Literal["nation", "province", "prefecture", "county"]
_LEVELS: dict[str, RegionLevel] = {"nation": "nation", "province": "province", "prefecture": "prefecture"}


def region_level(region: Region) -> RegionLevel:
    """The tier of GB/T 2260 a region sits at: districts and county-level cities count as counties."""
    return _LEVELS.get(region.kind, "county")


class Programme(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A reform programme, pilot or designation a region can take part in."""

    slug: Slug
    name: Text
    description: LongText
    statuses: Annotated[tuple[Slug, ...], Meta(min_length=1)]
    level: Literal["national", "provincial", "municipal", "county"] = "national"
    # A designation of a region covers its descendants only where the programme says so.
    inherits_down: bool = False
    # Other names and keywords a document may use for it (zh), for candidate extraction.
    aliases: tuple[str, ...] = ()
    # Statuses from strongest to weakest: a region's headline status is the strongest of those
    # holding on a day (unlisted ones rank below, in the order they started).
    rank: tuple[Slug, ...] = ()
    # Status -> the earlier statuses it ends ("designated" ends "planned"). Otherwise statuses
    # coexist: only a later fact of the same status, or an ending, replaces one.
    supersedes: dict[Slug, tuple[Slug, ...]] = msgspec.field(default_factory=dict)


class SourceDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A document facts are cited from. Metadata only, never its body text."""

    id: Slug
    title: Text
    publisher: Text
    published: EdtfText
    kind: Slug
    # http(s) only: a page links to it, and `javascript:` or `data:` there would run as script.
    url: Annotated[str, Meta(max_length=500, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s]+$")] | None = None
    locator_hint: Line | None = None
    region: RegionCode | None = None  # the publishing region: what `全市` or `我县` in it means
    # SHA-256 of the document's normalised text (timeline.curation.reading), when known: a
    # curator who brings the file is matched to this entry without the repository holding it.
    text_sha256: Annotated[str, Meta(pattern="^[0-9a-f]{64}$")] | None = None

    def __post_init__(self) -> None:
        check_edtf("published", self.published)


_TABLES: dict[type, tuple[str, str]] = {
    Region: ("regions", "code"),
    Programme: ("programmes", "slug"),
    SourceDocument: ("sources", "id"),
}
_KINDS = {Region: "region", Programme: "programme", SourceDocument: "source"}
# Columns beyond `key, data`: the defining event's position (NULL for an entry written outside
# the log, which `timeline load` then defines), and a source's archived text.
_EXTRA_COLUMNS = {
    "regions": {"position": "INTEGER"},
    "programmes": {"position": "INTEGER"},
    "sources": {"position": "INTEGER", "text_sha256": "TEXT", "text": "TEXT"},
}
# What `upsert` resets when it replaces an entry, as INSERT OR REPLACE did (portable upserts
# keep the SQL the same on SQLite and PostgreSQL).
_CLEARED = {table: ", ".join(f"{c} = NULL" for c in columns) for table, columns in _EXTRA_COLUMNS.items()}
Entry = Region | Programme | SourceDocument


def entry_key(entry: Entry) -> str:
    """A catalogue entry's code, slug or id."""
    return getattr(entry, _TABLES[type(entry)][1])


class SourceText(msgspec.Struct, frozen=True, kw_only=True):
    """A registered source's archived text (None when only its digest was registered)."""

    sha256: str
    text: str | None


class Reference:
    """Read and write the catalogues of one database; lookups are cached per instance."""

    def __init__(self, db: sqlite_utils.Database | Any) -> None:
        # Any: on PostgreSQL, a PgConnection (same `execute` with `?` placeholders).
        self.db = db
        self._cache: dict[type, dict[str, msgspec.Struct]] = {}
        self._staged: dict[type, dict[str, msgspec.Struct]] = {}

    def ensure_schema(self) -> None:
        for table, key in _TABLES.values():
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ({key} TEXT PRIMARY KEY, data TEXT NOT NULL)"
            )
            present = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})").fetchall()}
            for column, kind in _EXTRA_COLUMNS[table].items():
                if column not in present:  # a database from before catalogue events
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def record(
        self, position: int, entry: Entry, *, text_sha256: str | None = None, text: str | None = None
    ) -> None:
        """Make `entry`, defined by the event at `position`, the current one of its key.

        Called by the store inside the append transaction. A source registered without text
        keeps the text archived by an earlier registration.
        """
        table, key = _TABLES[type(entry)]
        data = msgspec.json.encode(entry).decode()
        if table != "sources":
            self.db.execute(
                f"INSERT INTO {table} ({key}, data, position) VALUES (?, ?, ?) ON CONFLICT ({key}) "
                "DO UPDATE SET data = excluded.data, position = excluded.position",
                [getattr(entry, key), data, position],
            )
        else:
            if text is not None and text_sha256 is None:
                text_sha256 = hashlib.sha256(text.encode()).hexdigest()
            self.db.execute(
                "INSERT INTO sources (id, data, position, text_sha256, text) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET data = excluded.data, position = excluded.position, "
                "text = CASE WHEN excluded.text_sha256 IS NULL THEN sources.text ELSE excluded.text END, "
                "text_sha256 = coalesce(excluded.text_sha256, sources.text_sha256)",
                [entry.id, data, position, text_sha256, text],  # type: ignore[union-attr]
            )
        self._cache.pop(type(entry), None)

    def fingerprint(self) -> bytes:
        """A digest of every catalogue entry as stored, changed by any write to them; read
        without decoding an entry (a tenth of the time with thousands of regions)."""
        digest = hashlib.blake2b(digest_size=8)
        for table, key in _TABLES.values():
            digest.update(f"{table}\0".encode())
            for (data,) in self.db.execute(f"SELECT data FROM {table} ORDER BY {key}").fetchall():
                digest.update(data.encode())
                digest.update(b"\0")
        return digest.digest()

    def logged(self, cls: type[Entry]) -> dict[str, Entry]:
        """The entries of one catalogue that a catalogue event defined, by key."""
        table, key = _TABLES[cls]
        rows = self.db.execute(f"SELECT data FROM {table} WHERE position IS NOT NULL").fetchall()
        entries = (msgspec.json.decode(row[0], type=cls) for row in rows)
        return {getattr(entry, key): entry for entry in entries}

    def source_text(self, source_id: str) -> SourceText | None:
        """The archived text of a registered source, if one was registered with it."""
        row = self.db.execute("SELECT text_sha256, text FROM sources WHERE id = ?", [source_id]).fetchone()
        if row is None:
            raise UnknownReference("source", source_id)
        return SourceText(sha256=row[0], text=row[1]) if row[0] else None

    def source_with_text(self, sha256: str) -> str | None:
        """The id of the source whose archived text has this SHA-256, if one has."""
        row = self.db.execute(
            "SELECT id FROM sources WHERE text_sha256 = ? AND text IS NOT NULL ORDER BY id LIMIT 1", [sha256]
        ).fetchone()
        return row[0] if row else None

    def overlay(self) -> Reference:
        """These catalogues plus entries staged in memory (a batch being validated that defines
        entries and cites them); the tables are not touched."""
        view = Reference(self.db)
        view._cache = self._cache
        return view

    def stage(self, entry: Entry) -> None:
        """Add `entry` to this overlay's view (see `overlay`)."""
        _, key = _TABLES[type(entry)]
        self._staged.setdefault(type(entry), {})[getattr(entry, key)] = entry

    def upsert(self, items: Iterable[Region | Programme | SourceDocument]) -> int:
        """Insert or replace entries directly, outside the log; returns how many were written.

        For in-memory copies and test fixtures: a real database's catalogues change by events.
        """
        count = 0
        conn = self.db.conn
        # All entries or none, inside or outside a transaction (PostgreSQL takes a savepoint
        # only inside one).
        outer = not conn.in_transaction
        conn.execute("BEGIN" if outer else "SAVEPOINT reference_upsert")
        try:
            for item in items:
                table, key = _TABLES[type(item)]
                conn.execute(
                    f"INSERT INTO {table} ({key}, data) VALUES (?, ?) "
                    f"ON CONFLICT ({key}) DO UPDATE SET data = excluded.data, {_CLEARED[table]}",
                    [getattr(item, key), msgspec.json.encode(item).decode()],
                )
                count += 1
            conn.execute("COMMIT" if outer else "RELEASE reference_upsert")
        except BaseException:
            if outer:
                conn.execute("ROLLBACK")
            else:
                conn.execute("ROLLBACK TO reference_upsert")
                conn.execute("RELEASE reference_upsert")
            raise
        finally:
            self._cache.clear()
        return count

    def _all(self, cls: type) -> dict[str, msgspec.Struct]:
        staged = self._staged.get(cls)
        if staged:
            return {**self._table(cls), **staged}
        return self._table(cls)

    def _table(self, cls: type) -> dict[str, msgspec.Struct]:
        if cls not in self._cache:
            table, key = _TABLES[cls]
            try:
                rows = self.db.execute(f"SELECT data FROM {table} ORDER BY {key}").fetchall()
            except Exception:  # table not created yet: an empty catalogue
                rows = []
            self._cache[cls] = {
                getattr(item, key): item for item in (msgspec.json.decode(row[0], type=cls) for row in rows)
            }
        return self._cache[cls]

    def regions(self) -> list[Region]:
        return list(self._all(Region).values())  # type: ignore[arg-type]

    def programmes(self) -> list[Programme]:
        return list(self._all(Programme).values())  # type: ignore[arg-type]

    def sources(self) -> list[SourceDocument]:
        return list(self._all(SourceDocument).values())  # type: ignore[arg-type]

    def _get(self, cls: type, key: str) -> msgspec.Struct:
        staged = self._staged.get(cls, {})
        if key in staged:
            return staged[key]
        try:
            return self._table(cls)[key]
        except KeyError:
            raise UnknownReference(_KINDS[cls], key) from None

    def contains(self, kind: str, key: str) -> bool:
        """Whether the `kind` catalogue ("region", "programme" or "source") has `key`."""
        cls = {name: cls for cls, name in _KINDS.items()}[kind]
        return key in self._staged.get(cls, ()) or key in self._table(cls)

    def region(self, code: str) -> Region:
        return self._get(Region, code)  # type: ignore[return-value]

    def programme(self, slug: str) -> Programme:
        return self._get(Programme, slug)  # type: ignore[return-value]

    def source(self, source_id: str) -> SourceDocument:
        return self._get(SourceDocument, source_id)  # type: ignore[return-value]

    def children(self, code: str) -> list[Region]:
        return [r for r in self.regions() if r.parent == code]

    def descendants(self, code: str) -> Iterator[Region]:
        """Every region below `code`, depth first."""
        for child in self.children(code):
            yield child
            yield from self.descendants(child.code)

    def ancestors(self, code: str) -> list[Region]:
        """The chain of parents above `code`, nearest first."""
        chain: list[Region] = []
        parent = self.region(code).parent
        while parent is not None:
            region = self.region(parent)
            chain.append(region)
            parent = region.parent
        return chain
