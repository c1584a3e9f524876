"""The public read routes through the real app: catalogues, timelines, status, the log."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.test_api_support import BASE, ID


@pytest.fixture
def store_db(log_db: str) -> str:
    """Each test here runs on SQLite and on PostgreSQL."""
    return log_db


def test_health_reports_head_projections_scheduler_and_integrity(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok"
    assert body["head"] == 5
    assert {p["name"] for p in body["projections"]} == {"timeline", "programme_status"}
    assert all(p["checkpoint"] == 5 and p["lag"] == 0 for p in body["projections"])
    assert body["scheduler"]["status"] == "not running"
    assert body["integrity"] == "ok"


def test_health_exposes_the_scheduler_the_process_runs(client: TestClient) -> None:
    class Scheduler:
        def describe(self) -> dict[str, object]:
            return {"owner": "me", "leading": True}

        def status(self) -> list[dict[str, object]]:
            return [{"job": "catch_up", "result": "ok"}]

    client.app.state.scheduler = Scheduler()
    scheduler = client.get("/health").json()["scheduler"]
    assert scheduler == {
        "status": "running",
        "detail": {"owner": "me", "leading": True},
        "jobs": [{"job": "catch_up", "result": "ok"}],
    }


def test_regions_flat_and_as_a_tree(client: TestClient) -> None:
    flat = client.get("/regions").json()
    assert [r["code"] for r in flat["regions"]] == ["140000", "140100", "140700", "140725", "140781"]
    assert flat["regions"][2] == {
        "code": "140700",
        "name": {"zh": "晋中市", "en": "Jinzhong"},
        "kind": "prefecture",
        "parent": "140000",
        "url": f"{BASE}/regions/140700",
    }
    assert flat["basis"]["position"] == 5
    tree = client.get("/regions", params={"tree": "1"}).json()["regions"]
    assert [r["code"] for r in tree] == ["140000"]
    jinzhong = next(r for r in tree[0]["children"] if r["code"] == "140700")
    assert [c["code"] for c in jinzhong["children"]] == ["140725", "140781"]


def test_region_names_kind_family_and_links_to_views_and_feeds(client: TestClient) -> None:
    body = client.get("/regions/140700").json()
    assert body["name"] == {"zh": "晋中市", "en": "Jinzhong"}
    assert body["kind"] == "prefecture"
    assert body["parent"]["code"] == "140000"
    assert [a["code"] for a in body["ancestors"]] == ["140000"]
    assert [c["code"] for c in body["children"]] == ["140725", "140781"]
    assert body["links"] == {
        "url": f"{BASE}/regions/140700",
        "timeline": f"{BASE}/regions/140700/timeline",
        "status": f"{BASE}/regions/140700/status",
        "feed": "https://timeline.example.org/feeds/regions/140700.ics",
        "webcal": "webcal://timeline.example.org/feeds/regions/140700.ics",
    }


def test_programmes_with_feed_links(client: TestClient) -> None:
    listed = client.get("/programmes").json()["programmes"]
    assert [p["slug"] for p in listed] == ["county-integration", "dip-payment"]
    body = client.get("/programmes/dip-payment").json()
    assert body["name"]["en"] == "DIP payment"
    assert body["statuses"] == ["designated", "rated", "ended"]
    assert body["links"]["feed"] == f"{BASE}/feeds/programmes/dip-payment.ics"
    assert body["links"]["webcal"] == "webcal://timeline.example.org/feeds/programmes/dip-payment.ics"
    root = client.get("/log/proof/consistency?from=5&to=5").json()["second_root"]
    assert body["basis"] == {"position": 5, "as_of": None, "known_at": None, "tree_size": 5, "root": root}


def test_programme_regions_on_a_day(client: TestClient) -> None:
    path = "/programmes/county-integration/regions"
    before = client.get(path, params={"as_of": "2017-09-30"}).json()
    assert before["members"] == []
    during = client.get(path, params={"as_of": "2017-10-15"}).json()
    assert [(m["code"], m["certainty"]) for m in during["members"]] == [("140781", "uncertain")]
    query = {"as_of": "2018-01-01", "within": "140700", "status": "designated"}
    after = client.get(path, params=query).json()
    member = after["members"][0]
    assert (member["code"], member["status"], member["certainty"]) == ("140781", "designated", "yes")
    assert member["evidence"][0]["event_id"] == ID["pilot"]
    assert after["basis"]["as_of"] == "2018-01-01"
    elsewhere = client.get(path, params={"as_of": "2018-01-01", "within": "140100"}).json()
    assert elsewhere["members"] == []


def test_timeline_in_date_order_with_rollup_and_filters(client: TestClient) -> None:
    own = client.get("/regions/140700/timeline", params={"descendants": "false"}).json()
    assert [e["event_id"] for e in own["entries"]] == [ID["meeting"]]
    rolled = client.get("/regions/140700/timeline").json()  # descendants by default
    assert rolled == client.get("/regions/140700/timeline", params={"descendants": "true"}).json()
    assert [e["event_id"] for e in rolled["entries"]] == [
        ID["pilot"],
        ID["review"],
        ID["incentive"],
        ID["meeting"],
    ]
    assert rolled["region"]["code"] == "140700"
    root = client.get("/log/proof/consistency?from=5&to=5").json()["second_root"]
    assert rolled["basis"] == {"position": 5, "as_of": None, "known_at": None, "tree_size": 5, "root": root}
    first = rolled["entries"][0]
    assert first["occurred"] == {
        "edtf": "2017-10",
        "precision": "month",
        "earliest": "2017-10-01",
        "latest": "2017-10-31",
    }
    assert first["title"] == {"zh": "介休成为试点", "en": "Jiexiu becomes a pilot"}
    assert "display" not in first

    def ids(**query: str) -> list[str]:
        body = client.get("/regions/140700/timeline", params={"descendants": "1", **query}).json()
        return [e["event_id"] for e in body["entries"]]

    assert ids(types="incentive_awarded,meeting_held") == [ID["review"], ID["incentive"], ID["meeting"]]
    assert ids(programmes="county-integration") == [ID["pilot"], ID["incentive"]]
    assert ids(**{"from": "2019-11-19", "to": "2021-01-01"}) == [ID["review"], ID["incentive"]]
    assert ids(q="shouyang") == [ID["review"]]


def test_timeline_lang_adds_a_display_text_and_keeps_both_languages(client: TestClient) -> None:
    entry = client.get("/regions/140781/timeline", params={"lang": "en", "limit": "1"}).json()["entries"][0]
    assert entry["display"] == {
        "lang": "en",
        "title": "Jiexiu becomes a pilot",
        "summary": "Jiexiu was named an integration pilot.",
    }
    assert entry["title"]["zh"] == "介休成为试点"


def test_timeline_pages_follow_next(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/regions/140700/timeline?descendants=1&limit=3"
    pages = 0
    while url:
        body = client.get(url.removeprefix(BASE)).json()
        seen += [e["event_id"] for e in body["entries"]]
        url = body["next"]
        pages += 1
        if url:
            assert body["next_cursor"] and "cursor=" in url and "limit=3" in url and url.startswith(BASE)
    assert pages == 2
    assert seen == [ID["pilot"], ID["review"], ID["incentive"], ID["meeting"]]


def test_status_yes_no_uncertain_since_when_and_evidence(client: TestClient) -> None:
    def status(day: str) -> dict[str, object]:
        body = client.get("/regions/140781/status", params={"as_of": day}).json()
        assert body["basis"]["as_of"] == day and body["region"] == "140781"
        return next(p for p in body["programmes"] if p["programme"] == "county-integration")

    assert status("2017-09-01")["certainty"] == "no"
    uncertain = status("2017-10-10")
    assert uncertain["certainty"] == "uncertain"
    assert uncertain["window"] == {"earliest": "2017-10-01", "latest": "2017-10-31"}
    yes = status("2018-06-01")
    assert (yes["certainty"], yes["status"]) == ("yes", "designated")
    assert yes["since"]["edtf"] == "2017-10"
    evidence = yes["evidence"][0]
    assert evidence["event_id"] == ID["pilot"]
    assert evidence["sources"][0]["document"] == "test-doc"


def test_sources_list_and_one(client: TestClient) -> None:
    listed = client.get("/sources").json()["sources"]
    assert [s["id"] for s in listed] == ["test-doc"]
    one = client.get("/sources/test-doc").json()
    assert one["title"] == {"zh": "测试文件", "en": "Test document"}
    assert one["published"]["edtf"] == "2024-08-28"
    assert one["url"] == f"{BASE}/sources/test-doc"


def test_the_log_in_order_with_a_next_link_to_follow(client: TestClient) -> None:
    first = client.get("/events", params={"limit": "2"}).json()
    assert [e["position"] for e in first["events"]] == [1, 2]
    assert first["head"] == 5
    assert first["next"] == f"{BASE}/events?after=2&limit=2"
    record = first["events"][0]
    assert record["event_id"] == ID["pilot"]
    assert record["event"]["type"] == "pilot_designated"
    assert record["occurred"]["precision"] == "month"
    assert record["sources"] == [{"document": "test-doc", "locator": "para 1"}]
    assert len(record["hash"]) == 64
    rest = client.get("/events", params={"after": "2", "limit": "10"}).json()
    assert [e["position"] for e in rest["events"]] == [3, 4, 5]
    tail = client.get("/events", params={"after": "5"}).json()
    assert tail["events"] == [] and tail["next"] == f"{BASE}/events?after=5&limit=100"


def test_one_event_with_its_amendments(client: TestClient) -> None:
    body = client.get(f"/events/{ID['policy']}").json()
    assert body["record"]["type"] == "policy_issued"
    assert body["amendments"] == [] and body["retracted"] is False and body["amends"] is None
    upper = client.get(f"/events/{ID['policy'].upper()}")
    assert upper.status_code == 200
