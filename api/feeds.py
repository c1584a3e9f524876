"""`/feeds`: a region's or a programme's milestones as an iCalendar feed (webcal subscription).

A feed is rendered in a worker thread from the timeline query (retracted milestones included,
so calendars that hold them see STATUS:CANCELLED) and kept in memory, compressed too, until
what it depends on changes (`api.tracked`): a region's feed stays as it is through writes to
other regions. Its ETag is a digest of its bytes, `Last-Modified` moves only when they change,
and `If-None-Match` or `If-Modified-Since` get a 304.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, HttpMethod, Request, Response, route
from litestar.datastructures import ResponseHeader
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter

from api import params
from api.caching import CACHE_CONTROL, ViewCache, base_url, current_state
from api.context import Api, ApiDep, ViewState
from api.ics import FeedInfo, Lang, pick, render_calendar
from api.openapi import READ_HEADERS, read_responses
from api.tracked import answer_tracked
from events.reference import Reference
from events.store import EventStore
from projections.models import TimelineEntry
from projections.queries import timeline_page

MEDIA_TYPE = "text/calendar"
MAX_CACHE_BYTES = 64 * 1024 * 1024
PAGE = 500

FeedName = Annotated[str, PathParameter(description="`{code}.ics` or `{slug}.ics`.", max_length=100)]
Descendants = Annotated[
    bool, QueryParameter(description="Include the milestones of the regions below it (default).")
]
Types = params.TypesList
Programmes = Annotated[
    str | None, QueryParameter(description="Comma-separated programme slugs.", max_length=2000)
]
FeedLang = Annotated[Lang, QueryParameter(description="Language of titles and descriptions.")]
Spans = Annotated[
    bool,
    QueryParameter(
        description="Also show milestones known only to a month, a year or a closed period, as "
        "all-day spans labelled with what is known (open-ended dates are never shown)."
    ),
]
Reported = Annotated[
    bool,
    QueryParameter(
        description="Show milestones known only to have happened by the day a source reported them "
        "(`../2024-08-28`) as all-day events on that day, titled `[报道] …` / `[Reported] …` "
        "(default); `reported=0` leaves them out."
    ),
]


class FeedQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A feed request, normalised: equal queries give byte-identical feeds."""

    kind: Literal["region", "programme"]
    key: str
    descendants: bool
    types: tuple[str, ...]
    programmes: tuple[str, ...]
    lang: Lang
    spans: bool
    base_url: str
    roles: tuple[str, ...] = ()
    reported: bool = True


def feed_cache(request: Request) -> ViewCache:
    """This application's feed cache, made on first use: feeds are big, so they have their own
    budget, and one feed may take up to half of it."""
    cache: ViewCache = request.app.state.setdefault(
        "feed_cache", ViewCache(max_bytes=MAX_CACHE_BYTES, max_entry_bytes=MAX_CACHE_BYTES // 2)
    )
    return cache


# -- content ------------------------------------------------------------------------------------


def feed_entries(store: EventStore, reference: Reference, query: FeedQuery) -> list[TimelineEntry]:
    """Every entry of the feed, retracted ones included, each once."""
    if query.kind == "region":
        scopes = [(query.key, query.descendants, list(query.programmes) or None)]
    else:  # a programme's milestones, wherever they are: below every root of the gazetteer
        roots = [
            r.code
            for r in reference.regions()
            if r.parent is None or not reference.contains("region", r.parent)
        ]
        scopes = [(code, True, [query.key]) for code in roots]
    entries: dict[str, TimelineEntry] = {}
    for region, descendants, programmes in scopes:
        cursor: str | None = None
        while True:
            page = timeline_page(
                store,
                reference,
                region,
                descendants=descendants,
                roles=list(query.roles) or None,
                types=list(query.types) or None,
                programmes=programmes,
                include_retracted=True,
                cursor=cursor,
                limit=PAGE,
            )
            entries.update((entry.event_id, entry) for entry in page.entries)
            if (cursor := page.next_cursor) is None:
                break
    return list(entries.values())


_TEXTS: dict[str, dict[Lang, str]] = {
    "title": {"zh": "改革时间线：{}", "en": "Reform timeline: {}"},
    "below": {"zh": "{}及下辖地区", "en": "{} and the regions below it"},
    "about": {
        "zh": "{}的公共卫生改革里程碑（reform-timeline）。",
        "en": "Public-health reform milestones of {} (reform-timeline).",
    },
    "only": {"zh": "仅限：{}。", "en": "Only: {}."},
    "days": {
        "zh": "只列出来源给出确切日期的里程碑；加参数 spans=1 "
        "可将仅知月份、年份或时段的里程碑显示为整月、整年或整个时段。",
        "en": "Only milestones whose source gives the day are listed; add spans=1 to show those "
        "known only to a month, a year or a period as all-day spans.",
    },
    "reported": {
        "zh": "只知在某日前已发生的里程碑，列在来源报道当日，标题前注明[报道]；加参数 reported=0 不列出。",
        "en": "Milestones known only to have happened by the day a source reported them are listed on "
        "that day, their titles prefixed [Reported]; add reported=0 to leave them out.",
    },
    "spans": {
        "zh": "仅知月份、年份或时段的里程碑显示为整月、整年或整个时段，标题前注明已知的日期；"
        "只知不晚于某日的里程碑不列出。",
        "en": "Milestones known only to a month, a year or a period are shown as all-day spans, "
        "their titles prefixed with what is known; those known only to have happened by some date "
        "are left out.",
    },
}


def feed_info(reference: Reference, query: FeedQuery) -> FeedInfo:
    """The calendar's name and description in the feed's language."""
    lang = query.lang
    text = {key: forms[lang] for key, forms in _TEXTS.items()}
    if query.kind == "region":
        scope = pick(reference.region(query.key).name, lang)
        if query.descendants:
            scope = text["below"].format(scope)
    else:
        scope = pick(reference.programme(query.key).name, lang)
    parts = [text["about"].format(scope)]
    if query.types or query.programmes:
        parts.append(text["only"].format(", ".join([*query.types, *query.programmes])))
    parts.append(text["spans"] if query.spans else text["days"])
    if query.reported:
        parts.append(text["reported"])
    return FeedInfo(
        name=text["title"].format(scope),
        description=("" if lang == "zh" else " ").join(parts),
        lang=lang,
        spans=query.spans,
        public_url=query.base_url,
        reported=query.reported,
    )


def render_feed(api: Api, state: ViewState, query: FeedQuery) -> bytes:
    """Query and render one feed (in a worker thread, on that thread's own connection)."""
    entries = feed_entries(api.store(), state.reference, query)
    return render_calendar(entries, feed_info(state.reference, query), state.reference)


# -- HTTP ---------------------------------------------------------------------------------------


async def answer(api: Api, request: Request, state: ViewState, query: FeedQuery) -> Response[bytes]:
    """The feed with its validators, or 304 (a HEAD comes here as a GET: api.head)."""
    key = b"ics:" + msgspec.json.encode(query)
    scope = (query.key, query.descendants) if query.kind == "region" else None
    body, headers = await answer_tracked(
        api,
        request,
        feed_cache(request),
        key,
        state,
        scope,
        lambda: render_feed(api, state, query),
        {"cache-control": CACHE_CONTROL},
    )
    if body is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def _feed_key(name: str) -> str:
    if not name.endswith(".ics") or len(name) == 4:
        raise NotFoundException(detail=f"Feeds are named `<code>.ics` or `<slug>.ics`, not {name!r}")
    return name[:-4]


FEED_HEADERS = [
    *READ_HEADERS,
    ResponseHeader(
        name="Last-Modified",
        documentation_only=True,
        description="When the log recorded the last event the feed reflects; send it back in "
        "`If-Modified-Since` for a 304.",
    ),
]
FEED_ROUTE: dict[str, Any] = {
    "http_method": [HttpMethod.GET, HttpMethod.HEAD],
    "media_type": MEDIA_TYPE,
    "responses": read_responses(400, 404, 409, 503),
    "response_headers": FEED_HEADERS,
}


class FeedController(Controller):
    path = "/feeds"
    tags = ("feeds",)

    @route("/regions/{name:str}", summary="A region's calendar feed", **FEED_ROUTE)
    async def region_feed(
        self,
        request: Request,
        api: ApiDep,
        name: FeedName,
        descendants: Descendants = True,
        types: Types = None,
        programmes: Programmes = None,
        lang: FeedLang = "zh",
        spans: Spans = False,
        reported: Reported = True,
        roles: params.Roles = None,
        min_position: params.MinPosition = None,
    ) -> Response[bytes]:
        """The region's milestones as iCalendar (`webcal://` to subscribe)."""
        code = _feed_key(name)
        api.views.state().reference.region(code)  # an unknown region is a 404 before any wait
        state = await current_state(api, min_position)
        query = FeedQuery(
            kind="region",
            key=code,
            descendants=descendants,
            types=tuple(sorted(set(params.milestone_types(types) or ()))),
            programmes=tuple(sorted(set(params.programme_slugs(state.reference, programmes) or ()))),
            lang=lang,
            spans=spans,
            base_url=base_url(api, request),
            roles=tuple(sorted(set(params.region_roles(roles) or ()))),
            reported=reported,
        )
        return await answer(api, request, state, query)

    @route("/programmes/{name:str}", summary="A programme's calendar feed", **FEED_ROUTE)
    async def programme_feed(
        self,
        request: Request,
        api: ApiDep,
        name: FeedName,
        types: Types = None,
        lang: FeedLang = "zh",
        spans: Spans = False,
        reported: Reported = True,
        min_position: params.MinPosition = None,
    ) -> Response[bytes]:
        """The programme's milestones in every region, as iCalendar (`webcal://` to subscribe)."""
        slug = _feed_key(name)
        api.views.state().reference.programme(slug)
        state = await current_state(api, min_position)
        query = FeedQuery(
            kind="programme",
            key=slug,
            descendants=True,
            types=tuple(sorted(set(params.milestone_types(types) or ()))),
            programmes=(),
            lang=lang,
            spans=spans,
            base_url=base_url(api, request),
            reported=reported,
        )
        return await answer(api, request, state, query)
