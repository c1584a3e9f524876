"""The widget's script, the pages' static files, and the widget's JSON routes."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from api.context import ApiDep
from api.openapi import READ_HEADERS, read_responses
from api.widget.entries import WidgetPage
from api.widget.pages import embed_region, home
from api.widget.responses import ASSETS, OPEN, asset, respond_open
from api.widget.views import (
    QUERY,
    AnyRequest,
    JsonName,
    WidgetQueryDep,
    json_name,
    programme_view,
    region_view,
    timelinejs_view,
)


@get("/widget.js", sync_to_thread=False, include_in_schema=False)
def widget_script(request: AnyRequest) -> Response[Any]:
    """The embeddable script."""
    return asset(request, "widget.js", OPEN)


@get("/static/{name:str}", sync_to_thread=False, include_in_schema=False)
def static_asset(request: AnyRequest, name: FromPath[str]) -> Response[Any]:
    """The home page's script and the pages' stylesheet."""
    if name not in ASSETS or name == "widget.js":
        raise NotFoundException(detail=f"No static file {name!r}")
    return asset(request, name, {})


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
        code = json_name(name)
        scope = (code, widget_query.descendants)
        return await respond_open(api, request, lambda r: region_view(r, code, widget_query), scope)

    @get(
        "/widget/programmes/{name:str}",
        summary="A programme's timeline for the widget",
        responses=read_responses(400, 404),
    )
    async def programme(
        self, request: AnyRequest, api: ApiDep, name: JsonName, widget_query: WidgetQueryDep
    ) -> Response[WidgetPage]:
        """One page of a programme's milestones in every region (`data-programme` widgets)."""
        slug = json_name(name)
        return await respond_open(api, request, lambda r: programme_view(r, slug, widget_query), None)

    @get(
        "/timelinejs/regions/{name:str}",
        summary="A region's timeline for TimelineJS3",
        responses=read_responses(400, 404),
    )
    async def timelinejs(
        self, request: AnyRequest, api: ApiDep, name: JsonName, widget_query: WidgetQueryDep
    ) -> Response[dict[str, Any]]:
        """Knight Lab TimelineJS3's JSON: dates only as precise as known, texts HTML-escaped."""
        code = json_name(name)
        scope = (code, widget_query.descendants)
        return await respond_open(api, request, lambda r: timelinejs_view(r, code, widget_query), scope)


# Mounted by `api.app.create_app` (EXTRA_ROUTES).
widget_handlers = [widget_script, static_asset, WidgetController, embed_region, home]
