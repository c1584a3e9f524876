"""The milestones the browser tests show, and the dates each must display in zh and en."""

from __future__ import annotations

from typing import Any

XSS = "<img src=x onerror=alert(1)>"

JIEXIU = "140781"
JINZHONG = "140700"
SHOUYANG = "140725"  # a county of Jinzhong with nothing recorded
TAIYUAN = "140100"  # the region with thousands of entries

# (occurred, type, extra fields, title zh, title en, expected zh date, expected en date)
JIEXIU_MILESTONES: list[tuple[str, str, dict[str, Any], str, str, str, str]] = [
    (
        "2017-10",
        "pilot_designated",
        {"programmes": ["county-integration"]},
        "介休市列为县域一体化试点",
        "Jiexiu named a county-integration pilot",
        "2017年10月",
        "Oct 2017",
    ),
    (
        "2019-11-18/2019-11-19",
        "meeting_held",
        {},
        "介休市召开医共体现场会",
        "Jiexiu hosts an on-site review",
        "2019年11月18日至2019年11月19日",
        "18 Nov 2019 – 19 Nov 2019",
    ),
    ("2020-01-15", "meeting_held", {}, XSS, XSS, "2020年1月15日", "15 Jan 2020"),
    (
        "2021-05-07",
        "meeting_held",
        {},
        "介休市召开医改推进会",
        "Jiexiu holds a reform meeting",
        "2021年5月7日",
        "7 May 2021",
    ),
    (
        "2022",
        "rating_awarded",
        {
            "programmes": ["county-integration"],
            "grade": "excellent",
            "rating": {"zh": "优秀", "en": "Excellent"},
            "period": "2021",
        },
        "介休市考核优秀",
        "Jiexiu rated excellent",
        "2022年",
        "2022",
    ),
    (
        "2023-03~",
        "meeting_held",
        {},
        "介休市召开年度会议",
        "Jiexiu holds its annual meeting",
        "约2023年3月",
        "c. Mar 2023",
    ),
    (
        "2024-08-28T11:00:00+08:00",
        "meeting_held",
        {},
        "介休市召开新闻发布会",
        "Jiexiu holds a press conference",
        "2024年8月28日 11:00",
        "28 Aug 2024, 11:00",
    ),
    (
        "../2024-08-28",
        "institution_established",
        {"institution": {"zh": "介休市医疗集团", "en": "Jiexiu Medical Group"}},
        "介休市医疗集团成立",
        "Jiexiu Medical Group set up",
        "不晚于2024年8月28日",
        "by 28 Aug 2024",
    ),
]

JINZHONG_OWN: list[tuple[str, str, dict[str, Any], str, str, str, str]] = [
    (
        "2018-06",
        "meeting_held",
        {},
        "晋中市召开医改会议",
        "Jinzhong holds a reform meeting",
        "2018年6月",
        "Jun 2018",
    ),
]

BULK_COUNT = 2000


def milestone_fields(region: str, row: tuple[str, str, dict[str, Any], str, str, str, str]) -> dict[str, Any]:
    """The event fields of one row, as `tests.conftest.milestone` takes them."""
    occurred, type_, extra, zh, en, _, _ = row
    return {
        "type": type_,
        "occurred": occurred,
        "regions": [region],
        "title": {"zh": zh, "en": en},
        "summary": {"zh": f"{zh}。", "en": f"{en}."},
        "sources": [{"document": "test-doc", "locator": "para 1"}],
        **extra,
    }


def bulk_fields(i: int) -> dict[str, Any]:
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    year = 2000 + i // (28 * 12)
    return {
        "type": "meeting_held",
        "occurred": f"{year:04}-{month:02}-{day:02}",
        "regions": [TAIYUAN],
        "title": {"zh": f"太原市第{i + 1}次会议", "en": f"Taiyuan meeting {i + 1}"},
        "summary": {"zh": "召开了会议。", "en": "A meeting was held."},
        "sources": [{"document": "test-doc"}],
    }


def all_events() -> list[dict[str, Any]]:
    events = [milestone_fields(JIEXIU, row) for row in JIEXIU_MILESTONES]
    events += [milestone_fields(JINZHONG, row) for row in JINZHONG_OWN]
    events += [bulk_fields(i) for i in range(BULK_COUNT)]
    return events
