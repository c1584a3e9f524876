"""The widget's routes through the real app: script, JSON, iframe page, TimelineJS3, home page."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.widget.dates import format_date
from projections.models import date_value
from tests.browser import data
from tests.browser.service import build_database
from timeline.settings import Settings

WIDGET_JS = Path(__file__).resolve().parents[1] / "api" / "static" / "widget.js"
COUNTY = f"/widget/regions/{data.JIEXIU}.json"
CITY = f"/widget/regions/{data.JINZHONG}.json"
XSS = data.XSS


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The seeds plus the tests' own regions and milestones, read only."""
    db = tmp_path_factory.mktemp("widget") / "timeline.db"
    build_database(db)
    with TestClient(app=create_app(Settings(db=str(db), scheduler=False))) as client:
        yield client


@pytest.mark.parametrize("row", data.JIEXIU_MILESTONES, ids=lambda row: row[0])
def test_dates_are_formatted_as_precisely_as_they_are_known(row: tuple) -> None:
    occurred, *_, zh, en = row
    assert format_date(date_value(occurred), "zh") == zh
    assert format_date(date_value(occurred), "en") == en


@pytest.mark.parametrize(
    ("edtf", "zh", "en"),
    [
        ("2021-05-07?", "2021年5月7日?", "7 May 2021?"),
        ("2017%", "约2017年?", "c. 2017?"),
        ("2019-11/..", "不早于2019年11月", "not before Nov 2019"),
        ("2019-11/2020", "2019年11月至2020年", "Nov 2019 – 2020"),
    ],
)
def test_qualifiers_and_open_intervals_are_shown(edtf: str, zh: str, en: str) -> None:
    assert format_date(date_value(edtf), "zh") == zh
    assert format_date(date_value(edtf), "en") == en


def test_the_script_is_small_cacheable_and_open_to_every_origin(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"].startswith("public")
    assert len(gzip.compress(response.content, 9)) < 15_000  # unminified, so a bound
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_the_script_uses_nothing_a_strict_csp_refuses() -> None:
    source = WIDGET_JS.read_text()
    code = re.sub(r"^\s*//.*$", "", source, flags=re.M)
    for forbidden in (
        "eval(",
        "new Function",
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        'setAttribute("style"',
        ".style.",
        'createElement("style")',
        'setTimeout("',
        "http://",
        "https://",
    ):
        assert forbidden not in code, forbidden
    assert "adoptedStyleSheets" in code and "attachShadow" in code


def test_region_json_is_one_language_with_cors_etag_and_cache_control(
    client: TestClient,
) -> None:
    response = client.get(
        COUNTY, params={"lang": "en", "order": "oldest"}, headers={"Origin": "https://example.com"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"].startswith("public")
    body = response.json()
    assert body["region"] == {"code": data.JIEXIU, "name": "Test County"}
    assert body["lang"] == "en"
    assert [e["title"] for e in body["entries"]] == [row[4] for row in data.JIEXIU_MILESTONES]
    first = body["entries"][0]
    assert first["occurred"] == {
        "edtf": "2017-10",
        "precision": "month",
        "earliest": "2017-10-01",
        "latest": "2017-10-31",
    }
    assert first["label"] == "Pilot"
    assert first["programmes"][0]["slug"] == data.PROGRAMME
    assert first["sources"][0]["url"] == data.SOURCE_URL
    assert body["next_cursor"] is None
    again = client.get(
        COUNTY, params={"lang": "en", "order": "oldest"}, headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    zh = client.get(COUNTY, params={"lang": "zh", "order": "oldest"})
    assert zh.headers["etag"] != response.headers["etag"]
    assert zh.json()["entries"][0]["title"] == data.JIEXIU_MILESTONES[0][3]


@pytest.mark.parametrize("order", ["oldest", "newest", None])
def test_pages_follow_the_cursor_without_gaps_or_repeats(client: TestClient, order: str | None) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = {"lang": "en", "limit": "3", **({"order": order} if order else {})}
        body = client.get(COUNTY, params={**query, **({"cursor": cursor} if cursor else {})}).json()
        seen += [e["title"] for e in body["entries"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    oldest_first = [row[4] for row in data.JIEXIU_MILESTONES]
    assert seen == (oldest_first if order == "oldest" else oldest_first[::-1])  # newest by default


def test_basis_is_the_same_object_as_everywhere_else(client: TestClient) -> None:
    basis = client.get(COUNTY).json()["basis"]
    assert basis == client.get(f"/regions/{data.JIEXIU}/timeline").json()["basis"]
    assert set(basis) == {"position", "as_of", "known_at", "tree_size", "root"} and basis["position"] > 0


def test_each_source_shows_once_with_every_locator(client: TestClient) -> None:
    entries = client.get(COUNTY, params={"lang": "en"}).json()["entries"]
    (twice,) = [e for e in entries if e["title"] == "Test County holds a reform meeting"]
    assert twice["sources"] == [
        {
            "title": "Test document",
            "publisher": "Test publisher",
            "published": "2024-08-28",
            "url": data.SOURCE_URL,
            "locators": ["para 2", "para 5"],
        }
    ]
    page = client.get(f"/embed/regions/{data.JIEXIU}", params={"lang": "en"}).text
    assert page.count("<bdi>para 2, para 5</bdi>") == 1


def test_filters_descendants_and_types(client: TestClient) -> None:
    rolled_up = client.get(CITY, params={"lang": "en", "limit": "100"}).json()["entries"]
    own = client.get(CITY, params={"lang": "en", "descendants": "false"}).json()["entries"]
    assert len(rolled_up) == len(data.JIEXIU_MILESTONES) + len(data.JINZHONG_OWN)
    assert [e["title"] for e in own] == [row[4] for row in data.JINZHONG_OWN]
    pilots = client.get(COUNTY, params={"types": "pilot_designated"}).json()["entries"]
    assert [e["type"] for e in pilots] == ["pilot_designated"]
    chosen = client.get(COUNTY, params={"programmes": data.PROGRAMME}).json()["entries"]
    assert len(chosen) == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/widget/regions/999999.json", 404),
        (f"/widget/regions/{data.JIEXIU}", 404),
        (f"{COUNTY}?types=nonsense", 400),
        (f"{COUNTY}?cursor=nonsense", 400),
        (f"{COUNTY}?limit=0", 400),
        (f"{COUNTY}?lang=fr", 400),
        ("/widget/programmes/no-such-programme.json", 404),
        ("/embed/regions/999999", 404),
        ("/static/templates/home.html", 404),
    ],
)
def test_bad_requests_get_problem_details(client: TestClient, path: str, status: int) -> None:
    assert client.get(path).status_code == status


def test_a_programme_timeline_spans_every_region(client: TestClient) -> None:
    body = client.get(
        f"/widget/programmes/{data.PROGRAMME}.json", params={"lang": "en", "limit": "500"}
    ).json()
    assert body["programme"]["slug"] == data.PROGRAMME
    assert "Test County rated excellent" in [e["title"] for e in body["entries"]]
    assert all(data.PROGRAMME in [p["slug"] for p in e["programmes"]] for e in body["entries"])


def test_timelinejs_json_gives_only_the_known_precision_and_escapes_text(
    client: TestClient,
) -> None:
    response = client.get(f"/timelinejs/regions/{data.JIEXIU}.json", params={"lang": "en"})
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["title"]["text"]["headline"] == "Test County"
    events = {e["display_date"]: e for e in body["events"]}
    assert events["Oct 2017"]["start_date"] == {"year": 2017, "month": 10, "display_date": "Oct 2017"}
    assert events["2022"]["start_date"] == {"year": 2022, "display_date": "2022"}
    span = events["18 Nov 2019 – 19 Nov 2019"]
    assert span["start_date"]["day"] == 18 and span["end_date"]["day"] == 19
    by = events["reported 28 Aug 2024"]
    assert by["start_date"] == {"year": 2024, "month": 8, "day": 28, "display_date": "28 Aug 2024"}
    assert "end_date" not in by
    assert events["28 Aug 2024, 11:00"]["start_date"]["hour"] == 11
    xss = events["15 Jan 2020"]
    assert xss["text"]["headline"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert "<img" not in response.text
    assert xss["group"] == "Meeting" and xss["unique_id"]


def test_the_iframe_page_is_escaped_server_html_under_a_strict_csp(client: TestClient) -> None:
    response = client.get(
        f"/embed/regions/{data.JIEXIU}", params={"lang": "zh", "limit": "4", "order": "oldest"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    page = response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    assert page.count("<main>") == 1 and page.count("<h1") == 1  # axe: one main landmark, one h1
    assert '<p class="title" dir="auto">' in page and "<bdi>测试文件</bdi>" in page
    assert '<time datetime="2017-10">2017年10月</time>' in page
    assert 'src="/widget.js"' in page
    assert 'data-region="990101"' in page and 'data-limit="4"' in page
    assert 'class="more" href="?' in page  # the next page, without scripts


def test_the_home_page_offers_regions_and_the_snippet(client: TestClient) -> None:
    response = client.get("/", params={"region": data.JIEXIU, "lang": "en"})
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page = response.text
    option = f'<option dir="auto" value="{data.JIEXIU}" data-zh="测试县" data-en="Test County" selected>'
    assert option + f"Test County ({data.JIEXIU})</option>" in page
    # The picker starts with the regions around the chosen one, not the whole gazetteer.
    assert page.count("<option dir=") == 3  # Test Province, Test City, Test County
    assert "&lt;script src=&#34;http://testserver.local/widget.js&#34; async&gt;" in page
    assert 'id="demo" class="reform-timeline" data-region="990101" data-lang="en"' in page
    fallback = client.get("/", params={"region": "<b>"}).text
    assert 'data-region="140700"' in fallback and "<b>" not in fallback
    assert 'value="140781" data-zh="介休市" data-en="Jiexiu"' in fallback  # Jinzhong's counties
    assert 'value="140726"' not in fallback  # a retired code is not offered
    assert 'id="region-search"' in fallback
    assert client.get("/static/home.js").status_code == 200
    assert client.get("/static/site.css").headers["content-type"].startswith("text/css")
