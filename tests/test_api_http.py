"""HTTP behaviour shared by every route: problem documents for each error, ETag and 304,
Cache-Control, CORS, body limits and media types."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from litestar.testing import TestClient

import api.caching
from api.caching import ViewCache
from api.context import Api
from events.errors import StoreUnavailable
from events.reference import Reference
from events.store import EventStore
from events.types import Text
from tests.test_api_support import AUTH, ID, new_event


@pytest.fixture
def store_db(log_db: str) -> str:
    """Each test here runs on SQLite and on PostgreSQL."""
    return log_db


PROBLEM = "application/problem+json"


def problem(response: object, status: int) -> dict[str, object]:
    """The response's problem document, checked for the RFC 9457 members."""
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    return body


def test_a_get_carries_an_etag_and_answers_304_until_the_log_changes(client: TestClient) -> None:
    first = client.get("/regions/140781/timeline")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=60"
    again = client.get("/regions/140781/timeline", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other_query = client.get("/regions/140781/timeline", params={"lang": "zh"})
    assert other_query.headers["etag"] != etag
    assert (
        client.get("/regions/140781/timeline", headers={"If-None-Match": f'W/{etag}, "x"'}).status_code == 304
    )
    client.post("/events", json=new_event(regions=["140781"]), headers=AUTH)
    changed = client.get("/regions/140781/timeline", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(changed.json()["entries"]) == 3


def test_a_catalogue_edit_outside_the_log_changes_the_etag_and_the_answer(
    client: TestClient, store: EventStore
) -> None:
    first = client.get("/regions/140781")
    etag = first.headers["etag"]
    reference = Reference(store.db)
    region = reference.region("140781")
    renamed = msgspec.structs.replace(region, name=Text(zh=region.name.zh, en="Renamed"))
    reference.upsert([renamed])  # another connection; the log's head does not move
    changed = client.get("/regions/140781", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Renamed" in changed.text


def test_equal_requests_share_the_cached_body(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    compute = api.caching.compute_view
    monkeypatch.setattr(api.caching, "compute_view", lambda *args: calls.append(1) or compute(*args))
    bodies = {client.get("/regions/140700").content for _ in range(3)}
    assert len(bodies) == 1 and len(calls) == 1


def test_any_origin_may_read(client: TestClient) -> None:
    response = client.get("/regions", headers={"Origin": "https://news.example.com"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "etag" in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/regions/149999", "Unknown region"),
        ("/regions/149999/timeline", "Unknown region"),
        ("/regions/149999/status?as_of=2020-01-01", "Unknown region"),
        ("/programmes/no-such-programme", "Unknown programme"),
        ("/programmes/no-such-programme/regions?as_of=2020-01-01", "Unknown programme"),
        ("/sources/no-such-source", "Unknown source"),
        ("/events/00000000-0000-4000-8000-0000000000ff", "Unknown event"),
        ("/events/not-a-uuid", "Unknown event"),
        ("/no/such/route", "Not found"),
    ],
)
def test_unknown_things_are_404_problems(client: TestClient, path: str, title: str) -> None:
    body = problem(client.get(path), 404)
    assert body["title"] == title
    assert body["instance"] == path.split("?")[0]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/regions/140781/status?as_of=2021-02-30", "as_of"),
        ("/regions/140781/status?as_of=yesterday", "as_of"),
        ("/regions/140781/status", "as_of"),
        ("/regions/140781/timeline?from=2021-13-01", "from"),
        ("/regions/140781/timeline?to=last-year", "to"),
        ("/regions/140781/timeline?limit=-1", "limit"),
        ("/regions/140781/timeline?limit=0", "limit"),
        ("/regions/140781/timeline?limit=many", "limit"),
        ("/regions/140781/timeline?known_at=last-week", "known_at"),
        ("/regions/140781/timeline?known_at=2024-01-01T00:00:00", "known_at"),
        ("/regions/140781/timeline?min_position=-3", "min_position"),
        ("/regions/140781/timeline?types=parade", "types"),
        ("/regions/140781/timeline?programmes=nothing", "programmes"),
        ("/regions/140781/timeline?cursor=garbage", "cursor"),
        ("/programmes/dip-payment/regions?as_of=2020-01-01&within=149999", "within"),
        ("/programmes/dip-payment/regions?as_of=2020-01-01&status=famous", "status"),
        ("/events?after=abc", "after"),
        ("/events?after=-1", "after"),
    ],
)
def test_invalid_parameters_are_400_problems_naming_the_parameter(
    client: TestClient, path: str, parameter: str
) -> None:
    body = problem(client.get(path), 400)
    assert body["title"] == "Invalid parameter"
    assert [e["path"] for e in body["errors"]] == [parameter]  # type: ignore[union-attr]
    assert parameter in str(body["detail"])


def test_known_at_takes_an_rfc3339_time(client: TestClient) -> None:
    past = client.get("/regions/140781/timeline", params={"known_at": "2000-01-01T00:00:00Z"}).json()
    assert past["entries"] == [] and past["basis"]["known_at"] == 0
    now = client.get("/regions/140781/timeline", params={"known_at": "2999-01-01T08:00:00+08:00"}).json()
    assert len(now["entries"]) == 2 and now["basis"]["known_at"] == 5


def test_bad_json_is_400(client: TestClient) -> None:
    json_auth = {**AUTH, "Content-Type": "application/json"}
    body = problem(
        client.post("/events", content=b'{"type": ', headers={**AUTH, "Content-Type": "application/json"}),
        400,
    )
    assert body["title"] == "Malformed JSON"
    empty = problem(
        client.post("/events", content=b"", headers={**AUTH, "Content-Type": "application/json"}), 400
    )
    assert empty["title"] == "Empty body"
    deep = problem(client.post("/events", content=b"[" * 5000 + b"]" * 5000, headers=json_auth), 400)
    assert deep["detail"] == "The request body is nested too deeply."
    bad_utf8 = b'{"type": "meeting_held", "title": {"en": "\xff\xfe"}}'
    utf8 = problem(client.post("/events", content=bad_utf8, headers=json_auth), 400)
    assert utf8["title"] == "Malformed JSON"
    scalar = problem(client.post("/events", json=42, headers=AUTH), 422)
    assert scalar["errors"] == [{"path": "$", "message": "Expected an event object or an array of them"}]
    assert problem(client.post("/events", json=[], headers=AUTH), 422)["errors"][0]["path"] == "$"


def test_writes_need_json_415(client: TestClient) -> None:
    body = problem(
        client.post("/events", content=b"type=meeting", headers={**AUTH, "Content-Type": "text/plain"}), 415
    )
    assert body["title"] == "Unsupported media type" and "text/plain" in str(body["detail"])
    assert (
        client.post(
            "/events", json=new_event(), headers={**AUTH, "Content-Type": "application/json; charset=utf-8"}
        ).status_code
        == 201
    )


def test_a_body_over_the_limit_is_413_by_length_or_by_count(client: TestClient) -> None:
    big = b"[" + b" " * 30_000 + b"]"
    body = problem(
        client.post("/events", content=big, headers={**AUTH, "Content-Type": "application/json"}), 413
    )
    assert body["title"] == "Request body too large" and "20000" in str(body["detail"])

    def chunks() -> Iterator[bytes]:  # no Content-Length: the bytes are counted as they come
        yield b"["
        for _ in range(30):
            yield b" " * 1000
        yield b"]"

    problem(
        client.post("/events", content=chunks(), headers={**AUTH, "Content-Type": "application/json"}), 413
    )
    assert client.get("/health").json()["head"] == 5


def test_an_unexpected_error_is_a_500_problem_without_a_trace(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> bytes:
        raise RuntimeError("secret internals at /srv/app.py line 12")

    monkeypatch.setattr(api.caching, "compute_view", explode)
    body = problem(client.get(f"/events/{ID['pilot']}"), 500)
    assert body["title"] == "Internal server error"
    assert "secret" not in str(body) and "Traceback" not in str(body)


def test_an_unusable_store_is_a_503_problem(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(self: Api) -> EventStore:
        raise StoreUnavailable("timeline.db", "disk I/O error")

    monkeypatch.setattr(Api, "store", unavailable)
    body = problem(client.post("/events", json=new_event(), headers=AUTH), 503)
    assert body["title"] == "Event log unavailable"


@pytest.mark.parametrize(
    "path",
    [
        "/regions/140781/timeline?lang=en",
        "/regions/140781/status?as_of=2021-05-07",
        "/regions/140781/lanes.svg",
        "/feeds/regions/140781.ics",
        "/widget.js",
        "/health",
        "/regions/999999/timeline",  # a 404 problem: its headers alone too
    ],
)
def test_head_answers_every_get_with_its_headers_and_no_body(client: TestClient, path: str) -> None:
    got = client.get(path, headers={"Accept-Encoding": "gzip"})
    head = client.head(path, headers={"Accept-Encoding": "gzip"})
    assert head.status_code == got.status_code and head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control", "content-encoding", "vary"):
        assert head.headers.get(name) == got.headers.get(name), name
    if "etag" in got.headers:
        again = client.head(path, headers={"If-None-Match": got.headers["etag"], "Accept-Encoding": "gzip"})
        assert again.status_code == 304 and again.content == b""


def test_a_wrong_method_is_a_405_problem(client: TestClient) -> None:
    response = client.put("/regions/140781")
    problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}


def test_the_answer_cache_keeps_to_its_bounds() -> None:
    cache = ViewCache(max_entries=3, max_bytes=800)
    for i in range(5):
        cache.put(f"k{i}".encode(), '"e"', b"x" * 90)
    kept = cache.get(b"k4", '"e"')
    assert cache.get(b"k0", '"e"') is None and kept is not None and kept.body == b"x" * 90
    assert cache.get(b"k4", '"other"') is None
    assert cache.size == 270
    cache.put(b"big", '"e"', b"x" * 101)  # over an eighth of the budget: not kept
    assert cache.get(b"big", '"e"') is None
    by_bytes = ViewCache(max_entries=100, max_bytes=800)
    for i in range(10):
        by_bytes.put(f"k{i}".encode(), '"e"', b"x" * 90)
    assert by_bytes.size == 720 and by_bytes.get(b"k1", '"e"') is None and by_bytes.get(b"k2", '"e"')
