"""`GET /regions` over the whole gazetteer: paging, filters, search; one region with its history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from api.app import create_app
from events.store import EventStore
from timeline.seeds import load_seeds
from timeline.settings import PACKAGE_SEEDS, Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("regions") / "timeline.db"
    store = EventStore.open(db, create=True)
    load_seeds(store, PACKAGE_SEEDS)
    store.close()
    with TestClient(app=create_app(Settings(db=str(db), scheduler=False))) as client:
        yield client


def codes(client: TestClient, **query: object) -> list[str]:
    response = client.get("/regions", params=query)
    assert response.status_code == 200, response.text
    return [r["code"] for r in response.json()["regions"]]


def test_the_list_pages_through_every_region_in_code_order(client: TestClient) -> None:
    first = client.get("/regions").json()
    assert len(first["regions"]) == 100 and first["next_cursor"] == first["regions"][-1]["code"]
    seen, cursor = [], None
    while True:
        page = client.get("/regions", params={"limit": 500, **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["code"] for r in page["regions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 3_243 and seen == sorted(seen)
    jiexiu = next(r for r in first["regions"] if r["code"] == "110101")
    assert jiexiu["kind_en"] == "district" and jiexiu["parent"] == "110000"


def test_search_finds_jiexiu_by_chinese_pinyin_and_code_prefix(client: TestClient) -> None:
    assert codes(client, q="介休") == ["140781"]
    assert codes(client, q="jiexiu") == ["140781"]
    assert codes(client, q="JieXiu") == ["140781"]
    assert "140781" in codes(client, q="1407")
    assert all(code.startswith("1407") for code in codes(client, q="1407"))
    assert "140000" in codes(client, q="晋")  # the abbreviation is an alias
    assert "141100" in codes(client, q="lvliang") and "141100" in codes(client, q="Lüliang")
    assert set(codes(client, q="太谷")) == {"140703", "140726"}  # the county and the district


def test_filters_by_parent_and_level(client: TestClient) -> None:
    jinzhong = codes(client, parent="140700")
    assert len(jinzhong) == 12 and "140726" in jinzhong  # 11 in force and the retired 太谷县
    assert len(codes(client, level="province", limit=500)) == 34
    assert len(codes(client, level="prefecture", q="14", limit=500)) == 12  # 11 + 吕梁地区 (retired)
    assert codes(client, parent="140700", level="prefecture") == []
    nested = client.get("/regions", params={"tree": "true", "q": "1407"}).json()["regions"]
    assert [r["code"] for r in nested] == ["140700"] and len(nested[0]["children"]) == 12


@pytest.mark.parametrize(
    ("query", "field"),
    [({"parent": "999999"}, "parent"), ({"parent": "14"}, "parent"), ({"level": "town"}, "level"),
     ({"cursor": "abc"}, "cursor"), ({"limit": "0"}, "limit")],
)  # fmt: skip
def test_bad_filters_are_problems_naming_the_parameter(client: TestClient, query: dict, field: str) -> None:
    response = client.get("/regions", params=query)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


def test_a_region_with_point_aliases_kind_and_history(client: TestClient) -> None:
    jiexiu = client.get("/regions/140781").json()
    assert jiexiu["name"] == {"zh": "介休市", "en": "Jiexiu"}
    assert (jiexiu["kind"], jiexiu["kind_en"], jiexiu["level"]) == (
        "county-level-city",
        "county-level city",
        "county",
    )
    assert jiexiu["pinyin"] == "Jiexiu" and jiexiu["aliases"] == ["介休", "晋中市介休市"]
    assert jiexiu["point"] == pytest.approx([111.916711, 37.026944])
    assert jiexiu["history"] == {"predecessors": [], "successors": []}


def test_taigu_history_both_ways(client: TestClient) -> None:
    district = client.get("/regions/140703").json()
    [before] = district["history"]["predecessors"]
    assert (before["code"], before["name"]["zh"], before["date"]) == ("140726", "太谷县", "2019")
    assert district["valid_from"] == "2019" and district["history"]["successors"] == []
    assert district["point"] is None  # the package has none for it: never guessed
    county = client.get("/regions/140726").json()
    [after] = county["history"]["successors"]
    assert (after["code"], after["name"]["zh"], after["date"]) == ("140703", "太谷区", "2019")
    assert after["url"].endswith("/regions/140703") and county["valid_to"] == "2019"


def test_any_division_has_a_widget_and_a_timeline(client: TestClient) -> None:
    chaoyang = client.get("/widget/regions/110105.json", params={"lang": "en"})
    assert chaoyang.status_code == 200
    assert client.get("/regions/653226/timeline").status_code == 200  # a county in Xinjiang
    assert client.get("/embed/regions/110105").status_code == 200
