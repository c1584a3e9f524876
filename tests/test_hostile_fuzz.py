"""Random hostile input for a time budget: mutated events, odd parameter values, broken Host
headers. Every answer is a success or an RFC 9457 problem, never a 5xx; a refused write
leaves the log as it was.

The seed is random on every run and printed; rerun a failure with `FUZZ_SEED=<seed>`.
`FUZZ_SECONDS` sets the budget (default 4 s; bench/faults.py runs it longer).
"""

from __future__ import annotations

import copy
import os
import random
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import TestClient

from events.store import EventStore
from tests.test_api_support import AUTH, ID, new_event, open_client, seeded_settings

PROBLEM = "application/problem+json"
SEED = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(2**32))
SECONDS = float(os.environ.get("FUZZ_SECONDS") or 4)

# Characters that broke something once, or could: other scripts' digits, controls, separators,
# bidi overrides, surrogate-adjacent and astral code points, quotes and markup.
ODD = [
    "²",
    "١",
    "٠",
    "２",
    "߀",
    "\u0085",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\r",
    "\n",
    "\t",
    "\x00",
    "\x1b",
    "\ufeff",
    "\ufffd",
    "\U0001f600",
    "'",
    '"',
    "<",
    ">",
    "&",
    "\\",
    "%",
    "%00",
    "..",
    "/",
    ":",
    "?",
]
NUMBERS = [
    "0",
    "-1",
    "1",
    "500",
    "501",
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 400,
    "1e3",
    "0x10",
    " 1",
]
PATHS = [
    "/regions",
    "/regions/140781",
    "/regions/140781/timeline",
    "/regions/140781/status",
    "/programmes",
    "/programmes/county-integration",
    "/programmes/county-integration/regions",
    "/events",
    f"/events/{ID['pilot']}",
    "/sources",
    "/sources/test-doc",
    "/feeds/regions/140781.ics",
    "/widget/regions/140781.json",
    "/embed/regions/140781",
    "/schema/openapi.json",
]
PARAMS = [
    "after",
    "limit",
    "known_at",
    "as_of",
    "from",
    "to",
    "lang",
    "tree",
    "types",
    "programmes",
    "descendants",
    "cursor",
    "min_position",
    "q",
    "status",
    "within",
    "retracted",
    "spans",
    "theme",
]


def odd_text(rng: random.Random) -> str:
    parts = [
        rng.choice(ODD + NUMBERS + ["2021-05-07", "zh", "true", "140781", "a"])
        for _ in range(rng.randint(1, 4))
    ]
    return "".join(parts)


def odd_value(rng: random.Random) -> Any:
    return rng.choice(
        [
            odd_text(rng),
            int(rng.choice(NUMBERS[:9])),
            rng.random() * 10 ** rng.randint(0, 30),
            None,
            True,
            [],
            {},
            [odd_text(rng)],
            {"zh": odd_text(rng), "en": odd_text(rng)},
        ]
    )


def mutate(value: Any, rng: random.Random) -> Any:
    """`value` with one leaf (or key) replaced by something odd."""
    value = copy.deepcopy(value)
    parent: Any = None
    key: Any = None
    node = value
    for _ in range(rng.randint(1, 4)):
        if not isinstance(node, (dict, list)) or not node:
            break
        parent, key = node, rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        node = parent[key]
        if rng.random() < 0.3:
            break
    if parent is None:
        return odd_value(rng)
    if isinstance(parent, dict) and rng.random() < 0.2:
        parent[odd_text(rng)] = parent.pop(key)
    else:
        parent[key] = odd_value(rng)
    return value


def request(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    roll = rng.random()
    headers: dict[str, str] = {}
    if rng.random() < 0.15:
        headers["Host"] = rng.choice(
            ["h:abc", "h:70000", "[::1", "h:0", "[::1]:8080", "example.org:8080", "a b"]
        )
    if roll < 0.45:
        body: Any = mutate(
            {"event": new_event(), "event_id": ID["pilot"] if rng.random() < 0.1 else None}, rng
        )
        if rng.random() < 0.3:
            body = [body, mutate(new_event(), rng)]
        return "POST", "/events", {"json": body, "headers": {**AUTH, **headers}}
    if roll < 0.55:
        target = rng.choice([ID["meeting"], ID["pilot"], odd_text(rng)])
        body = mutate(
            {
                "changes": {"title": {"zh": "题", "en": "T"}},
                "reason": {"zh": "因", "en": "R"},
                "sources": [{"document": "test-doc"}],
            },
            rng,
        )
        path = f"/events/{quote(target, safe='')}/corrections"
        return "POST", path, {"json": body, "headers": {**AUTH, **headers}}
    params = {rng.choice(PARAMS): odd_text(rng) for _ in range(rng.randint(1, 3))}
    if rng.random() < 0.5:
        params.setdefault("as_of", "2021-05-07")
    return "GET", rng.choice(PATHS), {"params": params, "headers": headers}


@pytest.fixture
def store_db(log_db: str) -> str:
    """On each backend: PostgreSQL refuses what SQLite stores (a NUL in text, an integer past
    64 bits), so odd input must be caught before either sees it."""
    return log_db


@pytest.fixture
def client(store: EventStore, store_db: str) -> Iterator[TestClient]:
    yield from open_client(seeded_settings(store, store_db, max_body_bytes=200_000))


def test_random_hostile_requests_get_answers_or_problems_never_a_server_error(client: TestClient) -> None:
    print(f"fuzz seed {SEED} (rerun with FUZZ_SEED={SEED}), budget {SECONDS} s")
    rng = random.Random(SEED)
    deadline = time.monotonic() + SECONDS
    sent = 0
    head = client.get("/events", params={"limit": 1}).json()["head"]
    while time.monotonic() < deadline or sent < 50:
        method, path, kwargs = request(rng)
        response = client.request(method, path, **kwargs)
        sent += 1
        where = f"seed {SEED}, request {sent}: {method} {path} {kwargs}"
        assert response.status_code < 500, f"{where} -> {response.status_code} {response.text[:300]}"
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM, where
            assert response.json()["status"] == response.status_code, where
        now = client.get("/events", params={"limit": 1}).json()["head"]
        assert now == head + (len(response.json()["event_ids"]) if response.status_code == 201 else 0), where
        head = now
    print(f"{sent} requests")
