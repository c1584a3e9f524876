"""Labels and words the widget, its pages and TimelineJS show, in Chinese and English."""

from __future__ import annotations

TYPE_LABELS: dict[str, dict[str, str]] = {
    "meeting_held": {"zh": "会议", "en": "Meeting"},
    "pilot_designated": {"zh": "试点", "en": "Pilot"},
    "designation_ended": {"zh": "试点结束", "en": "Designation ended"},
    "incentive_awarded": {"zh": "激励", "en": "Incentive"},
    "rating_awarded": {"zh": "考核", "en": "Rating"},
    "institution_established": {"zh": "机构", "en": "Institution"},
    "policy_issued": {"zh": "政策", "en": "Policy"},
    "metric_reported": {"zh": "数据", "en": "Figure"},
    "target_set": {"zh": "目标", "en": "Target"},
}
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "name": "改革时间线",
        "by": "不晚于",
        "reported": "报道于",
        "after": "不早于",
        "to": "至",
        "approx": "约",
        "more": "加载更多",
        "empty": "暂无记录。",
        "sources": "来源：",
        "quote": "原文：",
        "sep": "、",
    },
    "en": {
        "name": "Reform timeline",
        "by": "by ",
        "reported": "reported ",
        "after": "not before ",
        "to": " – ",
        "approx": "c. ",
        "more": "Load more",
        "empty": "Nothing recorded yet.",
        "sources": "Sources: ",
        "quote": "Source sentence: ",
        "sep": ", ",
    },
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
