"""A page of a region's timeline: one index range of `timeline_scope`, filters on the way."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

import msgspec

from events.errors import UnknownReference
from events.reference import Reference
from events.types import MILESTONE_TYPES, LongText, Text
from projections.base import MAX_POSITION, Db, join_sort_key, read_snapshot, split_sort_key
from projections.checkpoints import checkpoint_of
from projections.errors import InvalidCursor
from projections.log import read_payloads
from projections.models import (
    Basis,
    Correction,
    Retraction,
    Source,
    TimelineEntry,
    TimelinePage,
    date_value,
)
from projections.params import MAX_LIMIT, as_day, basis_position, known_filter, known_position
from projections.regions import tree_of
from projections.timeline import ROLES, scope_key

MILESTONE_TAGS = frozenset(cls.__struct_config__.tag for cls in MILESTONE_TYPES)
Order = Literal["oldest", "newest"]


class _Amendments(msgspec.Struct):
    corrections: list[Correction] = []
    retraction: Retraction | None = None


_decode_amendments = msgspec.json.Decoder(_Amendments).decode
_decode = msgspec.json.decode


def encode_cursor(key: int) -> str:
    ordinal, rank, position = split_sort_key(key)
    raw = msgspec.json.encode([date.fromordinal(ordinal).isoformat(), rank, position])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        day, rank, position = msgspec.json.decode(raw, type=tuple[date, int, int])
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidCursor(cursor) from None
    if not (0 <= rank < 8 and 0 <= position < 1 << 32):
        raise InvalidCursor(cursor)
    return join_sort_key(day.toordinal(), rank, position)


def timeline_page(
    store: Db,
    reference: Reference,
    region: str,
    *,
    descendants: bool = False,
    roles: list[str] | None = None,
    types: list[str] | None = None,
    programmes: list[str] | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    q: str | None = None,
    known_at: int | datetime | None = None,
    include_retracted: bool = False,
    cursor: str | None = None,
    limit: int = 50,
    order: Order = "oldest",
) -> TimelinePage:
    """A region's milestones in date order, a page at a time (pass `next_cursor` back).

    `order="newest"` walks the same order backwards. The cursor holds the sort key of the last
    entry shown, so appends never shift a page. `roles` picks the milestones by the region's
    role in them (default: subjects only).
    Type, date and retraction filters run in SQL; programme and text filters on the
    version's payload, which for an unamended milestone is its event in the log.
    """
    reference.region(region)
    for slug in programmes or ():
        reference.programme(slug)
    for tag in types or ():
        if tag not in MILESTONE_TAGS:
            raise UnknownReference("milestone type", tag)
    roles = list(dict.fromkeys(roles or ["subject"]))
    for role in roles:
        if role not in ROLES:
            raise UnknownReference("region role", role)
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    limit = min(limit, MAX_LIMIT)
    known = known_position(store, known_at)
    subtree = descendants and tree_of(reference).has_children(region)
    where = ["s.scope = ?"]
    params: list[Any] = [scope_key(region, subtree=subtree)]
    clause, values = known_filter("s.vid", "v.known_to", known)
    where.append(clause)
    params += values
    if not include_retracted:
        where.append("s.retracted = 0")
    where.append(f"s.role IN ({','.join('?' * len(roles))})")
    params += [ROLES[role] for role in roles]
    if types:
        where.append(f"s.type IN ({','.join('?' * len(types))})")
        params += types
    if (day := as_day(date_from)) is not None:
        where.append("(s.latest IS NULL OR s.latest >= ?)")
        params.append(day.toordinal())
    if (day := as_day(date_to)) is not None:
        where.append("(s.earliest IS NULL OR s.earliest <= ?)")
        params.append(day.toordinal())
    newest = order == "newest"
    # A milestone listed under several roles of the region (or its subtree) is shown once.
    distinct = "DISTINCT " if len(roles) > 1 else ""
    sql = (
        f"SELECT {distinct}s.sort_key, s.retracted, v.payload, v.amendments FROM timeline_scope s "
        f"LEFT JOIN timeline_versions v ON v.vid = s.vid AND v.position = s.sort_key & {MAX_POSITION} "
        f"WHERE {' AND '.join(where)} "
        f"AND s.sort_key {'<' if newest else '>'} ? ORDER BY s.sort_key {'DESC' if newest else ''} LIMIT ?"
    )
    after = decode_cursor(cursor) if cursor else (1 << 63) - 1 if newest else -1
    keep = _matcher(programmes, q)
    found: list[tuple[int, TimelineEntry]] = []
    # Programme and text filters look inside the payload: read on in chunks until the page is full.
    chunk = limit + 1 if keep is None else max(limit + 1, 200)
    with read_snapshot(store) as conn:
        checkpoint = checkpoint_of(conn, "timeline")
        while len(found) <= limit:
            rows = conn.execute(sql, [*params, after, chunk]).fetchall()
            logged = read_payloads(conn, [row[0] & MAX_POSITION for row in rows])
            for row in rows:
                entry = _entry(row, logged[row[0] & MAX_POSITION])
                if keep is None or keep(entry):
                    found.append((row[0], entry))
            if len(rows) < chunk:
                break
            after = rows[-1][0]
    more = len(found) > limit
    found = found[:limit]
    return TimelinePage(
        region=region,
        entries=[entry for _, entry in found],
        next_cursor=encode_cursor(found[-1][0]) if more else None,
        basis=Basis(position=basis_position(checkpoint, known), known_at=known),
    )


def _matcher(programmes: list[str] | None, q: str | None) -> Callable[[TimelineEntry], bool] | None:
    if not programmes and not q:
        return None
    wanted = set(programmes or ())
    needle = q.casefold() if q else None

    def keep(entry: TimelineEntry) -> bool:
        if wanted and wanted.isdisjoint(entry.programmes):
            return False
        if needle is None:
            return True
        title, summary = entry.title, entry.summary
        return needle in f"{title.zh}\x1f{title.en}\x1f{summary.zh}\x1f{summary.en}".casefold()

    return keep


def _entry(row: tuple[Any, ...], logged: tuple[str, str, str]) -> TimelineEntry:
    sort_key, retracted, payload, amendments = row
    event_id, recorded_at, original = logged
    data: dict[str, Any] = _decode(payload or original)
    found = _decode_amendments(amendments) if amendments else _Amendments()
    recorded = datetime.fromisoformat(recorded_at)
    changes = [c.recorded_at for c in found.corrections]
    if found.retraction is not None:
        changes.append(found.retraction.recorded_at)
    note = data.pop("note", None)
    return TimelineEntry(
        event_id=event_id,
        position=sort_key & MAX_POSITION,
        type=data.pop("type"),
        occurred=date_value(data.pop("occurred")),
        regions=data.pop("regions"),
        participants=data.pop("participants", []),
        issuers=data.pop("issuers", []),
        programmes=data.pop("programmes", []),
        title=Text(**data.pop("title")),
        summary=LongText(**data.pop("summary")),
        sources=[Source(**source) for source in data.pop("sources")],
        confidence=data.pop("confidence", "high"),
        note=LongText(**note) if note else None,
        details=data,
        corrected=bool(found.corrections),
        corrections=found.corrections,
        retracted=bool(retracted),
        retraction=found.retraction,
        recorded_at=recorded,
        last_modified=max(changes, default=recorded),
        sequence=len(changes),
    )


def scope_changed_at(store: Db, reference: Reference, region: str, *, descendants: bool) -> int:
    """The last log position that changed what a region's timeline lists (0: nothing yet): a
    version listed under it, or a listed version superseded (moved away, corrected, retracted).

    Answers built from one region's entries (feeds, the widget) take their validators from it,
    so a write elsewhere leaves them as they are."""
    reference.region(region)
    subtree = descendants and tree_of(reference).has_children(region)
    with read_snapshot(store) as conn:
        row = conn.execute(
            "SELECT max(s.vid), max(v.known_to) FROM timeline_scope s "
            "LEFT JOIN timeline_versions v ON v.vid = s.vid WHERE s.scope = ?",
            [scope_key(region, subtree=subtree)],
        ).fetchone()
    return max(row[0] or 0, row[1] or 0)
