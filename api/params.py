"""Query parameters shared by the routes: their OpenAPI description and their parsing.

Litestar checks types and bounds (a non-numeric or negative `limit`); what needs the core's
rules (a day that does not exist, a milestone type, a programme) is parsed here and reported
as `BadParameter`, a 400 problem naming the parameter.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from litestar.openapi.spec import Example
from litestar.params import QueryParameter

from api.errors import BadParameter
from events.dates import parse_day
from events.errors import InvalidDate
from events.reference import Reference
from events.types import MILESTONE_TYPES

MILESTONE_TAGS = tuple(cls.__struct_config__.tag for cls in MILESTONE_TYPES)
MAX_LIMIT = 500
# Past 2**53 a position is neither exact in a JSON number nor in JavaScript (and SQLite stops
# at 2**63): a larger one can only be a mistake, answered 400, never a 500.
MAX_POSITION = 2**53 - 1
# ASCII digits only: Python's `\d` and `isdigit` also take "²", "١٢٣" and full-width digits.
# Years 0001-9999: Python's dates know no year 0.
_YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
DAY_PATTERN = rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DAY = {"format": "date"}  # the schema also says a day must exist (no 30 February)
_POSITION = re.compile(r"[0-9]{1,16}")
# `types`: milestone tags separated by commas (items may be empty or padded with spaces).
_TAG = "|".join(MILESTONE_TAGS)
TYPES_PATTERN = rf"^\s*({_TAG})?\s*(,\s*({_TAG})?\s*)*$"
ROLE_NAMES = ("subject", "participant", "issuer")
_ROLE = "|".join(ROLE_NAMES)
ROLES_PATTERN = rf"^\s*({_ROLE})?\s*(,\s*({_ROLE})?\s*)*$"
# `known_at`: a log position, or an RFC 3339 date-time with seconds and an offset (upper-case
# T and Z: Python's parser takes no other).
_RFC3339 = (
    rf"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
KNOWN_AT_PATTERN = rf"^([0-9]{{1,16}}|{_RFC3339})$"
# What a pattern means, for problem details (a regex is no explanation).
PATTERN_HINTS = {
    KNOWN_AT_PATTERN: "expected a log position (a whole number) or an RFC 3339 time with an offset, "
    "such as 2024-09-01T08:00:00Z",
    DAY_PATTERN: "expected a day as YYYY-MM-DD in ASCII digits, such as 2021-05-07",
    TYPES_PATTERN: f"expected milestone types separated by commas, from: {', '.join(MILESTONE_TAGS)}",
    ROLES_PATTERN: f"expected region roles separated by commas, from: {', '.join(ROLE_NAMES)}",
}


def _examples(*values: str) -> list[Example]:
    return [Example(summary=value, value=value) for value in values]


AsOf = Annotated[
    str,
    QueryParameter(
        description="Valid time: the day the question is about (YYYY-MM-DD).",
        pattern=DAY_PATTERN,
        schema_extra=DAY,
        examples=_examples("2021-05-07"),
    ),
]
DateFrom = Annotated[
    str | None,
    QueryParameter(
        name="from",
        description="Only entries that may have happened on or after this day (YYYY-MM-DD).",
        pattern=DAY_PATTERN,
        schema_extra=DAY,
        examples=_examples("2019-01-01"),
    ),
]
DateTo = Annotated[
    str | None,
    QueryParameter(
        name="to",
        description="Only entries that may have happened on or before this day (YYYY-MM-DD).",
        pattern=DAY_PATTERN,
        schema_extra=DAY,
        examples=_examples("2022-12-31"),
    ),
]
KnownAt = Annotated[
    str | None,
    QueryParameter(
        description="Transaction time: answer as the log stood at this position (an integer) or "
        "at this RFC 3339 time; later events and corrections are ignored.",
        pattern=KNOWN_AT_PATTERN,
        examples=_examples("42", "2024-09-01T00:00:00Z"),
    ),
]
MinPosition = Annotated[
    int | None,
    QueryParameter(
        ge=0,
        le=MAX_POSITION,
        schema_extra={"minimum": 0},  # Litestar drops a `ge` of 0 from an optional int's schema
        description="Read-your-writes: wait (briefly) until the views reflect at least this log "
        "position, e.g. the `last_position` a write answered with; 503 if they do not in time.",
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size (1-{MAX_LIMIT}).")]
Lang = Annotated[
    Literal["zh", "en"] | None,
    QueryParameter(description="Adds a `display` object with the title and summary in this language."),
]
CommaList = Annotated[
    str | None,
    QueryParameter(description="Comma-separated values.", max_length=2000),
]
TypesList = Annotated[
    str | None,
    QueryParameter(
        description=f"Comma-separated milestone types: {', '.join(MILESTONE_TAGS)}.",
        max_length=2000,
        pattern=TYPES_PATTERN,
    ),
]


def day(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value)
    except InvalidDate as e:
        raise BadParameter(name, e.reason) from None


def required_day(name: str, value: str) -> date:
    parsed = day(name, value)
    assert parsed is not None
    return parsed


def known_at(value: str | None) -> int | datetime | None:
    """A log position, or an RFC 3339 time with its offset."""
    if value is None:
        return None
    if _POSITION.fullmatch(value) and int(value) <= MAX_POSITION:
        return int(value)
    try:
        moment = datetime.fromisoformat(value) if value.isascii() else None
    except ValueError:
        moment = None
    if moment is None or "T" not in value.upper() or moment.tzinfo is None:
        raise BadParameter(
            "known_at",
            f"{value[:40]!r} is neither a log position (a whole number from 0 to {MAX_POSITION}) "
            "nor an RFC 3339 time with an offset such as 2024-09-01T08:00:00Z",
        )
    return moment


def comma_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


def milestone_types(value: str | None) -> list[str] | None:
    types = comma_list(value)
    for tag in types or ():
        if tag not in MILESTONE_TAGS:
            raise BadParameter("types", f"no milestone type {tag!r}; one of {', '.join(MILESTONE_TAGS)}")
    return types


Roles = Annotated[
    str | None,
    QueryParameter(
        description="Comma-separated roles of the region in the milestones shown: `subject` (the default: "
        "what the milestone is about or where it happened), `participant` (spoke, reported, attended), "
        "`issuer` (issued or awarded it).",
        max_length=200,
        pattern=ROLES_PATTERN,
    ),
]


def region_roles(value: str | None) -> list[str] | None:
    roles = comma_list(value)
    for role in roles or ():
        if role not in ROLE_NAMES:
            raise BadParameter("roles", f"no region role {role!r}; one of {', '.join(ROLE_NAMES)}")
    return roles


def programme_slugs(reference: Reference, value: str | None) -> list[str] | None:
    slugs = comma_list(value)
    for slug in slugs or ():
        if not reference.contains("programme", slug):
            raise BadParameter("programmes", f"no programme {slug!r}")
    return slugs


def region_filter(reference: Reference, name: str, code: str | None) -> str | None:
    if code is not None and not reference.contains("region", code):
        raise BadParameter(name, f"no region with code {code!r}")
    return code
