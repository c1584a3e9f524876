"""Render time of the pictures beside the JSON queries they rest on.

    python bench/pictures.py                 # 5 repeats of each, median and worst
    python bench/pictures.py --repeat 3 --counties 3400 --programmes 50

A temporary database holds a synthetic catalogue: a province with 100 prefectures and
`--counties` counties (each with a point), `--programmes` programmes, one county with three
facts in every programme (a plan known to a year, a designation known to a month, an ending
on a day), and one programme with a fact for every county (mixed precisions, 2016-2024).
Measured, each as query, SVG and (for lanes) PNG:

- the lanes of the county with 50 programmes, beside `status_report` for one day (baseline);
- the map of the programme over every county on one day, beside `programme_members` (baseline);
- the programme's lanes (one per county), beside the same members query.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# bench/http.py is named like the standard library's `http`: keep this folder off the path.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

import msgspec  # noqa: E402

from api.pictures.lanes import render_lanes  # noqa: E402
from api.pictures.map import render_map  # noqa: E402
from api.pictures.png import svg_to_png  # noqa: E402
from events.envelope import NewEvent  # noqa: E402
from events.reference import Programme, Reference, Region, SourceDocument  # noqa: E402
from events.types import Event, Text  # noqa: E402
from projections import catch_up, ensure_projections, programme_members, status_report  # noqa: E402
from projections.lanes import programme_lanes, region_lanes  # noqa: E402
from projections.programme_map import programme_map  # noqa: E402
from timeline.database import open_store  # noqa: E402
from timeline.settings import Settings  # noqa: E402

PROVINCE = "990000"
SOURCE = "bench-source"
AS_OF = date(2021, 5, 7)


def catalogue(counties: int, programmes: int, rng: random.Random) -> list[Any]:
    items: list[Any] = [
        Region(
            code=PROVINCE, name=Text(zh="测试省", en="Bench Province"), kind="province", point=(112.5, 37.8)
        ),
        SourceDocument(
            id=SOURCE,
            title=Text(zh="测试文件", en="Bench document"),
            publisher=Text(zh="测试出版方", en="Bench publisher"),
            published="2024-08-28",
            kind="news",
        ),
    ]
    per_city = -(-counties // 100)
    if per_city > 99:
        raise SystemExit("at most 9,900 counties")
    for city in range(100):
        code = f"9{city + 100:03d}00"  # 910000-919900: prefecture codes apart from the province
        items.append(
            Region(
                code=code,
                name=Text(zh=f"测试市{city}", en=f"City {city}"),
                kind="prefecture",
                parent=PROVINCE,
                point=(rng.uniform(110, 115), rng.uniform(35, 40)),
            )
        )
        for county in range(min(per_city, counties - city * per_city)):
            items.append(
                Region(
                    code=f"{code[:4]}{county + 1:02d}",  # at most 99 per prefecture
                    name=Text(zh=f"测试县{city}-{county}", en=f"County {city}-{county}"),
                    kind="county",
                    parent=code,
                    point=(rng.uniform(110, 115), rng.uniform(35, 40)),
                )
            )
    for i in range(programmes):
        items.append(
            Programme(
                slug=f"p{i:02d}",
                name=Text(zh=f"测试项目{i}", en=f"Programme {i}"),
                description=Text(zh="测试。", en="Bench."),
                statuses=("planned", "designated", "ended"),
            )
        )
    return items


def milestone(region: str, programme: str, type_: str, occurred: str, status: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": type_,
        "occurred": occurred,
        "regions": [region],
        "programmes": [programme],
        "title": {"zh": "测试", "en": "Bench"},
        "summary": {"zh": "测试。", "en": "Bench."},
        "sources": [{"document": SOURCE}],
    }
    if status is not None:
        fields["status"] = status
    if type_ == "designation_ended":
        fields["reason"] = "completed"
    return fields


def events(county: str, counties: list[str], programmes: int, rng: random.Random) -> list[dict[str, Any]]:
    found = []
    for i in range(programmes):
        slug = f"p{i:02d}"
        found.append(milestone(county, slug, "pilot_designated", "2019", "planned"))
        found.append(milestone(county, slug, "pilot_designated", "2020-03", "designated"))
        found.append(milestone(county, slug, "designation_ended", "2023-06-01", None))
    for code in counties:
        year = rng.randint(2016, 2024)
        occurred = rng.choice(
            [f"{year}", f"{year}-{rng.randint(1, 12):02d}", f"{year}-03-{rng.randint(1, 28):02d}"]
        )
        found.append(milestone(code, "p00", "pilot_designated", occurred, "designated"))
    return found


def timed(work: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, max(times) * 1000, result


def row(label: str, figures: tuple[float, float, Any], note: str = "") -> None:
    median, worst, _ = figures
    print(f"  {label:<44} median {median:9.1f} ms   worst {worst:9.1f} ms  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--counties", type=int, default=3400)
    parser.add_argument("--programmes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Settings(db=str(Path(folder) / "bench.db")), create=True)
        reference = Reference(store.db)
        items = catalogue(args.counties, args.programmes, rng)
        reference.upsert(items)
        counties = [x.code for x in items if isinstance(x, Region) and x.kind == "county"]
        county = counties[0]
        raw = events(county, counties, args.programmes, rng)
        store.import_events(
            NewEvent(stream=f"bench-{i}", event=msgspec.convert(fields, type=Event))
            for i, fields in enumerate(raw)
        )
        ensure_projections(store)
        catch_up(store, reference=reference)
        print(
            f"{len(counties)} counties, {args.programmes} programmes, {len(raw)} events; repeat {args.repeat}"
        )

        print(f"\nregion {county} with {args.programmes} programmes (3 facts each)")
        base = timed(lambda: status_report(store, reference, county, as_of=AS_OF), args.repeat)
        row("baseline: status_report (one day, JSON query)", base)
        query = timed(lambda: region_lanes(store, reference, county), args.repeat)
        row("lanes query (every day)", query, f"{len(query[2].lanes)} lanes")
        svg = timed(lambda: render_lanes(query[2], lang="zh", as_of=AS_OF), args.repeat)
        row("lanes.svg render", svg, f"{len(svg[2]):,} bytes")
        png = timed(lambda: svg_to_png(svg[2]), args.repeat)
        row("lanes.png (cairosvg, 2x)", png, f"{len(png[2]):,} bytes")
        total = query[0] + svg[0]
        print(f"  => lanes.svg {total:.1f} ms = {total / base[0]:.1f}x the status query")

        print(f"\nprogramme p00 over {len(counties)} counties")
        base = timed(lambda: programme_members(store, reference, "p00", as_of=AS_OF), args.repeat)
        row("baseline: programme_members (JSON query)", base, f"{len(base[2].members)} members")
        mapped = timed(
            lambda: programme_map(store, reference, "p00", as_of=AS_OF, within=PROVINCE), args.repeat
        )
        row("map query", mapped, f"{len(mapped[2].dots)} dots")
        svg = timed(lambda: render_map(mapped[2], lang="zh"), args.repeat)
        row("map.svg render", svg, f"{len(svg[2]):,} bytes")
        total = mapped[0] + svg[0]
        print(f"  => map.svg {total:.1f} ms = {total / base[0]:.1f}x the members query")
        lanes = timed(lambda: programme_lanes(store, reference, "p00"), args.repeat)
        row("programme lanes query", lanes, f"{len(lanes[2].lanes)} lanes")
        svg = timed(lambda: render_lanes(lanes[2], lang="zh"), args.repeat)
        row("programme lanes.svg render", svg, f"{len(svg[2]):,} bytes")
        total = lanes[0] + svg[0]
        print(f"  => programme lanes.svg {total:.1f} ms = {total / base[0]:.1f}x the members query")
        store.close()


if __name__ == "__main__":
    main()
