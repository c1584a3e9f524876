"""The home page's explorer: the lanes and the map of the chosen region, with their snippets.

`explorer.html` (included by the home page) shows them as images of the picture routes;
`explorer.js` moves the map month by month and keeps the month in the address.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from api.caching import Reader

FIRST_MONTH = (2016, 1)  # the slider's first month: the sources' span starts here
HOME_PROGRAMME = "county-medical-integration"  # the programme the seeds follow furthest


def month_index(day: date) -> int:
    return (day.year - FIRST_MONTH[0]) * 12 + day.month - FIRST_MONTH[1]


def month_end(index: int) -> date:
    """The last day of the month `index` months after the first: the map's `as_of`."""
    year, month = divmod(FIRST_MONTH[0] * 12 + FIRST_MONTH[1] + index, 12)  # the next month, 0-based
    return date(year, month + 1, 1) - timedelta(days=1)


def map_within(r: Reader, region: str) -> str:
    """The map shows the region's divisions; a region without any shows its parent's."""
    if not region or not r.reference.contains("region", region):
        return ""
    if r.reference.children(region):
        return region
    return r.reference.region(region).parent or region


def explorer_context(r: Reader, region: str, lang: str, today: date) -> dict[str, Any]:
    """What `explorer.html` fills in: the pictures' URLs, alt texts, snippets and the slider."""
    programmes = sorted(r.reference.programmes(), key=lambda p: p.slug)
    slugs = [p.slug for p in programmes]
    programme = HOME_PROGRAMME if HOME_PROGRAMME in slugs else (slugs[0] if slugs else "")
    latest = month_index(today)
    as_of = month_end(latest)
    within = map_within(r, region)
    lanes_url = f"/regions/{region}/lanes.svg?" + urlencode({"lang": lang})
    query = {"as_of": as_of.isoformat(), "lang": lang, **({"within": within} if within else {})}
    map_url = f"/programmes/{programme}/map.svg?" + urlencode(query)
    base = r.base_url
    zh = lang == "zh"
    lanes_alt = "各项目状态时间线" if zh else "Each programme's status over time"
    map_alt = "项目参与地区地图" if zh else "Map of the regions in the programme"
    return {
        "programmes": [{"slug": p.slug, "label": getattr(p.name, lang)} for p in programmes],
        "programme": programme,
        "lanes_url": lanes_url,
        "lanes_alt": lanes_alt,
        "map_url": map_url,
        "map_alt": map_alt,
        "month": as_of.isoformat()[:7],
        "month_index": latest,
        "month_min": 0,
        "month_max": latest,
        "first_month": f"{FIRST_MONTH[0]}-{FIRST_MONTH[1]:02d}",
        # The template escapes these for display.
        "lanes_snippet": f'<img src="{base}{lanes_url}" alt="{lanes_alt}" width="900">',
        "map_snippet": f'<img src="{base}{map_url}" alt="{map_alt}" width="900">',
    }
