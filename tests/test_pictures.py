"""Lanes pictures over the bundled seeds: parsed as XML and rendered by cairosvg's SVG parser."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import cairosvg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.pictures.lanes import Axis, axis_range, render_lanes
from events.types import Text
from projections.lanes import Lane, LaneSpan, LanesReport
from projections.models import Basis, date_value
from timeline.database import open_store
from timeline.seeds import load_seeds
from timeline.settings import PACKAGE_SEEDS, Settings

SVG = "{http://www.w3.org/2000/svg}"
JIEXIU = "/regions/140781/lanes.svg"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pictures") / "timeline.db"
    store = open_store(Settings(db=str(path)), create=True)
    try:
        load_seeds(store, PACKAGE_SEEDS)
    finally:
        store.close()
    return path


@pytest.fixture
def client(seeded: Path) -> Iterator[TestClient]:
    with TestClient(app=create_app(Settings(db=str(seeded), base_url="https://t.example"))) as client:
        yield client


def parse(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    cairosvg.svg2png(bytestring=body)  # a real SVG renderer reads every element without error
    return root


def lane(root: ET.Element, key: str) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("data-key") == key]
    assert len(found) == 1, key
    return found[0]


def rects(group: ET.Element) -> list[ET.Element]:
    return [r for r in group.iter(f"{SVG}rect") if r.get("fill", "").startswith(("#0", "#E", "#5", "url"))]


def test_lanes_are_deterministic_with_title_desc_and_an_etag(client: TestClient, seeded: Path) -> None:
    first = client.get(JIEXIU, params={"as_of": "2021-05-07", "lang": "en"})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("image/svg+xml")
    again = client.get(JIEXIU, params={"as_of": "2021-05-07", "lang": "en"})
    with TestClient(app=create_app(Settings(db=str(seeded), base_url="https://t.example"))) as fresh:
        rebuilt = fresh.get(JIEXIU, params={"as_of": "2021-05-07", "lang": "en"})
    assert first.content == again.content == rebuilt.content
    etag = first.headers["etag"]
    assert (
        client.get(
            JIEXIU, params={"as_of": "2021-05-07", "lang": "en"}, headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    root = parse(first.content)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert [child.tag for child in root[:2]] == [f"{SVG}title", f"{SVG}desc"]
    assert root.get("aria-labelledby") == "title desc"
    assert root[0].text == "Jiexiu · status over time"
    desc = root[1].text or ""
    assert "State Council supervision incentive: awarded (2021-05-07)" in desc
    assert "as of 2021-05-07" in desc
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "State Council supervision incentive" in texts  # text as text, not outlines
    assert "Noto Sans CJK SC" in (root.get("font-family") or "")


def test_certain_from_the_day_solid_and_year_precision_hatched_across_its_year(client: TestClient) -> None:
    root = parse(client.get(JIEXIU, params={"lang": "en", "from": "2016-01-01", "to": "2025-12-31"}).content)
    axis = Axis(date(2016, 1, 1), date(2025, 12, 31))
    incentive = rects(lane(root, "state-council-supervision-incentive"))
    assert [r.get("fill") for r in incentive] == ["#E69F00"]  # solid, no hatching
    assert float(incentive[0].get("x", "0")) == pytest.approx(axis.x(date(2021, 5, 7)), abs=0.05)
    rated = rects(lane(root, "improve-medical-services"))  # rated in 2020, a year-precision date
    hatched, solid = rated
    assert hatched.get("fill") == "url(#hatch-009E73)" and solid.get("fill") == "#009E73"
    assert float(hatched.get("x", "0")) == pytest.approx(axis.x(date(2020, 1, 1)), abs=0.05)
    end = float(hatched.get("x", "0")) + float(hatched.get("width", "0"))
    assert end == pytest.approx(axis.x(date(2020, 12, 31)), abs=0.15)
    # `../2024-08-28`: hatched from the axis start up to that day.
    open_start = rects(lane(root, "grassroots-health-pilot-zone"))[0]
    assert open_start.get("fill") == "url(#hatch-0072B2)"
    assert float(open_start.get("x", "0")) == axis.left


def test_known_at_draws_what_the_log_knew_and_lang_zh(client: TestClient) -> None:
    root = parse(client.get(JIEXIU, params={"known_at": "0", "programmes": "public-hospital-reform"}).content)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"
    assert root[0].text == "介休市 · 状态时间线"
    assert rects(lane(root, "public-hospital-reform")) == []
    assert "无记录" in (root[1].text or "")
    now = parse(client.get(JIEXIU, params={"programmes": "public-hospital-reform"}).content)
    assert len(rects(lane(now, "public-hospital-reform"))) == 1


def test_roles_add_marks_for_milestones_the_region_took_part_in(client: TestClient) -> None:
    both = {"lang": "en", "roles": "subject,participant", "programmes": "county-medical-integration"}
    root = parse(client.get(JIEXIU, params=both).content)
    group = lane(root, "county-medical-integration")
    diamonds = [p for p in group.iter(f"{SVG}path") if p.get("stroke") == "#444444"]
    assert len(diamonds) == 1 and diamonds[0].get("fill") == "#ffffff"  # hollow: a participant
    assert "participant: " in (root[1].text or "") and "(2019-11-18)" in (root[1].text or "")
    assert rects(group)  # the statuses are still drawn
    only = parse(client.get(JIEXIU, params={**both, "roles": "participant"}).content)
    assert rects(lane(only, "county-medical-integration")) == []


def test_programme_lanes_one_per_member_region(client: TestClient) -> None:
    response = client.get("/programmes/county-medical-integration/lanes.svg", params={"lang": "en"})
    root = parse(response.content)
    keys = [g.get("data-key") for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert keys == sorted(keys) and "140781" in keys
    within = parse(
        client.get("/programmes/county-medical-integration/lanes.svg", params={"within": "140781"}).content
    )
    assert [g.get("data-key") for g in within.iter(f"{SVG}g") if g.get("class") == "lane"] == ["140781"]


def test_lanes_png_is_the_svg_rasterised_at_twice_its_size(client: TestClient) -> None:
    svg = client.get(JIEXIU, params={"lang": "zh"})
    png = client.get("/regions/140781/lanes.png", params={"lang": "zh"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n") and png.headers["etag"]
    width = int.from_bytes(png.content[16:20], "big")
    assert width == 2 * int(ET.fromstring(svg.content).get("width", "0"))


@pytest.mark.parametrize(
    ("path", "query", "status", "field"),
    [
        ("/regions/999999/lanes.svg", {}, 404, None),
        ("/programmes/no-such/lanes.svg", {}, 404, None),
        (JIEXIU, {"as_of": "2021-02-30"}, 400, "as_of"),
        (JIEXIU, {"from": "2022-01-01", "to": "2021-01-01"}, 400, "to"),
        (JIEXIU, {"programmes": "no-such"}, 400, "programmes"),
        (JIEXIU, {"known_at": "yesterday"}, 400, "known_at"),
        (JIEXIU, {"roles": "spectator"}, 400, "roles"),
        ("/programmes/county-medical-integration/lanes.svg", {"within": "999999"}, 400, "within"),
    ],
)
def test_bad_parameters_are_problems_naming_the_field(
    client: TestClient, path: str, query: dict[str, str], status: int, field: str | None
) -> None:
    response = client.get(path, params=query)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert field in response.text


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2096-02-29"},
        {"from": "9999-12-31"},
        {"to": "0001-01-01"},
        {"from": "0001-01-01", "to": "0001-01-01", "as_of": "9999-12-31"},
    ],
)
def test_any_axis_range_draws(client: TestClient, query: dict[str, str]) -> None:
    response = client.get(JIEXIU, params=query)
    assert response.status_code == 200
    parse(response.content)


def _span(status: str, start: date | None, certain: date | None, end: date | None, edtf: str) -> LaneSpan:
    return LaneSpan(status=status, start=start, certain_from=certain, end=end, since=date_value(edtf))


def test_a_plan_is_outlined_and_an_ending_is_a_cross() -> None:
    spans = [
        _span("planned", date(2019, 1, 1), date(2019, 12, 31), date(2020, 3, 1), "2019"),
        _span("designated", date(2020, 3, 1), date(2020, 3, 31), date(2022, 6, 1), "2020-03"),
        _span("ended", date(2022, 6, 1), date(2022, 6, 1), None, "2022-06-01"),
    ]
    report = LanesReport(
        subject="region",
        key="140781",
        name=Text(zh="介休市", en="Jiexiu"),
        lanes=[Lane(key="p", name=Text(zh="项目", en="Programme"), spans=spans)],
        date_from=None,
        date_to=None,
        basis=Basis(position=9),
    )
    body = render_lanes(report, lang="en")
    root = parse(body)
    group = lane(root, "p")
    planned = [
        r for r in group.iter(f"{SVG}rect") if r.get("stroke") == "#CC79A7" and r.get("fill") == "#ffffff"
    ]
    assert len(planned) == 1  # outlined, not filled
    axis = Axis(*axis_range(report, None))
    cross = [p for p in group.iter(f"{SVG}path") if p.get("stroke") == "#D55E00"]
    assert len(cross) == 1
    x = axis.x(date(2022, 6, 1))
    assert f"M{x - 7:.1f}," in (cross[0].get("d") or "")
    assert render_lanes(report, lang="en") == body
    assert "ended (2022-06-01)" in (root[1].text or "")
    assert io.BytesIO(cairosvg.svg2png(bytestring=body)).getbuffer().nbytes > 1000


MAP = "/programmes/county-medical-integration/map.svg"


def test_map_is_deterministic_with_a_dot_per_division_title_desc_and_legend(
    client: TestClient, seeded: Path
) -> None:
    query = {"as_of": "2021-05-31", "within": "140700", "lang": "en"}
    first = client.get(MAP, params=query)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("image/svg+xml") and first.headers["etag"]
    with TestClient(app=create_app(Settings(db=str(seeded), base_url="https://t.example"))) as fresh:
        assert fresh.get(MAP, params=query).content == first.content
    root = parse(first.content)
    assert [child.tag for child in root[:2]] == [f"{SVG}title", f"{SVG}desc"]
    assert (root[0].text or "").endswith("Jinzhong · 2021-05-31")
    dots = {g.get("data-code"): g for g in root.iter(f"{SVG}g") if g.get("class") == "dot"}
    members = client.get(
        "/programmes/county-medical-integration/regions", params={"as_of": "2021-05-31", "within": "140700"}
    ).json()["members"]
    placed = [m for m in members if m["code"] in dots]
    assert placed and all(dots[m["code"]].get("data-certainty") == m["certainty"] for m in placed)
    hollow = [g for code, g in dots.items() if code not in {m["code"] for m in members}]
    assert all(g.find(f"{SVG}circle").get("fill") == "#ffffff" for g in hollow)  # type: ignore[union-attr]
    assert "Jiexiu" in [t.text for t in root.iter(f"{SVG}text")]
    assert any(g.get("class") == "legend" for g in root.iter(f"{SVG}g"))
    assert "divisions in it" in (root[1].text or "")


def test_map_needs_a_day_and_a_known_region(client: TestClient) -> None:
    assert client.get(MAP).status_code == 400
    bad = client.get(MAP, params={"as_of": "2021-05-31", "within": "999999"})
    assert bad.status_code == 400 and "within" in bad.text
    assert client.get("/programmes/no-such/map.svg", params={"as_of": "2021-05-31"}).status_code == 404
