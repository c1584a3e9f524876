"""`timeline load`: the curated seed files into the catalogues and the log."""

from __future__ import annotations

import click

from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.database import open_store
from timeline.seeds import load_seeds
from timeline.settings import Settings


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@with_settings
def load(settings: Settings, folder: str | None) -> None:
    """Load seed files from FOLDER (default: the bundled seeds/), all or nothing.

    Every file is validated first and each problem is reported by file and item. Catalogue
    entries become events (a new or changed entry appends a defining event); milestones and
    entries already in the log are skipped, so running it twice appends nothing the second time.
    """
    store = open_store(settings, create=True)
    report = load_seeds(store, folder or settings.seeds_dir)
    click.echo(
        f"Catalogues: {report.regions} regions, {report.programmes} programmes, "
        f"{report.sources} sources. Milestones: {report.appended} appended, "
        f"{report.already_present} already in the log. "
        f"Catalogue definitions: {report.defined} appended."
    )
