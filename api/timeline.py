"""The timeline answer: the projection's page, with the region, a `next` link and, on request,
the text in one language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import msgspec
from litestar import Request

from api import params
from api.caching import Reader
from api.errors import BadParameter
from api.links import with_query
from api.models import Display, RegionRef
from api.views import region_ref
from projections import Basis, TimelineEntry, timeline_page
from projections.errors import InvalidCursor


class TimelineItem(TimelineEntry, frozen=True, kw_only=True, omit_defaults=True):
    display: Display | None = None


class TimelineView(msgspec.Struct, frozen=True, kw_only=True):
    """A page of a region's milestones in date order. `next` (and `next_cursor`) is null on the
    last page."""

    region: RegionRef
    entries: list[TimelineItem]
    next_cursor: str | None
    next: str | None
    basis: Basis


@dataclass(frozen=True, slots=True)
class TimelineQuery:
    code: str
    descendants: bool
    types: list[str] | None
    roles: list[str] | None
    programmes: str | None
    date_from: date | None
    date_to: date | None
    q: str | None
    lang: Literal["zh", "en"] | None
    known_at: int | datetime | None
    include_retracted: bool
    cursor: str | None
    limit: int


def _item(entry: TimelineEntry, lang: Literal["zh", "en"] | None) -> TimelineItem:
    fields = {name: getattr(entry, name) for name in entry.__struct_fields__}
    if lang is not None:
        fields["display"] = Display(
            lang=lang, title=getattr(entry.title, lang), summary=getattr(entry.summary, lang)
        )
    return TimelineItem(**fields)


def timeline_view(r: Reader, query: TimelineQuery, request: Request) -> TimelineView:
    """The page `query` asks for; `next` repeats the request's parameters with the new cursor."""
    region = r.reference.region(query.code)
    try:
        page = timeline_page(
            r.store,
            r.reference,
            query.code,
            descendants=query.descendants,
            roles=query.roles,
            types=query.types,
            programmes=params.programme_slugs(r.reference, query.programmes),
            date_from=query.date_from,
            date_to=query.date_to,
            q=query.q,
            known_at=query.known_at,
            include_retracted=query.include_retracted,
            cursor=query.cursor,
            limit=query.limit,
        )
    except InvalidCursor as e:
        raise BadParameter("cursor", str(e)) from None
    following = None
    if page.next_cursor is not None:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        following = with_query(r.base_url + request.url.path, [*kept, ("cursor", page.next_cursor)])
    return TimelineView(
        region=region_ref(r.base_url, region),
        entries=[_item(entry, query.lang) for entry in page.entries],
        next_cursor=page.next_cursor,
        next=following,
        basis=page.basis,
    )
