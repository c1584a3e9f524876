"""`timeline serve`: the API on uvicorn (uvloop + httptools), seeded on first start."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import msgspec
from litestar import Litestar

from api.app import create_app
from events.backends import is_postgres, redact
from events.dialect import session_lock
from events.store import EventStore
from projections import catch_up, ensure_projections
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.database import open_store
from timeline.http_guard import ConnectionLimits, guarded_protocol
from timeline.logs import log_config
from timeline.seeds import load_seeds
from timeline.settings import Settings, load_settings

APP_FACTORY = "timeline.cli.serve:app_factory"
PREPARE_LOCK = 0x7072_6570_6172_6573  # a 64-bit advisory lock key of its own ("prepares")
EXAMPLE_REGION = "140700"


def prepare_database(settings: Settings, echo: Callable[[str], None] = click.echo) -> None:
    """Create the tables; on an empty log load the bundled seeds; bring the views up to date."""
    store = open_store(settings, create=True)
    try:
        # Nodes started together on one PostgreSQL database take turns: the first seeds and
        # builds, the others find it done.
        with session_lock(store.conn, PREPARE_LOCK):
            if store.head().position == 0:
                _load_seeds(store, Path(settings.seeds_dir), echo)
            rebuilt = ensure_projections(store, progress=True)
            if rebuilt:
                echo(f"Rebuilt views: {', '.join(rebuilt)}.")
            catch_up(store)
    finally:
        store.close()


def _load_seeds(store: EventStore, folder: Path, echo: Callable[[str], None]) -> None:
    if not (folder / "regions.toml").exists():
        echo(f"The log is empty and {folder} holds no seeds: serving an empty log.")
        return
    report = load_seeds(store, folder)
    echo(
        f"Empty log: loaded the seeds from {folder} ({report.regions} regions, {report.programmes} "
        f"programmes, {report.sources} sources, {report.appended} milestones)."
    )


def settings_environment(settings: Settings) -> Iterator[tuple[str, str]]:
    """`TIMELINE_*` variables that rebuild exactly these settings in a worker process."""
    for name, value in msgspec.structs.asdict(settings).items():
        if value is None:
            continue
        if name == "db" and not is_postgres(value):
            value = str(Path(value).resolve())
        text = ",".join(value) if isinstance(value, list) else str(value)
        yield f"TIMELINE_{name.upper()}", text


def app_factory() -> Litestar:
    """The app as `timeline serve` runs it (each uvicorn worker calls this): settings from the
    environment `serve` exported, and this process's scheduler campaigning for the job lease."""
    settings = load_settings()
    app = create_app(settings)
    if settings.scheduler:
        from timeline.scheduler import TimelineScheduler

        scheduler = TimelineScheduler(settings)

        def start(app: Litestar) -> None:
            scheduler.start()
            app.state.scheduler = scheduler

        def stop(app: Litestar) -> None:
            app.state.pop("scheduler", None)
            scheduler.shutdown()

        app.on_startup.append(start)
        app.on_shutdown.append(stop)
    return app


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default: settings, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: settings, 8000).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default 1).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
@with_settings
def serve(
    settings: Settings, host: str | None, port: int | None, workers: int | None, access_log: bool
) -> None:
    """Serve the HTTP API (JSON, docs at /schema, calendar feeds) with uvicorn.

    On an empty database the bundled seeds are loaded first; the views are rebuilt if stale and
    caught up before the first request. With --workers N, N processes share the database; one
    of them at a time runs the scheduled jobs.
    """
    import uvicorn

    settings = msgspec.structs.replace(
        settings,
        host=host or settings.host,
        port=port if port is not None else settings.port,
        workers=workers or settings.workers,
    )
    prepare_database(settings)
    os.environ.update(settings_environment(settings))
    for line in startup_lines(settings):
        click.echo(line)
    limits = ConnectionLimits(
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        # Event streams stay open for hours; they have their own cap (`max_stream_clients`, a 503
        # beyond it), so they do not eat the budget of ordinary requests.
        max_connections=settings.max_connections + settings.max_stream_clients,
    )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http=guarded_protocol(limits),
        lifespan="on",
        access_log=access_log,
        log_config=log_config(settings.log_level),
        log_level=settings.log_level.lower(),
        # Event streams never end by themselves: give them a moment, then close them on shutdown.
        timeout_graceful_shutdown=3,
    )


def _data_line(settings: Settings) -> str:
    if is_postgres(settings.db):
        return f"Data: {redact(settings.db)} (PostgreSQL: back it up with its own tools, e.g. pg_dump)"
    return f"Data: {Path(settings.db).resolve()}, backups in {Path(settings.backup_dir).resolve()}"


def startup_lines(settings: Settings) -> list[str]:
    """What `serve` prints before the server starts: where to look, and what is switched off."""
    url = settings.public_url
    feed = f"{url}/feeds/regions/{EXAMPLE_REGION}.ics"
    writes = (
        f"Writes enabled for {len(settings.tokens)} token(s): POST {url}/events"
        if settings.tokens
        else "Writes disabled: set TIMELINE_TOKENS (comma-separated secrets) to enable POST /events."
    )
    return [
        f"Home: {url}/",
        f"API:  {url}/regions",
        f"Docs: {url}/schema",
        f"Feed: {feed} (subscribe: webcal://{feed.split('://', 1)[1]})",
        writes,
        _data_line(settings),
        "Stop: Ctrl-C (or SIGTERM).",
    ]
