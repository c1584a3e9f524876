"""The query every widget route takes, and the timeline pages it reads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter

from api import params
from api.caching import Reader
from api.problems import BadParameter
from api.widget.entries import ProgrammeName, RegionName, WidgetPage, widget_page
from api.widget.timelinejs import timelinejs
from events.errors import UnknownReference
from projections.errors import InvalidCursor
from projections.models import TimelinePage
from projections.queries import timeline_page
from projections.timeline_query import Order

DEFAULT_LIMIT = 25
Lang = Annotated[Literal["zh", "en"], QueryParameter(description="Language of every text.")]
Limit = Annotated[int, QueryParameter(ge=1, le=params.MAX_LIMIT, description="Entries per page (1-500).")]
Descendants = Annotated[
    bool, QueryParameter(description="Include the regions below it (default, as everywhere).")
]
OrderParam = Annotated[
    Order, QueryParameter(description="`newest` first (the widget's default) or `oldest` first.")
]
JsonName = Annotated[str, PathParameter(description="`<code>.json` or `<slug>.json`.")]
Theme = Annotated[Literal["light", "dark", "auto"], QueryParameter(description="Colour scheme.")]
AnyRequest = Request[Any, Any, Any]


class WidgetQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The query parameters every widget route takes."""

    lang: Literal["zh", "en"] = "zh"
    types: str | None = None
    programmes: str | None = None
    roles: str | None = None
    descendants: bool = True
    order: Order = "newest"
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def provide_query(
    lang: Lang = "zh",
    types: params.TypesList = None,
    programmes: params.CommaList = None,
    roles: params.Roles = None,
    descendants: Descendants = True,
    order: OrderParam = "newest",
    limit: Limit = DEFAULT_LIMIT,
    cursor: params.CommaList = None,
) -> WidgetQuery:
    params.milestone_types(types)  # a 400 naming the bad type, before any work
    params.region_roles(roles)
    return WidgetQuery(
        lang=lang,
        types=types,
        programmes=programmes,
        roles=roles,
        descendants=descendants,
        order=order,
        limit=limit,
        cursor=cursor,
    )


WidgetQueryDep = NamedDependency[WidgetQuery]
QUERY = {"widget_query": Provide(provide_query, sync_to_thread=False)}


def _page(r: Reader, code: str, query: WidgetQuery, **overrides: Any) -> TimelinePage:
    arguments: dict[str, Any] = {
        "descendants": query.descendants,
        "types": params.milestone_types(query.types),
        "roles": params.region_roles(query.roles),
        "programmes": params.programme_slugs(r.reference, query.programmes),
        "cursor": query.cursor,
        "limit": query.limit,
        "order": query.order,
    }
    arguments.update(overrides)
    try:
        return timeline_page(r.store, r.reference, code, **arguments)
    except InvalidCursor as e:
        raise BadParameter("cursor", str(e)) from None


def region_view(r: Reader, code: str, query: WidgetQuery) -> WidgetPage:
    region = r.reference.region(code)  # UnknownReference: a 404 problem
    page = _page(r, code, query)
    subject = RegionName(code, getattr(region.name, query.lang))
    return widget_page(page, r.reference, query.lang, region=subject)


def programme_view(r: Reader, slug: str, query: WidgetQuery) -> WidgetPage:
    """A programme's milestones everywhere: the gazetteer's root with its descendants."""
    programme = r.reference.programme(slug)
    roots = [x.code for x in r.reference.regions() if x.parent is None]
    if not roots:
        raise UnknownReference("region", "(the gazetteer is empty)")
    chosen = sorted({slug, *(params.comma_list(query.programmes) or [])})
    page = _page(r, roots[0], query, descendants=True, programmes=chosen)
    subject = ProgrammeName(slug, getattr(programme.name, query.lang))
    return widget_page(page, r.reference, query.lang, programme=subject)


def timelinejs_view(r: Reader, code: str, query: WidgetQuery) -> dict[str, Any]:
    """Every entry (up to 5,000), since TimelineJS loads a timeline in one piece."""
    query = msgspec.structs.replace(query, limit=params.MAX_LIMIT, cursor=None)
    page = region_view(r, code, query)
    entries = list(page.entries)
    while page.next_cursor and len(entries) < 5000:
        page = region_view(r, code, msgspec.structs.replace(query, cursor=page.next_cursor))
        entries += page.entries
    return timelinejs(msgspec.structs.replace(page, entries=entries))


def json_name(name: str) -> str:
    if not name.endswith(".json") or name == ".json":
        raise NotFoundException(detail=f"Widget data is named `<code>.json`, not {name!r}")
    return name.removesuffix(".json")
