"""Catalogue entries into the log: a defining event for each entry that is new or changed.

Regions, programmes and source documents are defined by events (`RegionDefined`,
`ProgrammeDefined`, `SourceRegistered`) so the log's integrity covers them. Seed loading and the
gazetteer import both come through here; an entry identical to its current definition appends
nothing, so loading the same catalogue twice appends nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from events.envelope import AppendResult
from events.reference import Entry, Programme, Reference, Region, SourceDocument, entry_key
from events.store import EventStore
from events.submissions import prepare
from events.types import CatalogueEvent, ProgrammeDefined, RegionDefined, SourceRef, SourceRegistered

_EVENT_OF: dict[type, type[CatalogueEvent]] = {
    Region: RegionDefined,
    Programme: ProgrammeDefined,
    SourceDocument: SourceRegistered,
}
_FIELD_OF = {RegionDefined: "region", ProgrammeDefined: "programme", SourceRegistered: "source"}


def parents_first(entries: Iterable[Entry]) -> list[Entry]:
    """The entries with every region after its parent (when both are present), so a batch
    defines a parent before a child cites it; everything else keeps its order."""
    items = list(entries)
    regions = {e.code: e for e in items if isinstance(e, Region)}

    def depth(region: Region) -> int:
        seen, level = {region.code}, 0
        while region.parent in regions and region.parent not in seen:
            region = regions[region.parent]
            seen.add(region.code)
            level += 1
        return level

    others = [e for e in items if not isinstance(e, Region)]
    return sorted(regions.values(), key=depth) + others


def definitions(
    store: EventStore, entries: Iterable[Entry], *, sources: Sequence[SourceRef] = ()
) -> list[tuple[Entry, dict[str, Any]]]:
    """Each new or changed entry (parents first) with the submission, as `prepare` takes it,
    that defines it. A submission expects its stream's current version, so two loaders racing
    cannot both record the same change."""
    reference = Reference(store.db)
    logged = {cls: reference.logged(cls) for cls in _EVENT_OF}
    result = []
    for entry in parents_first(entries):
        event, key = _EVENT_OF[type(entry)], entry_key(entry)
        current = logged[type(entry)].get(key)
        if current == entry:
            continue
        stream = f"{event.KIND}-{key}"
        expected = 0 if current is None else store.stream_version(stream)
        payload = {"type": event.__struct_config__.tag, _FIELD_OF[event]: msgspec.to_builtins(entry)}
        if sources:
            payload["sources"] = msgspec.to_builtins(list(sources))
        result.append((entry, {"event": payload, "stream": stream, "expected_version": expected}))
    return result


def define_catalogue(
    store: EventStore, entries: Iterable[Entry], *, sources: Sequence[SourceRef] = ()
) -> AppendResult | None:
    """Append, in one transaction, a defining event for each new or changed entry (citing
    `sources`, if given); None when every entry is already defined as it is."""
    items = [item for _, item in definitions(store, entries, sources=sources)]
    if not items:
        return None
    return store.import_events(prepare(items, Reference(store.db), store))
