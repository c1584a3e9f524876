"""Options shared by every command."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from timeline.settings import load_settings

db_option = click.option(
    "--db",
    "db",
    metavar="PATH",
    default=None,
    help="SQLite database file (default: $TIMELINE_DB, else ./timeline.db).",
)
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
        return fn(settings=load_settings(config, db=db), **kwargs)

    return config_option(db_option(wrapper))
