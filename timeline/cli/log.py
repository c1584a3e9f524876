"""Commands on the log itself: init, append, log, verify."""

from __future__ import annotations

import click

from events.backends import redact
from events.envelope import RecordedEvent
from events.errors import ChainBroken
from events.reference import Reference, SourceDocument
from events.store import EventStore
from events.submissions import check_writer_key
from events.types import CandidateAccepted, CatalogueEvent, Milestone, ReviewDecision
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.database import open_store
from timeline.event_files import append_file
from timeline.gazetteer import has_gazetteer, load_gazetteer
from timeline.settings import Settings


@main.command()
@click.option(
    "--print-sql",
    is_flag=True,
    help="Print the PostgreSQL schema and the GRANTs for a service role, touching no database.",
)
@click.option(
    "--role", default="timeline", show_default=True, help="The service role the printed GRANTs name."
)
@with_settings
def init(settings: Settings, print_sql: bool, role: str) -> None:
    """Create the database (a file, or the tables in a PostgreSQL database) and define the
    gazetteer's regions (safe to run again)."""
    if print_sql:
        from events.postgres.schema import SCHEMA, grants

        try:
            click.echo(
                f"{SCHEMA.strip()}\n\n-- The service role appends and reads; it cannot alter the log.\n"
                f"{grants(role)}",
                nl=False,
            )
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--role") from None
        return
    store = open_store(settings, create=True)
    defined = load_gazetteer(store, settings.seeds_dir) if has_gazetteer(settings.seeds_dir) else 0
    regions = len(Reference(store.db).regions())
    click.echo(
        f"Initialised {redact(settings.db)} (head position {store.head().position}): {regions:,} regions, "
        f"{defined:,} newly defined."
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--idempotency-key", default=None, help="Retrying with the same key writes nothing.")
@with_settings
def append(settings: Settings, file: str, idempotency_key: str | None) -> None:
    """Append the events in FILE (JSON or JSON Lines), all or nothing.

    Every item is validated first; each problem is reported by file, line and field and
    nothing is written.
    """
    check_writer_key(idempotency_key, "--idempotency-key")
    store = open_store(settings, create=True)
    result = append_file(store, file, idempotency_key=idempotency_key)
    verb = "Already appended" if result.replayed else "Appended"
    count = result.last_position - result.first_position + 1
    click.echo(f"{verb} {count} event(s) at positions {result.first_position}-{result.last_position}.")


@main.command("log")
@click.option("--limit", "-n", default=20, show_default=True, help="How many recent events.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@with_settings
def log_command(settings: Settings, limit: int, lang: str) -> None:
    """Show the most recent events, newest last."""
    store = open_store(settings)
    head = store.head().position
    for recorded in store.read_all(after=max(0, head - limit)):
        click.echo(format_event_line(recorded, lang))
    if head == 0:
        click.echo("The log is empty.")


def format_event_line(recorded: RecordedEvent, lang: str) -> str:
    event = recorded.event
    if isinstance(event, Milestone):
        title = getattr(event.title, lang)
        what = f"{event.occurred:<22} {','.join(event.regions):<14} {title}"
    elif isinstance(event, CatalogueEvent):
        entry = event.entry
        name = entry.title if isinstance(entry, SourceDocument) else entry.name
        what = f"{'':<22} {'':<14} defines {event.KIND} {event.key}: {getattr(name, lang)}"
    elif isinstance(event, ReviewDecision):
        verdict = f"accepted as {event.event_id}" if isinstance(event, CandidateAccepted) else "rejected"
        what = f"{'':<22} {'':<14} candidate {event.candidate_id} of {event.source} {verdict}"
    else:
        target = getattr(event, "corrects", None) or getattr(event, "retracts", None)
        what = f"{'':<22} {'':<14} amends {target}: {getattr(event.reason, lang)}"
    return f"{recorded.position:>7}  {recorded.type:<24} {what}"


@main.command()
@click.option(
    "--after",
    default=None,
    type=int,
    help="Check only from this verified position on (default: the whole chain).",
)
@with_settings
def verify(settings: Settings, after: int | None) -> None:
    """Recompute the hash chain and the Merkle tree from the rows and hold them to the signed
    heads (database and head file) and the catalogues; exit 3 naming the first bad position.

    A full walk records its outcome: a break holds all writes, a clean walk lifts the hold.
    """
    store: EventStore = open_store(settings)
    if after is not None:
        head = store.verify(after=after)
        click.echo(f"OK: hash chain and Merkle tree verified from position {after} up to {head}.")
        return
    integrity = store.check_integrity(full=True)
    if not integrity.ok:
        assert integrity.broken_position is not None and integrity.broken_reason is not None
        raise ChainBroken(integrity.broken_position, integrity.broken_reason)
    signed = store.tree_head()
    heads = f"; signed head of size {signed.size} matches" if signed else "; no signed head yet"
    position = integrity.verified_position
    click.echo(f"OK: hash chain, Merkle tree and catalogues verified up to position {position}{heads}.")
