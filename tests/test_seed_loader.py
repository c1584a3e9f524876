"""`timeline load`: validation of broken seed files, all-or-nothing, and idempotent reloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from events.errors import InvalidEvent
from events.reference import Reference
from events.store import EventStore
from events.types import MilestoneCorrected, TargetSet
from projections import catch_up, status_report
from timeline.cli import main
from timeline.seeds import load_seeds, seed_event_id

REGIONS = """
[[region]]
code = "140000"
kind = "province"
name = { zh = "山西省", en = "Shanxi" }

[[region]]
code = "140781"
kind = "county-level-city"
parent = "140000"
name = { zh = "介休市", en = "Jiexiu" }
"""
PROGRAMMES = """
[[programme]]
slug = "grassroots-pilot"
name = { zh = "基层综合试验区", en = "Grassroots pilot zone" }
description = { zh = "基层卫生健康综合试验", en = "Comprehensive grassroots health pilot" }
statuses = ["designated", "ended"]
"""
SOURCES = """
[[source]]
id = "doc-a"
title = { zh = "文件甲", en = "Document A" }
publisher = { zh = "某委", en = "A commission" }
published = "2024-08-28"
kind = "news"
"""
FIGURE = """
[[milestone]]
id = "jiexiu-coverage"
type = "metric_reported"
occurred = "2025"
regions = ["140781"]
title = { zh = "签约覆盖率", en = "Contract coverage" }
summary = { zh = "签约覆盖率达到九成。", en = "Coverage reaches 90%." }
sources = [{ document = "doc-a" }]
metric = "contract-coverage"
label = { zh = "签约覆盖率", en = "Contract coverage" }
value = 90
unit = "%"
period = "2025"
"""
TARGET = """
[[milestone]]
id = "jiexiu-coverage-target"
type = "target_set"
occurred = "../2024-08-28"
regions = ["140781"]
title = { zh = "签约覆盖率目标", en = "Contract coverage target" }
summary = { zh = "计划到2025年覆盖率达九成。", en = "Aims at 90% coverage by 2025." }
sources = [{ document = "doc-a" }]
metric = "contract-coverage"
label = { zh = "签约覆盖率", en = "Contract coverage" }
value = 90
unit = "%"
deadline = "2025"
"""
MILESTONES = """
[[milestone]]
id = "jiexiu-pilot"
type = "pilot_designated"
occurred = "../2024-08-28"
regions = ["140781"]
programmes = ["grassroots-pilot"]
title = { zh = "介休入选试验区", en = "Jiexiu chosen as pilot zone" }
summary = { zh = "介休被列为试验区之一。", en = "Jiexiu was listed among the pilot zones." }
sources = [{ document = "doc-a", locator = "para 2" }]

[[milestone]]
id = "jiexiu-pilot-date"
type = "milestone_corrected"
corrects = "jiexiu-pilot"
changes = { occurred = "2024-08" }
reason = { zh = "正文给出月份。", en = "The body gives the month." }
sources = [{ document = "doc-a", locator = "para 5" }]
"""


def write_seeds(folder: Path, **overrides: str) -> Path:
    files = {
        "regions.toml": REGIONS,
        "programmes.toml": PROGRAMMES,
        "sources.toml": SOURCES,
        "milestones/a.toml": MILESTONES,
    } | overrides
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def test_load_appends_once_and_resolves_corrections(tmp_path: Path):
    store = EventStore.open(tmp_path / "t.db")
    Reference(store.db).ensure_schema()
    seeds = write_seeds(tmp_path / "seeds")
    first = load_seeds(store, seeds)
    assert (first.regions, first.programmes, first.sources, first.defined, first.appended) == (2, 1, 1, 4, 2)
    head = store.head().position
    correction = store.get(seed_event_id("jiexiu-pilot-date"))
    assert isinstance(correction.event, MilestoneCorrected)
    assert correction.event.corrects == seed_event_id("jiexiu-pilot")
    assert correction.stream == "milestone-jiexiu-pilot" and correction.version == 2
    again = load_seeds(store, seeds)
    assert (again.defined, again.appended, again.already_present) == (0, 0, 2)
    assert store.head().position == head == 6


BROKEN = {
    "unknown region": (
        {"milestones/a.toml": MILESTONES.replace('["140781"]', '["140799"]')},
        "milestones/a.toml: milestone[0] (jiexiu-pilot): $.regions[0]: No region with code '140799'",
    ),
    "unknown programme": (
        {"milestones/a.toml": MILESTONES.replace('["grassroots-pilot"]', '["nope"]')},
        "No programme 'nope'",
    ),
    "bad date": (
        {"milestones/a.toml": MILESTONES.replace('"../2024-08-28"', '"2024-02-30"')},
        "$.occurred: Invalid EDTF date '2024-02-30': day 30 does not exist in February 2024",
    ),
    "missing source": (
        {
            "milestones/a.toml": MILESTONES.replace(
                'document = "doc-a", locator = "para 2"', 'document = "doc-z"'
            )
        },
        "$.sources[0].document: No source 'doc-z'",
    ),
    "duplicate id": (
        {"milestones/b.toml": MILESTONES.split("[[milestone]]")[1].join(["[[milestone]]", ""])},
        "duplicate id 'jiexiu-pilot'",
    ),
    "correction of an unknown id": (
        {"milestones/a.toml": MILESTONES.replace('corrects = "jiexiu-pilot"', 'corrects = "x"')},
        "No milestone with id 'x' in the seeds",
    ),
    "bad catalogue entry": (
        {"regions.toml": REGIONS.replace('kind = "province"', 'kind = "kingdom"')},
        "regions.toml: region[0] (140000): Invalid enum value 'kingdom' - at `$.kind`",
    ),
    "unknown parent": (
        {"regions.toml": REGIONS.replace('parent = "140000"', 'parent = "149900"')},
        "No parent region '149900'",
    ),
    "broken toml": ({"sources.toml": "[[source]\nid = 1"}, "sources.toml: not valid TOML"),
    "a figure for a period after its source (a target)": (
        {"milestones/b.toml": FIGURE},
        "milestones/b.toml: milestone[0] (jiexiu-coverage): $.period: The period ends 2025-12-31, "
        "after its source was published (2024-08-28): a figure for time not yet past is a target",
    ),
    "bad correction field": (
        {"milestones/a.toml": MILESTONES.replace("changes = { occurred", "changes = { colour")},
        "pilot_designated has no correctable field 'colour'",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_seeds_are_reported_by_file_and_item_and_write_nothing(tmp_path: Path, case: str):
    overrides, message = BROKEN[case]
    store = EventStore.open(tmp_path / "t.db")
    Reference(store.db).ensure_schema()
    with pytest.raises(InvalidEvent) as info:
        load_seeds(store, write_seeds(tmp_path / "seeds", **overrides))
    assert message in "\n".join(f"{p.path}: {p.message}" for p in info.value.problems)
    assert store.head().position == 0
    assert Reference(store.db).regions() == []


def test_a_target_loads_as_target_set_and_sets_no_status(tmp_path: Path):
    store = EventStore.open(tmp_path / "t.db")
    Reference(store.db).ensure_schema()
    load_seeds(store, write_seeds(tmp_path / "seeds", **{"milestones/b.toml": TARGET}))
    target = store.get(seed_event_id("jiexiu-coverage-target")).event
    assert isinstance(target, TargetSet)
    assert (target.metric, target.value, target.deadline) == ("contract-coverage", 90, "2025")
    catch_up(store)
    report = status_report(store, Reference(store.db), "140781", as_of="2026-01-01")
    assert [s.status for s in report.programmes] == ["designated"]  # the pilot, not the target


def test_edited_seed_after_loading_is_refused(tmp_path: Path):
    store = EventStore.open(tmp_path / "t.db")
    Reference(store.db).ensure_schema()
    load_seeds(store, write_seeds(tmp_path / "seeds"))
    edited = MILESTONES.replace("Jiexiu chosen as pilot zone", "Jiexiu picked")
    with pytest.raises(InvalidEvent, match="add a correction"):
        load_seeds(store, write_seeds(tmp_path / "seeds", **{"milestones/a.toml": edited}))


def test_load_command(tmp_path: Path):
    seeds = write_seeds(tmp_path / "seeds")
    db = str(tmp_path / "cli.db")
    result = CliRunner().invoke(main, ["load", str(seeds), "--db", db])
    assert result.exit_code == 0, result.output
    assert "2 regions, 1 programmes, 1 sources. Milestones: 2 appended" in result.output
    result = CliRunner().invoke(main, ["load", str(tmp_path / "nope"), "--db", db])
    assert result.exit_code == 1 and "no such seeds folder" in result.output
