"""The widget's JSON: a timeline page in one language, each entry with its names and sources."""

from __future__ import annotations

from typing import Any

import msgspec

from api.quotes import Quoter
from api.widget.texts import TYPE_LABELS
from events.errors import UnknownReference
from events.reference import Reference
from projections.base import placement
from projections.models import Basis, DateValue, TimelineEntry, TimelinePage


class RegionName(msgspec.Struct, frozen=True):
    code: str
    name: str


class ProgrammeName(msgspec.Struct, frozen=True):
    slug: str
    name: str


class WidgetSource(msgspec.Struct, frozen=True, omit_defaults=True):
    """A cited document, once, with every place in it the entry cites (`locators`)."""

    title: str
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    locators: list[str] = []
    quotes: list[str] = []  # the cited sentences, where the document's text is archived


class WidgetEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str
    type: str
    label: str
    occurred: DateValue
    title: str
    summary: str
    regions: list[RegionName]
    programmes: list[ProgrammeName]
    sources: list[WidgetSource]
    corrected: bool = False
    retracted: bool = False
    sort_key: str | None = None  # the timeline order, so a live widget can slot an entry in


class WidgetPage(msgspec.Struct, frozen=True, omit_defaults=True):
    """One page of a timeline in one language, as the widget renders it."""

    lang: str
    entries: list[WidgetEntry]
    next_cursor: str | None
    basis: Basis
    region: RegionName | None = None
    programme: ProgrammeName | None = None


def _name(reference: Reference, kind: str, key: str, lang: str) -> str:
    try:
        item = reference.region(key) if kind == "region" else reference.programme(key)
    except UnknownReference:
        return key
    return getattr(item.name, lang)


def _sources(entry: TimelineEntry, reference: Reference, lang: str) -> list[WidgetSource]:
    """Each cited document once, in order of first citation, with its locators."""
    locators: dict[str, list[str]] = {}
    for ref in entry.sources:
        found = locators.setdefault(ref.document, [])
        if ref.locator and ref.locator not in found:
            found.append(ref.locator)
    shown = []
    quoter = Quoter(reference)
    for document, places in locators.items():
        quotes = [q for q in (quoter(document, place) for place in places) if q]
        try:
            doc = reference.source(document)
        except UnknownReference:
            shown.append(WidgetSource(title=document, locators=places, quotes=quotes))
            continue
        shown.append(
            WidgetSource(
                title=getattr(doc.title, lang),
                publisher=getattr(doc.publisher, lang),
                published=doc.published,
                url=doc.url,
                locators=places,
                quotes=quotes,
            )
        )
    return shown


def widget_entry(entry: TimelineEntry, reference: Reference, lang: str) -> WidgetEntry:
    return WidgetEntry(
        id=entry.event_id,
        type=entry.type,
        label=TYPE_LABELS.get(entry.type, {}).get(lang, entry.type),
        occurred=entry.occurred,
        title=getattr(entry.title, lang),
        summary=getattr(entry.summary, lang),
        regions=[RegionName(c, _name(reference, "region", c, lang)) for c in entry.regions],
        programmes=[ProgrammeName(s, _name(reference, "programme", s, lang)) for s in entry.programmes],
        sources=_sources(entry, reference, lang),
        corrected=entry.corrected,
        retracted=entry.retracted,
        sort_key=f"{placement(entry.occurred.edtf).key | entry.position:020d}",
    )


def widget_page(page: TimelinePage, reference: Reference, lang: str, **subject: Any) -> WidgetPage:
    return WidgetPage(
        lang=lang,
        entries=[widget_entry(e, reference, lang) for e in page.entries],
        next_cursor=page.next_cursor,
        basis=page.basis,
        **subject,
    )
