"""Parameters shared by the queries: days, `known_at`, and the bitemporal filter."""

from __future__ import annotations

from datetime import date, datetime

from events.dates import parse_day
from events.store import EventStore
from projections.base import Db

MAX_LIMIT = 500


def as_day(value: date | str | None) -> date | None:
    """A calendar day, parsed with `parse_day` when given as text (raises InvalidDate)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return parse_day(value)


def required_day(value: date | str) -> date:
    day = as_day(value)
    if day is None:
        raise TypeError("a day is required")
    return day


def known_position(source: Db, known_at: int | datetime | None) -> int | None:
    """`known_at` as a log position; a time becomes the last position recorded by then."""
    if known_at is None or isinstance(known_at, int):
        if isinstance(known_at, int) and known_at < 0:
            raise ValueError(f"known_at must be a log position >= 0, not {known_at}")
        return known_at
    if not isinstance(source, EventStore):
        raise TypeError("known_at as a time needs the EventStore, not a bare connection")
    return source.position_at(known_at)


def known_filter(known_from: str, known_to: str, known_at: int | None) -> tuple[str, list[int]]:
    """SQL selecting the rows the log knew at `known_at` (None: as known now)."""
    if known_at is None:
        return f"{known_to} IS NULL", []
    return f"{known_from} <= ? AND ({known_to} IS NULL OR {known_to} > ?)", [known_at, known_at]


def basis_position(checkpoint: int, known_at: int | None) -> int:
    return checkpoint if known_at is None else min(checkpoint, known_at)
