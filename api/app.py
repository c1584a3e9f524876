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

from api.context import Api
from api.controllers.events import EventController
from api.controllers.health import health
from api.controllers.programmes import ProgrammeController
from api.controllers.regions import RegionController
from api.controllers.sources import SourceController
from api.feeds import FeedController
from api.hosts import HostCheck
from api.openapi import docs_routes, openapi_config
from api.problems import EXCEPTION_HANDLERS
from api.widget import widget_handlers
from projections import ensure_projections
from projections.errors import RebuildSuperseded
from timeline.database import open_store
from timeline.settings import Settings, load_settings

# Route handlers and routers other modules contribute (the widget, the ICS feeds): each module
# appends to this list when it is written, and `create_app` mounts whatever is here.
EXTRA_ROUTES: list[Any] = [FeedController, *widget_handlers]


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


def create_app(settings: Settings | None = None, *, extra_routes: Sequence[Any] = ()) -> Litestar:
    """The API over the database `settings` names (default: settings from the environment)."""
    settings = settings or load_settings()
    api = Api(settings)

    def provide_api() -> Api:
        return api

    return Litestar(
        route_handlers=[
            health,
            RegionController,
            ProgrammeController,
            EventController,
            SourceController,
            *docs_routes(),
            *EXTRA_ROUTES,
            *extra_routes,
        ],
        dependencies={"api": Provide(provide_api, sync_to_thread=False, use_cache=True)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config(_version()),
        cors_config=CORSConfig(
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            expose_headers=["ETag", "Retry-After"],
            max_age=86400,
        ),
        middleware=[HostCheck],
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,  # the server configures logging, in one format (timeline.logs)
        lifespan=[_lifespan(api)],
        state=State({"api": api}),
    )
