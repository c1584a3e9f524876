"""The `timeline` command: a thin shell over functions the tests also call.

Each command module registers its commands on `main`; errors of the core are turned into a
one-line message and a non-zero exit code here, in one place:

    0  done
    1  refused: invalid input, unknown reference, conflict (nothing was written)
    2  usage error (unknown option, missing argument)
    3  the hash chain is broken (`timeline verify`)
    4  the database cannot be used: missing, damaged, a full disk or an I/O error
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from typing import Any

import click

from events.errors import ChainBroken, InvalidEvent, LogInconsistent, StoreUnavailable, TimelineError

REFUSED, CHAIN_BROKEN, DATABASE_UNUSABLE = 1, 3, 4


# Each command's module. A module is imported only when one of its commands runs (or help lists
# them all): `timeline serve` need not import the curation, audit or webhook code.
COMMANDS = {
    "append": "log",
    "audit": "audit",
    "backup": "ops",
    "backups": "ops",
    "export": "transfer",
    "extract": "curation",
    "import": "transfer",
    "init": "log",
    "jobs": "ops",
    "load": "seeds",
    "log": "log",
    "members": "views",
    "rebuild": "views",
    "region": "views",
    "regions": "regions",
    "restore": "ops",
    "scheduler": "ops",
    "serve": "serve",
    "sources": "curation",
    "status": "views",
    "verify": "log",
    "webhooks": "webhooks",
}


class TimelineGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"timeline.cli.{module}")  # its commands attach to `main`
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidEvent as e:
            click.echo(f"error: {len(e.problems)} problem(s), nothing was written:", err=True)
            for problem in e.problems:
                click.echo(f"  {problem.path}: {problem.message}", err=True)
            sys.exit(REFUSED)
        except (ChainBroken, LogInconsistent) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(CHAIN_BROKEN)
        except StoreUnavailable as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(DATABASE_UNUSABLE)
        except TimelineError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(REFUSED)
        except sqlite3.DatabaseError as e:  # SQLite's own failure where the core did not expect one
            click.echo(f"error: the database failed ({e}). {advice(e)}", err=True)
            sys.exit(DATABASE_UNUSABLE)
        except Exception as e:
            if not type(e).__module__.startswith("psycopg"):
                raise
            # PostgreSQL's own failure (the server gone, a permission refused to the role).
            click.echo(f"error: the PostgreSQL server failed ({str(e).strip()})", err=True)
            sys.exit(DATABASE_UNUSABLE)


def advice(error: sqlite3.Error) -> str:
    """What to do about a failure SQLite reports: room for a full disk, a backup for damage."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR):
        return "The disk is full or failing: make room, then run the command again."
    return (
        "A damaged file needs a backup restored (`timeline backups`, `timeline restore`); "
        "a full disk needs room."
    )


@click.group(cls=TimelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reform-timeline")
def main() -> None:
    """reform-timeline: an event-sourced timeline of public-health reform milestones."""
