"""The write routes: bearer tokens, appends and batches, expected versions, idempotency,
corrections and retractions, and reading one's own writes."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

import api.caching
from tests.conftest import RawLog
from tests.test_api_support import AUTH, BASE, ID, TOKEN, new_event


@pytest.fixture
def store_db(log_db: str) -> str:
    """Each test here runs on SQLite and on PostgreSQL."""
    return log_db


PROBLEM = "application/problem+json"
NO_SOURCE = "Every event needs at least one source: `sources` lists the documents it rests on"


def head(client: TestClient) -> int:
    return client.get("/health").json()["head"]


def test_a_write_without_a_token_is_401_with_www_authenticate(client: TestClient) -> None:
    response = client.post("/events", json=new_event())
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="reform-timeline"'
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Authentication required"
    wrong = client.post("/events", json=new_event(), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    basic = client.post("/events", json=new_event(), headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    assert head(client) == 5


def test_without_a_token_the_body_is_not_read(client: TestClient) -> None:
    # Too large and not JSON: a server that read it first would answer 413 or 400, not 401.
    response = client.post("/events", content=b"x" * 50_000, headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_one_event_is_appended_with_its_position_and_id(client: TestClient) -> None:
    response = client.post("/events", json=new_event(), headers=AUTH)
    assert response.status_code == 201
    body = response.json()
    assert body["first_position"] == body["last_position"] == 6
    assert body["positions"] == [6]
    (event_id,) = body["event_ids"]
    assert body["urls"] == [f"{BASE}/events/{event_id}"]
    assert response.headers["location"] == f"{BASE}/events/{event_id}"
    assert body["replayed"] is False
    logged = client.get(f"/events/{event_id}").json()["record"]
    assert logged["position"] == 6 and logged["stream"] == f"milestone-{event_id}"


def test_a_batch_is_all_or_nothing_with_the_path_of_each_bad_field(client: TestClient) -> None:
    bad = new_event(occurred="2021-02-30", regions=["149999"])
    response = client.post("/events", json=[new_event(), bad, new_event(type="rating_awarded")], headers=AUTH)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["title"] == "Invalid event"
    paths = [e["path"] for e in problem["errors"]]
    assert "$[1].occurred" in paths
    assert "$[2].grade" in paths  # a rating without its grade: the missing field is named
    assert any("February" in e["message"] for e in problem["errors"])
    assert head(client) == 5
    regions = client.post("/events", json=new_event(regions=["149999"]), headers=AUTH).json()
    assert regions["errors"] == [{"path": "$.regions[0]", "message": "No region with code '149999'"}]
    ok = client.post(
        "/events", json=[{"event": new_event(), "expected_version": 0}, new_event()], headers=AUTH
    )
    assert ok.status_code == 201 and ok.json()["positions"] == [6, 7]


def test_an_event_without_a_source_is_refused(client: TestClient) -> None:
    empty = client.post("/events", json=new_event(sources=[]), headers=AUTH)
    assert empty.status_code == 422
    assert empty.json()["errors"] == [{"path": "$.sources", "message": NO_SOURCE}]
    missing = new_event()
    del missing["sources"]
    response = client.post("/events", json=[missing], headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "$[0].sources", "message": NO_SOURCE}]
    unknown = client.post("/events", json=new_event(sources=[{"document": "nowhere"}]), headers=AUTH)
    assert unknown.json()["errors"] == [{"path": "$.sources[0].document", "message": "No source 'nowhere'"}]
    assert head(client) == 5


def test_a_stale_expected_version_is_409_naming_the_current_one(client: TestClient) -> None:
    item = {"event": new_event(), "stream": "milestone-meeting", "expected_version": 0}
    response = client.post("/events", json=item, headers=AUTH)
    assert response.status_code == 409
    problem = response.json()
    assert problem["title"] == "Stale expected version"
    assert (problem["stream"], problem["expected_version"], problem["current_version"]) == (
        "milestone-meeting",
        0,
        1,
    )
    assert head(client) == 5
    item["expected_version"] = 1
    assert client.post("/events", json=item, headers=AUTH).status_code == 201


def test_an_idempotency_key_replays_and_refuses_reuse(client: TestClient) -> None:
    headers = {**AUTH, "Idempotency-Key": "import-42"}
    first = client.post("/events", json=new_event(), headers=headers)
    again = client.post("/events", json=new_event(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["event_ids"] == first.json()["event_ids"]
    assert again.json()["replayed"] is True and again.headers["idempotent-replayed"] == "true"
    assert head(client) == 6
    for bad in ("ключ".encode(), b"two words", b"k" * 201):
        refused = client.post("/events", json=new_event(), headers={**AUTH, "Idempotency-Key": bad})  # type: ignore[dict-item]
        assert refused.status_code == 400 and refused.json()["errors"][0]["path"] == "Idempotency-Key"
    other = client.post("/events", json=new_event(occurred="2023"), headers=headers)
    assert other.status_code == 409
    assert other.json()["title"] == "Idempotency key reused"
    assert head(client) == 6


def test_a_correction_changes_the_views_and_keeps_history(client: TestClient) -> None:
    body = {
        "changes": {"occurred": "2017-09"},
        "reason": {"zh": "日期有误", "en": "Wrong month"},
        "sources": [{"document": "test-doc"}],
        "expected_version": 1,
    }
    response = client.post(f"/events/{ID['pilot']}/corrections", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    position = response.json()["last_position"]
    entry = client.get("/regions/140781/timeline", params={"min_position": position}).json()["entries"][0]
    assert entry["occurred"]["edtf"] == "2017-09" and entry["corrected"] is True
    before = client.get("/regions/140781/timeline", params={"known_at": "5"}).json()
    assert before["entries"][0]["occurred"]["edtf"] == "2017-10"
    assert before["basis"]["known_at"] == 5
    detail = client.get(f"/events/{ID['pilot']}").json()
    assert [a["type"] for a in detail["amendments"]] == ["milestone_corrected"]
    amendment = client.get(detail["amendments"][0]["url"].removeprefix(BASE)).json()
    assert amendment["amends"] == f"{BASE}/events/{ID['pilot']}"


def test_a_bad_correction_names_the_field_in_the_body_sent(client: TestClient) -> None:
    body = {
        "changes": {"occurred": "2017-13"},
        "reason": {"zh": "错", "en": "Wrong"},
        "sources": [{"document": "test-doc"}],
    }
    response = client.post(f"/events/{ID['pilot']}/corrections", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.changes.occurred"
    unknown_field = {**body, "changes": {"colour": "red"}}
    problem = client.post(f"/events/{ID['pilot']}/corrections", json=unknown_field, headers=AUTH).json()
    assert problem["errors"][0]["path"] == "$.changes.colour"
    no_reason = {"changes": {"occurred": "2017"}, "sources": [{"document": "test-doc"}]}
    problem = client.post(f"/events/{ID['pilot']}/corrections", json=no_reason, headers=AUTH).json()
    assert problem["status"] == 422 and "reason" in problem["errors"][0]["message"]
    stale = {**body, "changes": {"occurred": "2017"}, "expected_version": 3}
    conflict = client.post(f"/events/{ID['pilot']}/corrections", json=stale, headers=AUTH).json()
    assert (conflict["status"], conflict["current_version"]) == (409, 1)
    missing = client.post("/events/00000000-0000-4000-8000-0000000000ff/corrections", json=body, headers=AUTH)
    assert missing.status_code == 404 and missing.json()["title"] == "Unknown event"
    assert head(client) == 5


def test_a_retraction_takes_a_milestone_out_of_the_default_views(client: TestClient) -> None:
    body = {"reason": {"zh": "不实", "en": "Not true"}, "sources": [{"document": "test-doc"}]}
    response = client.post(f"/events/{ID['policy']}/retractions", json=body, headers=AUTH)
    assert response.status_code == 201
    position = response.json()["last_position"]
    shown = client.get("/regions/140100/timeline", params={"min_position": position}).json()
    assert shown["entries"] == []
    kept = client.get("/regions/140100/timeline", params={"include_retracted": "true"}).json()
    assert kept["entries"][0]["retracted"] is True
    detail = client.get(f"/events/{ID['policy']}").json()
    assert detail["retracted"] is True
    retraction_id = detail["amendments"][0]["event_id"]
    again = client.post(f"/events/{retraction_id}/retractions", json=body, headers=AUTH)
    assert again.status_code == 422 and again.json()["errors"][0]["path"] == "event_id"


def test_reads_wait_for_min_position_then_give_up_with_503(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = client.post("/events", json=new_event(regions=["140100"]), headers=AUTH)
    position = response.json()["last_position"]
    timeline = client.get("/regions/140100/timeline", params={"min_position": position}).json()
    assert timeline["basis"]["position"] >= position
    assert len(timeline["entries"]) == 2
    beyond = client.get("/regions/140100/timeline", params={"min_position": position + 100})
    assert beyond.status_code == 409 and beyond.json()["errors"][0]["path"] == "min_position"
    monkeypatch.setattr(api.caching, "_catch_up", lambda api: None)  # views stuck (e.g. a rebuild)
    later = client.post("/events", json=new_event(regions=["140100"]), headers=AUTH).json()["last_position"]
    late = client.get("/regions/140100/status", params={"as_of": "2022-01-01", "min_position": later})
    assert late.status_code == 503
    assert late.headers["retry-after"] == "1"
    assert late.json()["title"] == "Views not yet caught up"
    assert late.json()["position"] == position


def test_writes_are_503_while_the_chain_is_broken(client: TestClient, store_db: str) -> None:
    raw = RawLog(store_db)  # what a verification walk that found a break records
    raw.execute("UPDATE integrity SET broken_position = 3, broken_reason = 'tampered' WHERE id = 1")
    raw.close()
    response = client.post("/events", json=new_event(), headers=AUTH)
    assert response.status_code == 503
    assert response.headers["retry-after"]
    problem = response.json()
    assert problem["title"] == "Writes are on hold: hash chain broken" and problem["position"] == 3
    health = client.get("/health").json()
    assert health["status"] == "degraded" and health["integrity"].startswith("broken at position 3")
