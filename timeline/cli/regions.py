"""`timeline regions`: the gazetteer in the terminal."""

from __future__ import annotations

import click

from events.reference import Reference
from projections.region_search import region_index
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.cli.views import format_table
from timeline.database import open_store
from timeline.settings import Settings

LEVELS = ("nation", "province", "prefecture", "county")


@main.command("regions")
@click.option("--search", "q", default=None, help="Chinese name or alias, pinyin, or a code prefix.")
@click.option("--parent", default=None, metavar="CODE", help="Only the regions directly below CODE.")
@click.option("--level", type=click.Choice(LEVELS), default=None, help="Only regions at this level.")
@with_settings
def regions_command(settings: Settings, q: str | None, parent: str | None, level: str | None) -> None:
    """List the regions of the gazetteer: code, names, kind and parent."""
    store = open_store(settings)
    try:
        if parent is not None:
            Reference(store.db).region(parent)  # an unknown code is an error, not an empty list
        found = list(region_index(Reference(store.db)).search(q=q, parent=parent, level=level))  # type: ignore[arg-type]
    finally:
        store.close()
    rows = [
        [
            r.code,
            r.name.zh,
            r.name.en,
            r.kind_en or r.kind,
            r.parent or "",
            _validity(r.valid_from, r.valid_to, r.successor),
        ]
        for r in found
    ]
    click.echo(format_table(["CODE", "NAME", "ENGLISH", "KIND", "PARENT", "VALID"], rows))
    click.echo(f"{len(rows):,} region(s).")


def _validity(valid_from: str | None, valid_to: str | None, successor: str | None) -> str:
    if valid_to:
        return f"until {valid_to}" + (f" → {successor}" if successor else "")
    return f"since {valid_from}" if valid_from else ""
