"""Options shared by every command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from events.backends import is_postgres, redact
from events.errors import StoreUnavailable
from timeline.settings import load_settings

db_option = click.option(
    "--db",
    "db",
    metavar="PATH|URL",
    default=None,
    help="SQLite database file, or postgresql://USER@HOST:PORT/DBNAME "
    "(default: $TIMELINE_DB, else ./timeline.db).",
)
# The commands that work on a SQLite file only: on PostgreSQL, the database's own tools do their job.
SQLITE_ONLY_COMMANDS = ("backups", "restore")
config_option = click.option(
    "--config",
    "config",
    metavar="FILE",
    default=None,
    help="TOML settings file (default: $TIMELINE_CONFIG).",
)


def with_settings(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add --db and --config to a command and pass the resulting Settings as `settings`."""

    @functools.wraps(fn)
    def wrapper(db: str | None, config: str | None, **kwargs: Any) -> Any:
        settings = load_settings(config, db=db)
        command = click.get_current_context().info_name or ""
        if is_postgres(settings.db) and command in SQLITE_ONLY_COMMANDS:
            raise StoreUnavailable(
                redact(settings.db),
                f"`timeline {command}` works on SQLite files; back up and restore PostgreSQL with "
                "its own tools (pg_dump and pg_restore, or pg_basebackup; see README, Running on PostgreSQL)",
            )
        return fn(settings=settings, **kwargs)

    return config_option(db_option(wrapper))
