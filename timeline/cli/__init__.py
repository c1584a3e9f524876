"""The `timeline` command: a thin shell over functions the tests also call.

Each command module registers its commands on `main`; errors of the core are turned into a
one-line message and a non-zero exit code here, in one place.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

import click

from events.errors import ChainBroken, InvalidEvent, TimelineError


class TimelineGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidEvent as e:
            click.echo(f"error: {len(e.problems)} problem(s), nothing was written:", err=True)
            for problem in e.problems:
                click.echo(f"  {problem.path}: {problem.message}", err=True)
            sys.exit(1)
        except ChainBroken as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(3)
        except TimelineError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except sqlite3.DatabaseError as e:  # SQLite's own failure where the core did not expect one
            click.echo(
                f"error: the database failed ({e}). A damaged file needs a backup restored "
                "(`timeline backups`, `timeline restore`); a full disk needs room.",
                err=True,
            )
            sys.exit(1)


@click.group(cls=TimelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reform-timeline")
def main() -> None:
    """reform-timeline: an event-sourced timeline of public-health reform milestones."""


# Command modules attach themselves to `main` when imported.
from timeline.cli import log, ops, seeds, serve, views  # noqa: E402,F401
