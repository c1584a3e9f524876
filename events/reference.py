"""Reference data that events point at: regions, programmes and source documents.

These are catalogues, not history: curated in `seeds/`, upserted into their own tables, and
read by validation (is this region known?) and by projections (which regions lie below a city?).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, Literal

import msgspec
import sqlite_utils
from msgspec import Meta

from events.errors import UnknownReference
from events.types import EdtfText, Line, LongText, RegionCode, Slug, Text

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


class Programme(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A reform programme, pilot or designation a region can take part in."""

    slug: Slug
    name: Text
    description: LongText
    statuses: Annotated[tuple[Slug, ...], Meta(min_length=1)]
    level: Literal["national", "provincial", "municipal", "county"] = "national"
    # A designation of a region covers its descendants only where the programme says so.
    inherits_down: bool = False


class SourceDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A document facts are cited from. Metadata only, never its body text."""

    id: Slug
    title: Text
    publisher: Text
    published: EdtfText
    kind: Slug
    url: Annotated[str, Meta(max_length=500)] | None = None
    locator_hint: Line | None = None


_TABLES: dict[type, tuple[str, str]] = {
    Region: ("regions", "code"),
    Programme: ("programmes", "slug"),
    SourceDocument: ("sources", "id"),
}
_KINDS = {Region: "region", Programme: "programme", SourceDocument: "source"}


class Reference:
    """Read and write the catalogues of one database; lookups are cached per instance."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._cache: dict[type, dict[str, msgspec.Struct]] = {}

    def ensure_schema(self) -> None:
        for table, key in _TABLES.values():
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ({key} TEXT PRIMARY KEY, data TEXT NOT NULL)"
            )

    def upsert(self, items: Iterable[Region | Programme | SourceDocument]) -> int:
        """Insert or replace catalogue entries; returns how many were written."""
        count = 0
        conn = self.db.conn
        conn.execute("SAVEPOINT reference_upsert")  # all entries or none, inside or outside a txn
        try:
            for item in items:
                table, key = _TABLES[type(item)]
                conn.execute(
                    f"INSERT OR REPLACE INTO {table} ({key}, data) VALUES (?, ?)",
                    [getattr(item, key), msgspec.json.encode(item).decode()],
                )
                count += 1
            conn.execute("RELEASE reference_upsert")
        except BaseException:
            conn.execute("ROLLBACK TO reference_upsert")
            conn.execute("RELEASE reference_upsert")
            raise
        finally:
            self._cache.clear()
        return count

    def _all(self, cls: type) -> dict[str, msgspec.Struct]:
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
        try:
            return self._all(cls)[key]
        except KeyError:
            raise UnknownReference(_KINDS[cls], key) from None

    def contains(self, kind: str, key: str) -> bool:
        """Whether the `kind` catalogue ("region", "programme" or "source") has `key`."""
        cls = {name: cls for cls, name in _KINDS.items()}[kind]
        return key in self._all(cls)

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
