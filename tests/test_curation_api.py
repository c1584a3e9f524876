"""Curation over HTTP: POST /sources, GET /sources/{id}/text, the candidates and the review
routes, each error an RFC 9457 problem naming its field, nothing written on a refusal."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from articles import JINZHONG_NEWS
from litestar.testing import TestClient
from test_curation_archive import db, seeded  # noqa: F401 - fixtures

from tests.test_api_support import AUTH, BASE, make_settings, open_client
from timeline.curation.reading import content_address, normalise

PROBLEM = "application/problem+json"
SOURCE = "jinzhong-news-2024-06-20"
UPLOAD = {
    "title": {"zh": "晋中市医共体建设推进会召开", "en": "Jinzhong holds a county medical community meeting"},
    "publisher": {"zh": "晋中市卫生健康委员会", "en": "Jinzhong Health Commission"},
    "published": "2024-06-20",
    "region": "140700",
    "id": SOURCE,
}


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:  # noqa: F811
    yield from open_client(make_settings(db, max_body_bytes=200_000))


def head(client: TestClient) -> int:
    return client.get("/health").json()["head"]


def register(client: TestClient) -> dict:
    raw = base64.b64encode(JINZHONG_NEWS.encode("gb18030")).decode()
    response = client.post("/sources", json=UPLOAD | {"content_base64": raw}, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_document_is_archived_once_and_read_back_as_paragraphs(client: TestClient) -> None:
    assert client.post("/sources", json=UPLOAD | {"text": JINZHONG_NEWS}).status_code == 401
    created = register(client)
    assert created["created"] is True and created["source"] == SOURCE
    assert created["text_sha256"] == content_address(normalise(JINZHONG_NEWS))
    assert created["text_url"] == f"{BASE}/sources/{SOURCE}/text"
    again = client.post("/sources", json=UPLOAD | {"text": JINZHONG_NEWS, "id": "other"}, headers=AUTH)
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["source"] == SOURCE
    text = client.get(f"/sources/{SOURCE}/text").json()
    assert text["paragraphs"][0] == {"number": 1, "locator": "p1", "text": "晋中市卫生健康委员会"}
    assert len(text["paragraphs"]) == created["paragraphs"] == 15
    assert client.get(f"/sources/{SOURCE}").json()["text_url"] == created["text_url"]


def test_refusals_are_problems_naming_the_field_and_write_nothing(client: TestClient) -> None:
    before = head(client)
    cases = [
        (UPLOAD, 422, "$.text"),
        (UPLOAD | {"text": "x", "content_base64": "eA=="}, 422, "$.text"),
        (UPLOAD | {"content_base64": "%%%"}, 422, "$.content_base64"),
        (
            UPLOAD | {"content_base64": base64.b64encode("déjà vu à Paris".encode("latin-1")).decode()},
            422,
            "$.content_base64",
        ),
        (UPLOAD | {"text": "正文。", "published": "2024-02-30"}, 422, "$.published"),
        (UPLOAD | {"text": "正文。", "region": "999999"}, 422, "$.region"),
        (UPLOAD | {"text": "正文。", "titel": "x"}, 422, "$"),
    ]
    for body, status, path in cases:
        response = client.post("/sources", json=body, headers=AUTH)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert any(e["path"] == path for e in response.json()["errors"]), (path, response.json())
    assert client.get("/sources/jinzhong-press-2024-08-28/text").status_code == 404
    missing = client.get("/sources/no-such-source/text")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert head(client) == before


def test_candidates_are_reviewed_through_the_api(client: TestClient) -> None:
    register(client)
    assert client.get(f"/sources/{SOURCE}/candidates").status_code == 401
    items = client.get(f"/sources/{SOURCE}/candidates", headers=AUTH).json()["candidates"]
    assert all(item["draft"]["sources"][0]["document"] == SOURCE for item in items)
    listed = [item["candidate"] for item in items]
    award = next(c for c in listed if c["type"] == "incentive_awarded")
    rating = next(c for c in listed if c["type"] == "rating_awarded")
    url = f"/sources/{SOURCE}/candidates/{award['candidate_id']}"
    before = head(client)
    drafted = client.post(f"{url}/accept", headers=AUTH)  # as drafted: English texts are empty
    assert drafted.status_code == 422
    paths = {e["path"] for e in drafted.json()["errors"]}
    assert "$.title.en" in paths
    # Only the sender's fields: not the acceptance that would have pointed at the refused event.
    assert all(p == "$" or p.startswith(("$.title", "$.summary", "$.awarding_body")) for p in paths), paths
    assert head(client) == before
    edited = {
        "type": "incentive_awarded",
        "occurred": "2024-05-08",
        "regions": ["140725"],
        "title": {"zh": "寿阳县获省级奖励资金", "en": "Shouyang receives a provincial award"},
        "summary": {"zh": "寿阳县获得省级奖励资金300万元。", "en": "Shouyang received CNY 3 million."},
        "amount_cny": 3_000_000,
        "awarding_body": {"zh": "山西省", "en": "Shanxi Province"},
        "sources": [{"document": SOURCE, "locator": f"p{award['evidence']['paragraph']}"}],
    }
    accepted = client.post(f"{url}/accept", json=edited, headers=AUTH)
    assert accepted.status_code == 201, accepted.text
    milestone_id = accepted.json()["event_ids"][0]
    assert client.get(f"/events/{milestone_id}").json()["record"]["event"]["occurred"] == "2024-05-08"
    again = client.post(f"{url}/accept", json=edited, headers=AUTH)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    reject_url = f"/sources/{SOURCE}/candidates/{rating['candidate_id']}/reject"
    refused = client.post(reject_url, json={}, headers=AUTH)
    assert refused.status_code == 422 and [e["path"] for e in refused.json()["errors"]] == ["$.reason"]
    assert client.post(reject_url, json={"reason": "未公示"}, headers=AUTH).status_code == 201
    left = {
        c["candidate"]["candidate_id"]
        for c in client.get(f"/sources/{SOURCE}/candidates", headers=AUTH).json()["candidates"]
    }
    assert award["candidate_id"] not in left and rating["candidate_id"] not in left
    unknown = client.post(
        f"/sources/{SOURCE}/candidates/c-0000000000000000/reject", json={"reason": "x"}, headers=AUTH
    )
    assert unknown.status_code == 404
    assert client.get("/sources/jinzhong-press-2024-08-28/candidates", headers=AUTH).status_code == 404


def test_status_evidence_quotes_the_sentence_an_accepted_milestone_rests_on(client: TestClient) -> None:
    register(client)
    items = client.get(f"/sources/{SOURCE}/candidates", headers=AUTH).json()["candidates"]
    [item] = [
        i
        for i in items
        if i["candidate"]["type"] == "pilot_designated" and i["candidate"]["occurred"] == "2018"
    ]
    draft = item["draft"]
    assert draft["regions"] == ["140726"]  # 太谷 in 2018 is the county, before its code changed
    draft["title"]["en"] = "Taigu named a chronic-disease demonstration zone"
    draft["summary"]["en"] = "Taigu was named a national chronic-disease demonstration zone."
    url = f"/sources/{SOURCE}/candidates/{item['candidate']['candidate_id']}/accept"
    accepted = client.post(url, json=draft, headers=AUTH)
    assert accepted.status_code == 201, accepted.text
    position = accepted.json()["last_position"]
    status = client.get(f"/regions/140726/status?as_of=2018-12-31&min_position={position}").json()
    sources = [s for p in status["programmes"] for e in p["evidence"] for s in e["sources"]]
    quoted = [s for s in sources if s["document"] == SOURCE]
    assert quoted and quoted[0]["quote"] == item["candidate"]["evidence"]["sentence"]
    assert all(s["quote"] is None for s in sources if s["document"] != SOURCE)  # free-text locators


def test_an_id_made_for_a_long_kind_and_an_interval_date_is_a_valid_slug(client: TestClient) -> None:
    # Found by schemathesis: the id made from the kind and the date was over 80 characters and
    # kept the `/` of an interval, and the registration answered 500.
    body = UPLOAD | {"text": "正文。", "kind": "a" * 60 + "-b", "published": "2019/2021-05"}
    body.pop("id", None)
    response = client.post("/sources", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    made = response.json()["source"]
    assert made.startswith("a" * 50 + "-2019-") and len(made) <= 80
    assert client.get(f"/sources/{made}/text").status_code == 200
