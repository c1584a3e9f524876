"""The Litestar application: `create_app(settings)` wires routes, errors, docs and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

from api.context import Api
from api.controllers.events import EventController
from api.controllers.health import health
from api.controllers.log import LogController
from api.controllers.programmes import ProgrammeController
from api.controllers.regions import RegionController
from api.controllers.sources import SourceController
from api.curate_page import curate_handlers
from api.curation import CurationController
from api.encoding import COMPRESSION, ENCODED
from api.favicon import favicon
from api.feeds import FeedController
from api.head import HeadAsGet
from api.hosts import HostCheck
from api.live import live_lifespan, stream_handlers
from api.openapi import docs_routes, openapi_config
from api.pictures.routes import PictureController
from api.problems import exception_handlers
from api.replay import Replay
from api.webhooks import webhook_handlers
from api.widget.routes import widget_handlers
from events.backends import store_class
from projections import ensure_projections
from projections.errors import RebuildSuperseded
from timeline.database import open_store
from timeline.settings import Settings, load_settings

# Route handlers and routers other modules contribute (the widget, the ICS feeds): each module
# appends to this list when it is written, and `create_app` mounts whatever is here.
EXTRA_ROUTES: list[Any] = [
    FeedController,
    PictureController,
    *widget_handlers,
    favicon,
    *stream_handlers,
    *webhook_handlers,
    CurationController,
    *curate_handlers,
]


def _version() -> str:
    try:
        return version("reform-timeline")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def _lifespan(api: Api) -> Any:
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        # Tables first (a fresh file is a valid, empty log), then views rebuilt if stale.
        store = open_store(api.settings, create=True)
        try:
            ensure_projections(store)
        except RebuildSuperseded:
            pass  # another process (a worker starting beside this one) is rebuilding them
        finally:
            store.close()
        try:
            yield
        finally:
            api.close()

    return lifespan


def _allow_every_method(app: Litestar) -> Any:
    """A `before_send` hook: the `Allow` of an OPTIONS answer or a 405 lists every method of the
    path. Litestar lists those of the handlers registered first for a path (POST, for `/events`),
    and never HEAD, which every GET route answers (api.head)."""
    several = {
        route.path: set(route.methods)
        for route in app.routes
        if isinstance(route, HTTPRoute) and len(route.methods) > 2
    }

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        status = message["status"]
        if status != 405 and not (status == 204 and scope.get("method") == "OPTIONS"):
            return
        headers = list(message.get("headers", ()))
        given = b", ".join(v for k, v in headers if k.lower() == b"allow").decode()
        methods = several.get(scope.get("path", "")) or {m.strip() for m in given.split(",") if m.strip()}
        if methods:
            methods = methods | ({"HEAD"} if "GET" in methods else set())
            allow = ", ".join(sorted(methods)).encode()
            message["headers"] = [*((k, v) for k, v in headers if k.lower() != b"allow"), (b"allow", allow)]

    return before_send


def create_app(settings: Settings | None = None, *, extra_routes: Sequence[Any] = ()) -> Litestar:
    """The API over the database `settings` names (default: settings from the environment)."""
    settings = settings or load_settings()
    api = Api(settings)

    def provide_api() -> Api:
        return api

    app = Litestar(
        route_handlers=[
            health,
            RegionController,
            ProgrammeController,
            EventController,
            SourceController,
            LogController,
            *docs_routes(),
            *EXTRA_ROUTES,
            *extra_routes,
        ],
        dependencies={"api": Provide(provide_api, sync_to_thread=False, use_cache=True)},
        exception_handlers=exception_handlers(store_class(settings.db)._database_errors),
        openapi_config=openapi_config(_version()),
        cors_config=CORSConfig(
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            expose_headers=["ETag", "Retry-After"],
            max_age=86400,
        ),
        middleware=[HostCheck],
        compression_config=COMPRESSION,
        # Every route but the OpenAPI documents keeps its answers compressed in its own cache
        # (api.encoding); Litestar's middleware compresses the rest.
        opt={ENCODED: True},
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,  # the server configures logging, in one format (timeline.logs)
        lifespan=[_lifespan(api), live_lifespan(api)],
        state=State({"api": api}),
    )
    app.before_send.append(_allow_every_method(app))  # type: ignore[arg-type]
    # Outermost, outside CORS and routing: repeated view GETs answered with the bytes sent before.
    app.asgi_handler = Replay(app.asgi_handler, api)
    app.asgi_handler = HeadAsGet(app.asgi_handler)  # HEAD on every GET route, cache hits included
    return app
