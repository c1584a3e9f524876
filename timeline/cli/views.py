"""Commands on the read side: a region's timeline, status as of a date, members, rebuild.

Each command catches the projections up with the log first, then prints a table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

import click

from events.reference import Reference
from events.store import EventStore
from projections import (
    catch_up,
    programme_members,
    projection_states,
    rebuild,
    status_report,
    timeline_page,
)
from projections.models import Basis, DateValue, Evidence, Window
from projections.runner import PROJECTIONS
from timeline.cli import main
from timeline.cli.options import with_settings
from timeline.database import open_store
from timeline.settings import Settings

lang_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True, help="Language."
)
known_at_option = click.option(
    "--known-at",
    "known_at",
    metavar="T",
    default=None,
    help="Answer as the log knew it at T: a log position or an RFC 3339 time.",
)


def parse_known_at(value: str | None) -> int | datetime | None:
    """A log position (digits) or an RFC 3339 time (UTC if no offset is given)."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a log position nor an RFC 3339 time", param_hint="--known-at"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell (CJK characters count double)."""
    widths = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = (c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _window(window: Window | None) -> str:
    """When the change happened, in words: `2017-10-01 to 2017-10-31`, `by 2021-05-19`."""
    if window is None:
        return ""
    if window.earliest and window.latest:
        return f"{window.earliest} to {window.latest}"
    if window.latest:
        return f"by {window.latest}"
    return f"from {window.earliest}" if window.earliest else "at an unknown time"


def _since(since: DateValue | None) -> str:
    return since.edtf if since else ""


def _evidence(evidence: list[Evidence]) -> str:
    # Whole ids, so each can be passed to `GET /events/{event_id}`.
    return ", ".join(e.event_id for e in evidence)


def _basis(basis: Basis) -> str:
    known = f", as known at position {basis.known_at}" if basis.known_at is not None else ""
    return f"(log position {basis.position}{known})"


def _open(settings: Settings) -> tuple[EventStore, Reference]:
    store = open_store(settings)
    reference = Reference(store.db)
    catch_up(store, reference=reference)
    return store, reference


@main.command("region")
@click.argument("code")
@click.option(
    "--descendants/--no-descendants",
    default=True,
    show_default=True,
    help="Include the regions below CODE (as the API, feeds and widget do).",
)
@click.option("--from", "date_from", metavar="DATE", help="Only entries overlapping DATE or later.")
@click.option("--to", "date_to", metavar="DATE", help="Only entries overlapping DATE or earlier.")
@click.option("--type", "types", multiple=True, help="Only this milestone type (repeatable).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["subject", "participant", "issuer"]),
    help="The region's role in the milestones shown (repeatable; default: subject).",
)
@click.option("--programme", "programmes", multiple=True, help="Only this programme (repeatable).")
@click.option("--search", "q", default=None, help="Text in the title or summary, either language.")
@click.option("--include-retracted", is_flag=True, help="Also list retracted entries.")
@click.option("--limit", default=50, show_default=True, help="Entries per page.")
@click.option("--cursor", default=None, help="Continue after a previous page.")
@known_at_option
@lang_option
@with_settings
def region_command(
    settings: Settings,
    code: str,
    descendants: bool,
    date_from: str | None,
    date_to: str | None,
    types: tuple[str, ...],
    roles: tuple[str, ...],
    programmes: tuple[str, ...],
    q: str | None,
    include_retracted: bool,
    limit: int,
    cursor: str | None,
    known_at: str | None,
    lang: str,
) -> None:
    """Show the timeline of region CODE in date order."""
    store, reference = _open(settings)
    page = timeline_page(
        store,
        reference,
        code,
        descendants=descendants,
        roles=list(roles) or None,
        types=list(types) or None,
        programmes=list(programmes) or None,
        date_from=date_from,
        date_to=date_to,
        q=q,
        known_at=parse_known_at(known_at),
        include_retracted=include_retracted,
        cursor=cursor,
        limit=limit,
    )
    rows = []
    for entry in page.entries:
        flags = ("corrected " if entry.corrected else "") + ("RETRACTED" if entry.retracted else "")
        title = getattr(entry.title, lang)
        rows.append([entry.occurred.edtf, entry.type, ",".join(entry.regions), title, flags.strip()])
    name = getattr(reference.region(code).name, lang)
    click.echo(f"{name} ({code}){' and below' if descendants else ''}: {_basis(page.basis)}")
    click.echo(format_table(["DATE", "TYPE", "REGIONS", "TITLE", "NOTE"], rows))
    if page.next_cursor:
        click.echo(f"More: --cursor {page.next_cursor}")


@main.command("status")
@click.argument("code")
@click.option("--as-of", "as_of", required=True, metavar="DATE", help="The day asked about.")
@click.option("--all", "show_all", is_flag=True, help="Also list programmes without a status.")
@known_at_option
@with_settings
def status_command(settings: Settings, code: str, as_of: str, known_at: str | None, show_all: bool) -> None:
    """Show region CODE's status in each programme on a date: yes, no or uncertain.

    A programme lists every status holding (a designation and a plan may coexist), the
    headline (strongest) first. Only programmes the region has (or may have) a status in are
    listed, unless --all.
    """
    store, reference = _open(settings)
    report = status_report(store, reference, code, as_of=as_of, known_at=parse_known_at(known_at))
    shown = [s for s in report.programmes if show_all or s.status is not None]
    rows = [
        [
            s.programme if held is (s.statuses or [s])[0] else "",  # every holding status, headline first
            held.status or "-",
            held.certainty,
            _since(held.since),
            _window(held.window),
            held.inherited_from or "",
            _evidence(held.evidence),
        ]
        for s in shown
        for held in (s.statuses or [s])
    ]
    click.echo(f"{code} on {report.as_of}: {_basis(report.basis)}")
    headers = ["PROGRAMME", "STATUS", "CERTAIN", "SINCE", "WINDOW", "INHERITED", "EVIDENCE"]
    click.echo(format_table(headers, rows))
    hidden = len(report.programmes) - len(shown)
    if hidden:
        click.echo(f"{hidden} programme(s) without a status not shown (--all lists them).")


@main.command("members")
@click.argument("programme")
@click.option("--as-of", "as_of", required=True, metavar="DATE", help="The day asked about.")
@click.option("--status", default=None, help="Only regions in this status.")
@click.option("--within", default=None, metavar="CODE", help="Only CODE and the regions below.")
@known_at_option
@lang_option
@with_settings
def members_command(
    settings: Settings,
    programme: str,
    as_of: str,
    status: str | None,
    within: str | None,
    known_at: str | None,
    lang: str,
) -> None:
    """List the regions with a status in PROGRAMME on a date."""
    store, reference = _open(settings)
    report = programme_members(
        store,
        reference,
        programme,
        as_of=as_of,
        status=status,
        within=within,
        known_at=parse_known_at(known_at),
    )
    rows = [
        [
            m.code,
            getattr(m.name, lang),
            m.status,
            m.certainty,
            _since(m.since),
            _window(m.window),
            m.inherited_from or "",
        ]
        for m in report.members
    ]
    click.echo(f"{programme} on {report.as_of}: {len(rows)} region(s) {_basis(report.basis)}")
    headers = ["CODE", "NAME", "STATUS", "CERTAIN", "SINCE", "WINDOW", "INHERITED"]
    click.echo(format_table(headers, rows))


@main.command("rebuild")
@click.argument("name", required=False, type=click.Choice([p.name for p in PROJECTIONS]))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@with_settings
def rebuild_command(settings: Settings, name: str | None, quiet: bool) -> None:
    """Replay the log into fresh tables for NAME (default: every projection) and swap them in.

    The old tables keep answering until the new ones are complete.
    """
    store = open_store(settings)
    replayed = rebuild(store, name, progress=not quiet)
    catch_up(store)
    click.echo(f"Rebuilt from {replayed} event(s).")
    rows = [[s.name, str(s.version), str(s.checkpoint), str(s.lag)] for s in projection_states(store)]
    click.echo(format_table(["PROJECTION", "VERSION", "CHECKPOINT", "LAG"], rows))
