"""Moving a log between databases and backends: export and import."""

from __future__ import annotations

import sys

import click

from events.backends import redact
from events.transfer import export_log, import_log
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.database import open_store
from timeline.settings import Settings


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@with_settings
def export_command(settings: Settings, file: str) -> None:
    """Write the whole log to FILE (`-` for standard output) as JSON Lines: a header, then every
    event with its position, time and hashes, as stored."""
    store = open_store(settings)
    if file == "-":
        moved = export_log(store, sys.stdout.buffer)
    else:
        with open(file, "wb") as out:
            moved = export_log(store, out)
    click.echo(f"Exported {moved.events:,} event(s), head hash {moved.head_hash[:16]}…", err=file == "-")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_settings
def import_command(settings: Settings, file: str) -> None:
    """Replay an export FILE into an empty database (either backend; created if need be),
    checking every row's position, link and hash: all rows are written, or none."""
    store = open_store(settings, create=True)
    moved = import_log(store, file)
    head = store.verify()
    click.echo(
        f"Imported {moved.events:,} event(s) into {redact(settings.db)}: every hash checked, "
        f"verified up to position {head}, head hash {moved.head_hash[:16]}…"
    )
