"""`timeline audit`: witness a log served over HTTP (see `timeline.audit`)."""

from __future__ import annotations

import click

from timeline.audit import audit as run_audit
from timeline.cli import main


@main.command()
@click.argument("url")
@click.option("--state", "state", required=True, metavar="FILE", help="Where the last head seen is kept.")
@click.option("--event", "events", multiple=True, metavar="ID", help="Also check this event's inclusion.")
@click.option(
    "--full",
    is_flag=True,
    help="Also read every event, recompute the root from them, check the sources served.",
)
def audit(url: str, state: str, events: tuple[str, ...], full: bool) -> None:
    """Check the signed head at URL and that the log only grew since the head kept in FILE.

    Exit code 3 and a plain message on any inconsistency; the state moves on only after a
    clean run. Run it daily as a witness.
    """
    report = run_audit(url, state, events, full=full)
    head = report.head
    since = (
        "first run, key pinned"
        if report.previous_size is None
        else f"consistent with size {report.previous_size}"
    )
    checked = f"; {report.events_checked} event(s) included" if report.events_checked else ""
    checked += "; every event and source re-hashed" if full else ""
    click.echo(f"OK: {url} signed head of size {head.size}, root {head.root[:16]}… ({since}{checked}).")
