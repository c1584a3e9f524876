"""The embeddable widget: its script, compact JSON, an iframe page, TimelineJS3 JSON, a home page.

Everything here only shapes what `projections.queries.timeline_page` answers. The JSON routes
are open to every origin (the widget runs on other sites); the HTML pages carry a strict CSP.
Dates are formatted the same way as in `static/widget.js` (the browser tests compare the two).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import msgspec
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter

from api import params
from api.caching import Reader, View, base_url, compute_view, current_state, matches, request_key
from api.context import Api, ApiDep
from api.encoding import Encoded, compress, variant_etag, vary
from api.openapi import READ_HEADERS, read_responses
from api.pictures.explorer import explorer_context
from api.problems import BadParameter
from api.quotes import Quoter
from api.region_views import region_choices
from api.tracked import Scope, answer_tracked
from events.dates import parse_edtf
from events.errors import UnknownReference
from events.reference import Reference
from projections.base import placement
from projections.errors import InvalidCursor
from projections.models import Basis, DateValue, TimelineEntry, TimelinePage
from projections.queries import timeline_page
from projections.timeline_query import Order

STATIC = Path(__file__).parent / "static"
DEFAULT_LIMIT = 25
HOME_REGION = "140700"  # Jinzhong: the region the seeds say most about
CACHE = "public, max-age=60"
OPEN = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'"
)

TYPE_LABELS: dict[str, dict[str, str]] = {
    "meeting_held": {"zh": "会议", "en": "Meeting"},
    "pilot_designated": {"zh": "试点", "en": "Pilot"},
    "designation_ended": {"zh": "试点结束", "en": "Designation ended"},
    "incentive_awarded": {"zh": "激励", "en": "Incentive"},
    "rating_awarded": {"zh": "考核", "en": "Rating"},
    "institution_established": {"zh": "机构", "en": "Institution"},
    "policy_issued": {"zh": "政策", "en": "Policy"},
    "metric_reported": {"zh": "数据", "en": "Figure"},
    "target_set": {"zh": "目标", "en": "Target"},
}
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "name": "改革时间线",
        "by": "不晚于",
        "reported": "报道于",
        "after": "不早于",
        "to": "至",
        "approx": "约",
        "more": "加载更多",
        "empty": "暂无记录。",
        "sources": "来源：",
        "quote": "原文：",
        "sep": "、",
    },
    "en": {
        "name": "Reform timeline",
        "by": "by ",
        "reported": "reported ",
        "after": "not before ",
        "to": " – ",
        "approx": "c. ",
        "more": "Load more",
        "empty": "Nothing recorded yet.",
        "sources": "Sources: ",
        "quote": "Source sentence: ",
        "sep": ", ",
    },
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# -- Dates, as the widget shows them ----------------------------------------------------------


class TimePart(msgspec.Struct, frozen=True):
    """Text for a `<time datetime=...>` element."""

    text: str
    datetime: str


def format_one(edtf: str, lang: str) -> TimePart | None:
    """One EDTF date (no interval) in `lang`; None for a form this does not know."""
    try:
        fuzzy = parse_edtf(edtf)
    except ValueError:
        return None
    if fuzzy.precision == "interval" or fuzzy.earliest is None:
        return None
    qualifier = edtf[-1] if edtf[-1] in "?~%" else ""
    bare = edtf[:-1] if qualifier else edtf
    day = fuzzy.earliest
    year, month, has_day = str(day.year), day.month, fuzzy.precision in ("day", "time")
    if lang == "zh":
        text = f"{year}年" + (f"{month}月" if fuzzy.precision != "year" else "")
        text += f"{day.day}日" if has_day else ""
    else:
        text = (
            (f"{day.day} " if has_day else "")
            + (f"{MONTHS[month - 1]} " if fuzzy.precision != "year" else "")
            + year
        )
    if fuzzy.clock is not None:
        text += (" " if lang == "zh" else ", ") + fuzzy.clock.strftime("%H:%M")
    if qualifier in "~%" and qualifier:
        text = TEXT[lang]["approx"] + text
    if qualifier in "?%" and qualifier:
        text += "?"
    return TimePart(text, bare)


def date_parts(occurred: DateValue, lang: str) -> list[str | TimePart]:
    """An occurred value as text and `<time>` parts: `reported 28 Aug 2024` (known only by the
    day a source reported it), `A – B`, `c. 2022`."""
    words = TEXT[lang]
    start_text, _, end_text = occurred.edtf.partition("/")
    if end_text:
        start = None if start_text == ".." else format_one(start_text, lang)
        end = None if end_text == ".." else format_one(end_text, lang)
        if start_text == ".." and end:
            return [words["reported"], end]
        if end_text == ".." and start:
            return [words["after"], start]
        if start and end:
            return [start, words["to"], end]
    else:
        one = format_one(occurred.edtf, lang)
        if one:
            return [one]
    low = occurred.earliest and format_one(occurred.earliest.isoformat(), lang)
    high = occurred.latest and format_one(occurred.latest.isoformat(), lang)
    if low and high:
        return [low] if low == high else [low, words["to"], high]
    if high:
        return [words["by"], high]
    return [words["after"], low] if low else [occurred.edtf]


def format_date(occurred: DateValue, lang: str) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in date_parts(occurred, lang))


# -- The widget's JSON ------------------------------------------------------------------------


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


# -- TimelineJS3 ------------------------------------------------------------------------------


def _tl_date(edtf: str, lang: str) -> dict[str, Any] | None:
    """A TimelineJS date object with only the fields the precision has."""
    part = format_one(edtf, lang)
    if part is None:
        return None
    fuzzy = parse_edtf(edtf)
    assert fuzzy.earliest is not None
    value: dict[str, Any] = {"year": fuzzy.earliest.year}
    if fuzzy.precision != "year":
        value["month"] = fuzzy.earliest.month
    if fuzzy.precision in ("day", "time"):
        value["day"] = fuzzy.earliest.day
    if fuzzy.clock is not None:
        value.update(hour=fuzzy.clock.hour, minute=fuzzy.clock.minute)
    value["display_date"] = part.text
    return value


def timelinejs_event(entry: WidgetEntry, lang: str) -> dict[str, Any]:
    start_text, _, end_text = entry.occurred.edtf.partition("/")
    start = _tl_date(start_text, lang) if start_text != ".." else None
    end = _tl_date(end_text, lang) if end_text and end_text != ".." else None
    if start is None:  # `../B`: placed at B, displayed as "by B"
        start, end = end, None
    if start is None:  # a form format_one does not know: fall back to the interval
        day = entry.occurred.earliest or entry.occurred.latest or date(1, 1, 1)
        start = {"year": day.year, "month": day.month, "day": day.day}
    # TimelineJS renders these strings as HTML: escape every text from the data.
    sources = TEXT[lang]["sep"].join(html.escape(s.title) for s in entry.sources)
    body = f"<p>{html.escape(entry.summary)}</p>"
    if sources:
        body += f"<p>{html.escape(TEXT[lang]['sources'])}{sources}</p>"
    event: dict[str, Any] = {
        "start_date": start,
        "text": {"headline": html.escape(entry.title), "text": body},
        "group": html.escape(entry.label),
        "display_date": format_date(entry.occurred, lang),
        "unique_id": entry.id,
    }
    if end is not None:
        event["end_date"] = end
    return event


def timelinejs(page: WidgetPage) -> dict[str, Any]:
    name = page.region.name if page.region else page.programme.name if page.programme else ""
    return {
        "title": {
            "text": {
                "headline": html.escape(name),
                "text": html.escape(TEXT[page.lang]["name"]),
            }
        },
        "events": [timelinejs_event(e, page.lang) for e in page.entries],
    }


# -- HTTP -------------------------------------------------------------------------------------

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

_templates = Environment(
    loader=FileSystemLoader(STATIC / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# Litestar adds `; charset=utf-8` to text types itself (naming it here doubled it).
ASSETS = {
    "widget.js": "text/javascript",
    "home.js": "text/javascript",
    "explorer.js": "text/javascript",
    "site.css": "text/css",
}
ASSET_CACHE = "public, max-age=3600"
_assets: dict[str, Encoded] = {}


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


def _json_name(name: str) -> str:
    if not name.endswith(".json") or name == ".json":
        raise NotFoundException(detail=f"Widget data is named `<code>.json`, not {name!r}")
    return name.removesuffix(".json")


async def _respond_open(api: Api, request: AnyRequest, view: View, scope: Scope) -> Response[Any]:
    """JSON any site may read (the widget runs on other origins), with validators from what it
    shows (`api.tracked`)."""
    state = await current_state(api)
    url = base_url(api, request)
    body, headers = await answer_tracked(
        api,
        request,
        api.cache,
        request_key(api, request),
        state,
        scope,
        lambda: compute_view(api, state, url, view),
        {"cache-control": CACHE, **OPEN},
    )
    if body is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def _respond_html(
    api: Api, request: AnyRequest, render: Callable[[Reader], str], scope: Scope
) -> Response[Any]:
    """A page, cached and revalidated like the widget's JSON, under a strict CSP."""
    state = await current_state(api)
    url = base_url(api, request)

    def page() -> bytes:  # in a worker thread, on that thread's own connection
        return render(
            Reader(store=api.store(), reference=state.reference, state=state, base_url=url)
        ).encode()

    headers = {
        "cache-control": CACHE,
        "content-security-policy": PAGE_CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
    }
    body, headers = await answer_tracked(
        api, request, api.cache, request_key(api, request), state, scope, page, headers
    )
    if body is None:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="text/html", headers=headers)  # Litestar adds the charset


def _asset(request: AnyRequest, name: str, headers: dict[str, str]) -> Response[Any]:
    if name not in _assets:
        body = (STATIC / name).read_bytes()
        _assets[name] = Encoded(body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')
    asset = _assets[name]
    raw = request.scope["headers"]
    accept = next((v.decode("latin-1") for k, v in raw if k == b"accept-encoding"), None)
    encoding = asset.encoding_for(accept)
    headers = vary(
        {**headers, "ETag": variant_etag(asset.etag, encoding), "Cache-Control": ASSET_CACHE}, len(asset.body)
    )
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(b"", status_code=304, headers=headers)
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    # Compressed once per encoding and kept (the files are small: no worker thread needed).
    body = asset.variants.get(encoding) if encoding else asset.body
    if body is None:
        body = asset.variants[encoding] = compress(asset.body, encoding)  # type: ignore[index]
    return Response(body, media_type=ASSETS[name], headers=headers)


@get("/widget.js", sync_to_thread=False, include_in_schema=False)
def widget_script(request: AnyRequest) -> Response[Any]:
    """The embeddable script."""
    return _asset(request, "widget.js", OPEN)


@get("/static/{name:str}", sync_to_thread=False, include_in_schema=False)
def static_asset(request: AnyRequest, name: FromPath[str]) -> Response[Any]:
    """The home page's script and the pages' stylesheet."""
    if name not in ASSETS or name == "widget.js":
        raise NotFoundException(detail=f"No static file {name!r}")
    return _asset(request, name, {})


class WidgetController(Controller):
    """Compact, single-language JSON for the widget, and TimelineJS3's format."""

    tags = ("widget",)
    response_headers = READ_HEADERS
    dependencies = QUERY

    @get(
        "/widget/regions/{name:str}",
        summary="A region's timeline for the widget",
        responses=read_responses(400, 404),
    )
    async def region(
        self, request: AnyRequest, api: ApiDep, name: JsonName, widget_query: WidgetQueryDep
    ) -> Response[WidgetPage]:
        """One page of a region's milestones in one language (`/widget/regions/140781.json`),
        readable from any origin; pass `next_cursor` back as `cursor` for the next page."""
        code = _json_name(name)
        scope = (code, widget_query.descendants)
        return await _respond_open(api, request, lambda r: region_view(r, code, widget_query), scope)

    @get(
        "/widget/programmes/{name:str}",
        summary="A programme's timeline for the widget",
        responses=read_responses(400, 404),
    )
    async def programme(
        self, request: AnyRequest, api: ApiDep, name: JsonName, widget_query: WidgetQueryDep
    ) -> Response[WidgetPage]:
        """One page of a programme's milestones in every region (`data-programme` widgets)."""
        slug = _json_name(name)
        return await _respond_open(api, request, lambda r: programme_view(r, slug, widget_query), None)

    @get(
        "/timelinejs/regions/{name:str}",
        summary="A region's timeline for TimelineJS3",
        responses=read_responses(400, 404),
    )
    async def timelinejs(
        self, request: AnyRequest, api: ApiDep, name: JsonName, widget_query: WidgetQueryDep
    ) -> Response[dict[str, Any]]:
        """Knight Lab TimelineJS3's JSON: dates only as precise as known, texts HTML-escaped."""
        code = _json_name(name)
        scope = (code, widget_query.descendants)
        return await _respond_open(api, request, lambda r: timelinejs_view(r, code, widget_query), scope)


@get("/embed/regions/{code:str}", dependencies=QUERY, include_in_schema=False)
async def embed_region(
    request: AnyRequest, api: ApiDep, code: FromPath[str], widget_query: WidgetQueryDep
) -> Response[Any]:
    """A region's timeline as a standalone page for an `<iframe>`; readable without scripts."""
    raw_query = dict(request.query_params)
    scope = (code, widget_query.descendants)
    return await _respond_html(api, request, lambda r: render_embed(r, code, widget_query, raw_query), scope)


def render_embed(r: Reader, code: str, query: WidgetQuery, raw_query: dict[str, str]) -> str:
    page = region_view(r, code, query)
    attrs = [("region", code), ("lang", query.lang)]
    attrs += [(k, v) for k in ("types", "programmes", "roles") if (v := getattr(query, k))]
    if not query.descendants:
        attrs.append(("descendants", "false"))
    if query.order != "newest":
        attrs.append(("order", query.order))
    if query.limit != DEFAULT_LIMIT:
        attrs.append(("limit", str(query.limit)))
    next_url = None
    if page.next_cursor:
        next_url = "?" + urlencode({**raw_query, "cursor": page.next_cursor})
    assert page.region is not None
    return _templates.get_template("embed.html").render(
        html_lang=_html_lang(query.lang),
        name=page.region.name,
        t=TEXT[query.lang],
        attrs=attrs,
        entries=[_embed_entry(e, query.lang) for e in page.entries],
        next_url=next_url,
    )


def _embed_entry(entry: WidgetEntry, lang: str) -> dict[str, Any]:
    names = [x.name for x in entry.regions] + [x.name for x in entry.programmes]
    return {
        "when": date_parts(entry.occurred, lang),
        "label": entry.label,
        "title": entry.title,
        "summary": entry.summary,
        "meta": names,
        "retracted": entry.retracted,
        "sources": [
            {"title": s.title, "url": _safe_url(s.url), "locators": TEXT[lang]["sep"].join(s.locators)}
            for s in entry.sources
        ],
        "quotes": [q for s in entry.sources for q in s.quotes],
    }


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


@get("/", include_in_schema=False)
async def home(
    request: AnyRequest,
    api: ApiDep,
    region: FromQuery[str | None] = None,
    lang: Lang = "zh",
    theme: Theme = "light",
) -> Response[Any]:
    """The human-facing page: the widget for a chosen region, and the snippet to copy."""
    return await _respond_html(api, request, lambda r: render_home(r, region, lang, theme), None)


def render_home(r: Reader, region: str | None, lang: str, theme: str) -> str:
    regions = r.reference.regions()
    codes = [x.code for x in regions]
    if region not in codes:
        region = next((c for c in (HOME_REGION, *codes) if c in codes), "")
    base = r.base_url
    theme_attr = "" if theme == "light" else f' data-theme="{theme}"'
    snippet = (
        f'<div class="reform-timeline" data-region="{region}" data-lang="{lang}"{theme_attr}>'
        f'</div>\n<script src="{base}/widget.js" async></script>'
    )
    iframe = (
        f'<iframe src="{base}/embed/regions/{region}?lang={lang}" title="{TEXT[lang]["name"]}" '
        'width="100%" height="600" loading="lazy"></iframe>'
    )
    choices = [
        {"code": x.code, "label": f"{getattr(x.name, lang)} ({x.code})", "zh": x.name.zh, "en": x.name.en}
        for x in (region_choices(r.reference, region) if region else [])
    ]
    return _templates.get_template("home.html").render(
        html_lang=_html_lang(lang),
        regions=choices,
        region=region,
        lang=lang,
        theme=theme,
        snippet=snippet,
        iframe_snippet=iframe,
        json_url=f"/widget/regions/{region}.json?lang={lang}",
        timelinejs_url=f"/timelinejs/regions/{region}.json?lang={lang}",
        embed_url=f"/embed/regions/{region}?lang={lang}",
        explorer=explorer_context(r, region, lang, date.today()),
    )


# Mounted by `api.app.create_app` (EXTRA_ROUTES).
widget_handlers = [widget_script, static_asset, WidgetController, embed_region, home]
