"""The regions and milestones the browser tests show, and the dates each must display."""

from __future__ import annotations

from typing import Any

XSS = "<img src=x onerror=alert(1)>"

# Regions of their own (beside the seeds' real ones), so the expected lists are exact.
JIEXIU = "990101"  # a county: the zh widget
JINZHONG = "990100"  # its city: the en widget, rolled up with the county
TAIYUAN = "980000"  # the region with thousands of entries
PROGRAMME = "county-medical-integration"  # from seeds/programmes.toml
SOURCE = "widget-test-doc"
SOURCE_URL = "https://example.org/widget-test"

# (occurred, type, extra fields, title zh, title en, expected zh date, expected en date)
JIEXIU_MILESTONES: list[tuple[str, str, dict[str, Any], str, str, str, str]] = [
    (
        "2017-10",
        "pilot_designated",
        {"programmes": [PROGRAMME]},
        "测试县列为县域一体化试点",
        "Test County named a county-integration pilot",
        "2017年10月",
        "Oct 2017",
    ),
    (
        "2019-11-18/2019-11-19",
        "meeting_held",
        {},
        "测试县召开医共体现场会",
        "Test County hosts an on-site review",
        "2019年11月18日至2019年11月19日",
        "18 Nov 2019 – 19 Nov 2019",
    ),
    ("2020-01-15", "meeting_held", {}, XSS, XSS, "2020年1月15日", "15 Jan 2020"),
    (
        "2021-05-07",
        "meeting_held",
        {"sources": [{"document": SOURCE, "locator": "para 2"}, {"document": SOURCE, "locator": "para 5"}]},
        "测试县召开医改推进会",
        "Test County holds a reform meeting",
        "2021年5月7日",
        "7 May 2021",
    ),
    (
        "2022",
        "rating_awarded",
        {
            "programmes": [PROGRAMME],
            "grade": "excellent",
            "rating": {"zh": "优秀", "en": "Excellent"},
            "period": "2021",
        },
        "测试县考核优秀",
        "Test County rated excellent",
        "2022年",
        "2022",
    ),
    (
        "2023-03~",
        "meeting_held",
        {},
        "测试县召开年度会议",
        "Test County holds its annual meeting",
        "约2023年3月",
        "c. Mar 2023",
    ),
    (
        "2024-08-28T11:00:00+08:00",
        "meeting_held",
        {},
        "测试县召开新闻发布会",
        "Test County holds a press conference",
        "2024年8月28日 11:00",
        "28 Aug 2024, 11:00",
    ),
    (
        "../2024-08-28",
        "institution_established",
        {"institution": {"zh": "测试县医疗集团", "en": "Test County Medical Group"}},
        "测试县医疗集团成立",
        "Test County Medical Group set up",
        "报道于2024年8月28日",
        "reported 28 Aug 2024",
    ),
]

JINZHONG_OWN: list[tuple[str, str, dict[str, Any], str, str, str, str]] = [
    (
        "2018-06",
        "meeting_held",
        {},
        "测试市召开医改会议",
        "Test City holds a reform meeting",
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
        "sources": [{"document": SOURCE, "locator": "para 1"}],
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
        "title": {"zh": f"批量第{i + 1}次会议", "en": f"Bulk meeting {i + 1}"},
        "summary": {"zh": "召开了会议。", "en": "A meeting was held."},
        "sources": [{"document": SOURCE}],
    }


def all_events() -> list[dict[str, Any]]:
    events = [milestone_fields(JIEXIU, row) for row in JIEXIU_MILESTONES]
    events += [milestone_fields(JINZHONG, row) for row in JINZHONG_OWN]
    events += [bulk_fields(i) for i in range(BULK_COUNT)]
    return events


def catalogue() -> list[Any]:
    """Test regions under the seeds' nation (100000) and a source document with a link."""
    from events.reference import Region, SourceDocument
    from events.types import Text

    return [
        Region(code="990000", name=Text(zh="测试省", en="Test Province"), kind="province", parent="100000"),
        Region(code=JINZHONG, name=Text(zh="测试市", en="Test City"), kind="prefecture", parent="990000"),
        Region(code=JIEXIU, name=Text(zh="测试县", en="Test County"), kind="county", parent=JINZHONG),
        Region(code=TAIYUAN, name=Text(zh="批量省", en="Bulk Province"), kind="province", parent="100000"),
        SourceDocument(
            id=SOURCE,
            title=Text(zh="测试文件", en="Test document"),
            publisher=Text(zh="测试出版方", en="Test publisher"),
            published="2024-08-28",
            kind="news",
            url=SOURCE_URL,
        ),
    ]
