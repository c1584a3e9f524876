"""The hostile requests, by kind, each with the status of the problem it must get."""

from __future__ import annotations

import json
from typing import Any

from tests.faults.hostile import KNOWN_ID, LIMIT, TOKEN, UNKNOWN_ID, Case, dumps, event


def _post(name: str, status: int, body: Any, **extra: Any) -> Case:
    raw = body if isinstance(body, bytes) else dumps(body)
    return Case(name=name, status=status, body=raw, **extra)


def _get(name: str, path: str, status: int = 400, **extra: Any) -> Case:
    return Case(
        name=name, status=status, method="GET", path=path, body=None, auth=False, media_type=None, **extra
    )


def _correction(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "milestone_corrected",
        "corrects": KNOWN_ID,
        "changes": changes,
        "reason": {"zh": "更正", "en": "Correction"},
        "sources": [{"document": "test-doc"}],
    }


_DEEP = b"[" * 5000 + b"]" * 5000

MALFORMED: list[Case] = [
    _post("truncated JSON", 400, b'{"type": '),
    _post("unclosed array", 400, b"[1, 2"),
    _post("trailing garbage", 400, b"{} x"),
    _post("single quotes", 400, b"{'type': 'meeting_held'}"),
    _post("empty body", 400, b""),
    _post("whitespace body", 400, b"   \n "),
    _post("raw NUL byte", 400, b'{"type": "meeting_held\x00"}'),
    _post(
        "invalid UTF-8 in a string",
        400,
        b'{"type": "meeting_held", "title": {"en": "\xff\xfe"}}',
    ),
    _post("lone surrogate escape", 400, dumps(event()).replace(b"A meeting", b"A \\ud800 meeting")),
    _post("deeply nested arrays", 400, _DEEP),
    _post("deeply nested objects", 400, b'{"a":' * 5000 + b"1" + b"}" * 5000),
    _post(
        "nested 200 deep in a correction",
        422,
        _correction({"title": json.loads('{"a":' * 200 + "1" + "}" * 200)}),
    ),
    _post("JSON null", 422, b"null"),
    _post("a bare number", 422, b"42"),
    _post("an empty batch", 422, b"[]"),
]

OVERSIZED: list[Case] = [
    _post("body over the limit", 413, b"[" + b" " * LIMIT + b"]"),
    _post("body over the limit, chunked", 413, b"[" + b" " * LIMIT + b"]", chunked=True),
    _post("huge string", 422, event(title={"zh": "长", "en": "x" * 50_000})),
    _post("huge array of regions", 422, event(regions=["140781"] * 5000)),
]

INVALID: list[Case] = [
    _post("NUL escaped in a title", 422, event(title={"zh": "会议", "en": "A\u0000meeting"})),
    _post("bell character in a summary", 422, event(summary={"zh": "会", "en": "ding\u0007"})),
    _post("unknown event type", 422, event(type="coup_d_etat")),
    _post("type missing", 422, event(type=None)),
    _post(
        "amount as text",
        422,
        event(type="incentive_awarded", amount_cny="5", awarding_body={"zh": "a", "en": "b"}),
    ),
    _post(
        "negative amount",
        422,
        event(type="incentive_awarded", amount_cny=-5, awarding_body={"zh": "a", "en": "b"}),
    ),
    _post("regions as a string", 422, event(regions="140781")),
    _post("title as a number", 422, event(title=5)),
    _post("occurred as a number", 422, event(occurred=2021)),
    _post("30 February", 422, event(occurred="2021-02-30")),
    _post("month 13", 422, event(occurred="2021-13")),
    _post("interval ending before it starts", 422, event(occurred="2021-05-07/2020-01-01")),
    _post("open at both ends", 422, event(occurred="../..")),
    _post("not a date", 422, event(occurred="yesterday")),
    _post("unknown region", 422, event(regions=["149999"])),
    _post("region code with SQL", 422, event(regions=["140781' OR '1'='1"])),
    _post("unknown programme", 422, event(programmes=["no-such-programme"])),
    _post("unknown source", 422, event(sources=[{"document": "forged-doc"}])),
    _post("no source", 422, event(sources=[])),
    _post("unknown top-level field", 422, {"event": event(), "admin": True}),
    _post("stream with a path", 422, {"event": event(), "stream": "../../etc/passwd"}),
    _post("negative expected version", 422, {"event": event(), "expected_version": -1}),
    _post("expected version as text", 422, {"event": event(), "expected_version": "1"}),
    _post("enormous expected version", 409, {"event": event(), "expected_version": 10**30}),
    _post("unknown field in the event", 422, event(programme=["county-integration"])),
    _post("event id not a UUID", 422, {"event": event(), "event_id": "1; DROP TABLE events"}),
    _post("one bad item spoils the batch", 422, [event(), event(occurred="2021-02-30")]),
    _post(
        "correction of an unknown event",
        404,
        {
            "changes": {"occurred": "2020"},
            "reason": {"zh": "a", "en": "b"},
            "sources": [{"document": "test-doc"}],
        },
        path=f"/events/{UNKNOWN_ID}/corrections",
    ),
    _post(
        "retraction of a non-UUID",
        404,
        {"reason": {"zh": "a", "en": "b"}, "sources": [{"document": "test-doc"}]},
        path="/events/..%2f..%2fetc/retractions",
    ),
    _post("text/plain body", 415, event(), media_type=b"text/plain"),
    _post("no content type", 415, event(), media_type=None),
    _post("form body", 415, b"type=meeting_held", media_type=b"application/x-www-form-urlencoded"),
]

_AUTH_BODY = dumps(event())
AUTH_CASES: list[Case] = [
    _post("no token", 401, _AUTH_BODY, auth=False),
    _post("forged token", 401, _AUTH_BODY, auth=False, headers=((b"authorization", b"Bearer forged-0123"),)),
    _post(
        "token with a suffix",
        401,
        _AUTH_BODY,
        auth=False,
        headers=((b"authorization", f"Bearer {TOKEN}x".encode()),),
    ),
    _post(
        "token prefix",
        401,
        _AUTH_BODY,
        auth=False,
        headers=((b"authorization", f"Bearer {TOKEN[:-1]}".encode()),),
    ),
    _post(
        "basic scheme", 401, _AUTH_BODY, auth=False, headers=((b"authorization", b"Basic YWRtaW46YWRtaW4="),)
    ),
    _post("empty bearer", 401, _AUTH_BODY, auth=False, headers=((b"authorization", b"Bearer "),)),
    _post("token in the query", 401, _AUTH_BODY, auth=False, path=f"/events?access_token={TOKEN}"),
]

INJECTION: list[Case] = [
    _post(
        "CR/LF in Idempotency-Key",
        400,
        _AUTH_BODY,
        headers=((b"idempotency-key", b"k1\r\nSet-Cookie: session=stolen"),),
    ),
    _post(
        "LF in Idempotency-Key",
        400,
        _AUTH_BODY,
        headers=((b"idempotency-key", b"k2\nX-Injected: yes"),),
    ),
    _post(
        "non-ASCII Idempotency-Key",
        400,
        _AUTH_BODY,
        headers=((b"idempotency-key", "ключ".encode()),),
    ),
    _post("overlong Idempotency-Key", 400, _AUTH_BODY, headers=((b"idempotency-key", b"k" * 201),)),
    _post("CR/LF in Content-Type", 415, _AUTH_BODY, media_type=b"text/plain\r\nX-Injected: yes"),
    _get("CR/LF in a path", "/regions/140781%0d%0aX-Injected:%20yes", 404),
    _get("CR/LF in a query value", "/regions/140781/timeline?lang=en%0d%0aX-Injected:%20yes"),
    _get("CR/LF in an ICS path", "/feeds/regions/140781%0d%0aX-Injected:%20yes.ics", 404),
]

PAGINATION: list[Case] = [
    _get("negative limit", "/events?limit=-1"),
    _get("zero limit", "/events?limit=0"),
    _get("text limit", "/events?limit=abc"),
    _get("fractional limit", "/events?limit=1.5"),
    _get("enormous limit", "/events?limit=100000000000000000000000"),
    _get("empty limit", "/events?limit="),
    _get("negative after", "/events?after=-3"),
    _get("text after", "/events?after=abc"),
    _get("negative timeline limit", "/regions/140781/timeline?limit=-1"),
    _get("forged cursor", "/regions/140781/timeline?cursor=eyJhIjoxfQ"),
    _get("NUL cursor", "/regions/140781/timeline?cursor=%00%ff"),
    _get("impossible as_of", "/regions/140781/status?as_of=2021-02-30"),
    _get("impossible from", "/regions/140781/timeline?from=2021-13-01"),
    _get("unknown type filter", "/regions/140781/timeline?types=coup_d_etat"),
    _get("unknown region", "/regions/149999", 404),
    _get("unknown programme", "/programmes/no-such-programme", 404),
    _get("unknown event", f"/events/{UNKNOWN_ID}", 404),
    Case(name="PUT on the log", status=405, method="PUT", body=_AUTH_BODY),
    Case(name="DELETE on an event", status=405, method="DELETE", path=f"/events/{UNKNOWN_ID}", body=None),
]

# What a 500 answered before issue 18, and what slipped through.
ISSUE_18: list[Case] = [
    _get("port that is no number in Host", "/regions", headers=((b"host", b"127.0.0.1:abc"),)),
    _get("port out of range in Host", "/regions/140781/timeline", headers=((b"host", b"h:70000"),)),
    _get("position past 2**63", "/events?after=9223372036854775808"),
    _get("superscript known_at", "/regions/140781/timeline?known_at=%C2%B2"),
    _get("5,000-digit known_at", "/regions/140781/timeline?known_at=" + "9" * 5000),
    _get(
        "Arabic-Indic digits in as_of",
        "/regions/140781/status?as_of=%D9%A2%D9%A0%D9%A2%D9%A1-%D9%A0%D9%A5-%D9%A0%D9%A7",
    ),
    _post("existing event_id", 409, {"event": event(), "event_id": KNOWN_ID}),
    _post("the same event_id twice", 422, [{"event": event(), "event_id": UNKNOWN_ID}] * 2),
    _post("U+2028 in a title", 422, event(title={"zh": "标题", "en": "a\u2028b"})),
    _post("bidi override in a locator", 422, event(sources=[{"document": "test-doc", "locator": "\u202e1"}])),
    _post("full-width digits in occurred", 422, event(occurred="\uff12\uff10\uff12\uff11")),
]

CASES: list[Case] = [*MALFORMED, *OVERSIZED, *INVALID, *AUTH_CASES, *INJECTION, *PAGINATION, *ISSUE_18]
