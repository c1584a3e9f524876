"""The HTML pages: a region's timeline for an `<iframe>` (readable without scripts) and the home page."""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from litestar import Response, get
from litestar.params import FromPath, FromQuery

from api.caching import Reader
from api.context import ApiDep
from api.pictures.explorer import explorer_context
from api.region_views import region_choices
from api.widget.dates import date_parts
from api.widget.entries import WidgetEntry
from api.widget.responses import STATIC, respond_html
from api.widget.texts import TEXT
from api.widget.views import (
    DEFAULT_LIMIT,
    QUERY,
    AnyRequest,
    Lang,
    Theme,
    WidgetQuery,
    WidgetQueryDep,
    region_view,
)

if TYPE_CHECKING:
    from jinja2 import Environment

HOME_REGION = "140700"  # Jinzhong: the region the seeds say most about


@functools.cache
def _templates() -> Environment:
    """The page templates, loaded at the first page asked for: jinja2 costs start-up time."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(STATIC / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@get("/embed/regions/{code:str}", dependencies=QUERY, include_in_schema=False)
async def embed_region(
    request: AnyRequest, api: ApiDep, code: FromPath[str], widget_query: WidgetQueryDep
) -> Response[Any]:
    """A region's timeline as a standalone page for an `<iframe>`; readable without scripts."""
    raw_query = dict(request.query_params)
    scope = (code, widget_query.descendants)
    return await respond_html(api, request, lambda r: render_embed(r, code, widget_query, raw_query), scope)


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
    return (
        _templates()
        .get_template("embed.html")
        .render(
            html_lang=_html_lang(query.lang),
            name=page.region.name,
            t=TEXT[query.lang],
            attrs=attrs,
            entries=[_embed_entry(e, query.lang) for e in page.entries],
            next_url=next_url,
        )
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
    return await respond_html(api, request, lambda r: render_home(r, region, lang, theme), None)


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
    return (
        _templates()
        .get_template("home.html")
        .render(
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
    )
