"""The curated seed data in `seeds/` decodes into the reference and event types and hangs together.

Checks: every file parses and converts (milestones through the `Event` union, with no field the
type would silently drop), ids are unique, every reference resolves, corrections name a real
milestone and only fields it has, the Jinzhong county list is complete, every source is cited at
least three times, and no long run of a source document's Chinese text was copied into the seeds.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest

from events.dates import parse_edtf
from events.reference import Programme, Region, SourceDocument
from events.types import (
    TYPES_BY_TAG,
    UNCORRECTABLE,
    Event,
    Milestone,
    MilestoneCorrected,
)
from timeline.gazetteer.build import build_regions

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
ABSOLUTE_PATH = re.compile(r"""(?:^|[\s"'(])/[a-z]+/[\w./-]+""")

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
JINZHONG_UNITS = {
    "140702": "榆次区",
    "140703": "太谷区",
    "140721": "榆社县",
    "140722": "左权县",
    "140723": "和顺县",
    "140724": "昔阳县",
    "140725": "寿阳县",
    "140727": "祁县",
    "140728": "平遥县",
    "140729": "灵石县",
    "140781": "介休市",
}
SHANXI_PREFECTURES = {f"14{n:02d}00" for n in range(1, 12)}
COPY_WINDOW = 24  # characters of source text that must never reappear in the seeds


# Mirrors `timeline.seeds.seed_event_id` (kept local so this test needs only `events`).
SEED_NAMESPACE = uuid.UUID("3b0f4c4e-2a8e-4d0b-9a57-6c1f0d2e7b11")


def event_uuid(milestone_id: str) -> uuid.UUID:
    """The stable event id of a seed milestone (documented in seeds/README.md)."""
    return uuid.uuid5(SEED_NAMESPACE, f"milestone:{milestone_id}")


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


@cache
def regions() -> list[dict[str, Any]]:
    """The whole gazetteer: the imported table with regions.toml's entries and overrides."""
    problems: list[Any] = []
    built = build_regions(SEEDS, problems)
    assert not problems, problems
    return msgspec.to_builtins(built)


@cache
def programmes() -> list[dict[str, Any]]:
    return _load(SEEDS / "programmes.toml")["programme"]


@cache
def sources() -> list[dict[str, Any]]:
    return _load(SEEDS / "sources.toml")["source"]


@cache
def milestone_files() -> tuple[Path, ...]:
    return tuple(sorted((SEEDS / "milestones").glob("*.toml")))


@cache
def milestones() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for path in milestone_files():
        data = _load(path)
        assert set(data) == {"milestone"}, f"{path.name}: only [[milestone]] tables are allowed"
        entries.extend(data["milestone"])
    return entries


def _by_id() -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in milestones()}


def _as_event_input(entry: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in entry.items() if k != "id"}
    if data.get("type") == "milestone_corrected":
        data["corrects"] = str(event_uuid(data["corrects"]))
    if data.get("type") == "milestone_retracted":
        data["retracts"] = str(event_uuid(data["retracts"]))
    return data


def _decode(entry: dict[str, Any]) -> msgspec.Struct:
    return msgspec.convert(_as_event_input(entry), type=Event)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# ---------------------------------------------------------------- decoding


def test_seed_files_exist():
    for name in ("regions.toml", "programmes.toml", "sources.toml", "README.md"):
        assert (SEEDS / name).is_file(), name
    assert milestone_files(), "no seeds/milestones/*.toml"


def test_regions_decode():
    for entry in regions():
        region = msgspec.convert(entry, type=Region)
        for field in ("valid_from", "valid_to"):
            if getattr(region, field) is not None:
                parse_edtf(getattr(region, field))


def test_programmes_decode():
    slugs = [msgspec.convert(entry, type=Programme).slug for entry in programmes()]
    assert len(slugs) == len(set(slugs)), [s for s, n in Counter(slugs).items() if n > 1]


def test_sources_decode():
    ids = []
    for entry in sources():
        source = msgspec.convert(entry, type=SourceDocument)
        parse_edtf(source.published)
        ids.append(source.id)
    assert len(ids) == len(set(ids))


def test_milestones_decode_into_events():
    for entry in milestones():
        try:
            _decode(entry)
        except msgspec.ValidationError as e:
            pytest.fail(f"{entry.get('id')}: {e}")


def test_milestones_have_no_fields_the_type_would_drop():
    # Event structs do not forbid unknown fields, so a misspelt key would vanish silently.
    for entry in milestones():
        cls = TYPES_BY_TAG[entry["type"]]
        unknown = set(entry) - {"id", "type"} - set(cls.__struct_fields__)
        assert not unknown, f"{entry['id']}: unknown fields {sorted(unknown)}"


# ---------------------------------------------------------------- identity and references


def test_milestone_ids_unique_and_slugs():
    ids = [m.get("id") for m in milestones()]
    assert all(isinstance(i, str) and SLUG.match(i) and len(i) <= 80 for i in ids), ids
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes


def test_region_codes_unique_and_parents_exist():
    codes = [r["code"] for r in regions()]
    assert len(codes) == len(set(codes))
    known = set(codes)
    for r in regions():
        if r["kind"] == "nation":
            assert r.get("parent") is None
            continue
        assert r.get("parent") in known, f"{r['code']}: parent {r.get('parent')} missing"
        if r.get("successor") is not None:
            assert r["successor"] in known, f"{r['code']}: successor missing"
            assert r.get("valid_to"), f"{r['code']}: a successor needs valid_to"


def test_region_hierarchy():
    by_code = {r["code"]: r for r in regions()}
    assert by_code["100000"]["kind"] == "nation"
    assert by_code["140000"]["kind"] == "province" and by_code["140000"]["parent"] == "100000"
    for code in SHANXI_PREFECTURES:
        assert by_code[code]["kind"] == "prefecture" and by_code[code]["parent"] == "140000", code
    for code, r in by_code.items():
        if r["kind"] in {"district", "county", "county-level-city"}:
            # Its prefecture, or its province where no prefecture stands between (municipalities,
            # county-level units a province administers directly).
            assert r["parent"] in (code[:4] + "00", code[:2] + "0000"), code


def test_all_jinzhong_county_level_units_present():
    by_code = {r["code"]: r for r in regions()}
    for code, name in JINZHONG_UNITS.items():
        assert code in by_code, f"{code} {name} missing"
        assert by_code[code]["name"]["zh"] == name
        assert by_code[code]["parent"] == "140700"
    current = {c for c, r in by_code.items() if r.get("parent") == "140700" and r.get("valid_to") is None}
    assert current == set(JINZHONG_UNITS)
    old = by_code["140726"]
    assert old["successor"] == "140703" and old["valid_to"] and by_code["140703"]["valid_from"]


def test_milestone_references_exist():
    region_codes = {r["code"] for r in regions()}
    programme_slugs = {p["slug"] for p in programmes()}
    source_ids = {s["id"] for s in sources()}
    for m in milestones():
        for code in m.get("regions", ()):
            assert code in region_codes, f"{m['id']}: unknown region {code}"
        for slug in m.get("programmes", ()):
            assert slug in programme_slugs, f"{m['id']}: unknown programme {slug}"
        for ref in m["sources"]:
            assert ref["document"] in source_ids, f"{m['id']}: unknown source {ref['document']}"
            assert ref.get("locator"), f"{m['id']}: every citation needs a locator"


def test_pilot_statuses_belong_to_their_programme():
    statuses = {p["slug"]: set(p["statuses"]) for p in programmes()}
    for m in milestones():
        if m["type"] != "pilot_designated":
            continue
        status = m.get("status", "designated")
        for slug in m["programmes"]:  # the loader requires the status in every listed programme
            assert status in statuses[slug], f"{m['id']}: status {status!r} not in {slug}"


def test_every_source_cited_at_least_three_times():
    cited = Counter(ref["document"] for m in milestones() for ref in m["sources"])
    for s in sources():
        assert cited[s["id"]] >= 3, f"{s['id']} cited {cited[s['id']]} times"


def test_no_source_document_cited_twice_by_one_milestone_locator():
    for m in milestones():
        refs = [(r["document"], r.get("locator")) for r in m["sources"]]
        assert len(refs) == len(set(refs)), m["id"]


# ---------------------------------------------------------------- corrections


def test_corrections_target_real_milestones_and_fields():
    by_id = _by_id()
    for m in milestones():
        if m["type"] != "milestone_corrected":
            continue
        event = _decode(m)
        assert isinstance(event, MilestoneCorrected)
        target = by_id.get(m["corrects"])
        assert target is not None, f"{m['id']}: corrects unknown milestone {m['corrects']}"
        assert target["type"] != "milestone_corrected"
        assert event.corrects == event_uuid(target["id"])
        cls = TYPES_BY_TAG[target["type"]]
        assert issubclass(cls, Milestone)
        for field in m["changes"]:
            assert field not in UNCORRECTABLE and field != "id", f"{m['id']}: {field}"
            assert field in cls.__struct_fields__, f"{m['id']}: {target['type']} has no {field}"
        # the corrected milestone must still be a valid event
        corrected = {**target, **m["changes"]}
        _decode(corrected)


def test_corrections_follow_their_target_in_load_order():
    # The loader reads files in name order and entries in file order; an amendment can only
    # point at a milestone loaded before it.
    order = {m["id"]: i for i, m in enumerate(milestones())}
    for m in milestones():
        if m["type"] == "milestone_corrected":
            assert order[m["corrects"]] < order[m["id"]], f"{m['id']} comes before its target"
        if m["type"] == "milestone_retracted":
            assert order[m["retracts"]] < order[m["id"]], f"{m['id']} comes before its target"


def test_doubtful_milestones_explain_themselves():
    for m in milestones():
        if m.get("confidence") in {"low", "medium"}:
            assert m.get("note"), f"{m['id']}: lowered confidence needs a note"
    # A corrected date or figure was doubtful: its milestone says so. (Corrections that only add
    # a region's role, a printed title or a plan status fix the record, not a doubtful value.)
    doubtful = {"occurred", "value", "period", "amount_cny"}
    corrected = {
        m["corrects"]
        for m in milestones()
        if m["type"] == "milestone_corrected" and doubtful & set(m["changes"])
    }
    by_id = _by_id()
    for target in corrected:
        assert by_id[target].get("confidence") == "low", f"{target}: corrected but not marked low"


def _current() -> dict[str, dict[str, Any]]:
    """Each milestone with its seed corrections applied, retracted ones left out."""
    current = {m["id"]: dict(m) for m in milestones() if m["type"] in TYPES_BY_TAG and "occurred" in m}
    for m in milestones():
        if m["type"] == "milestone_corrected":
            current[m["corrects"]].update(m["changes"])
        elif m["type"] == "milestone_retracted":
            current.pop(m["retracts"])
    return current


SOURCE_TEXTS = REPO.parent / "shared" / "sources"
PLAN_VERBS = ("探索", "推进", "力争", "争取")  # explore, promote, strive: a plan, not an achievement


def test_exploring_promoting_or_striving_is_never_more_than_planned_or_exploring():
    for seed_id, m in _current().items():
        if m["type"] == "pilot_designated" and any(verb in m["title"]["zh"] for verb in PLAN_VERBS):
            assert m.get("status") in {"planned", "exploring"}, (
                f"{seed_id}: {m['title']['zh']} is {m.get('status')}"
            )


def test_documents_carry_their_printed_title_and_number_or_none():
    texts = {path.name: path.read_text(encoding="utf-8") for path in SOURCE_TEXTS.glob("*.txt")}
    assert len(texts) == 5, f"the five source documents belong in {SOURCE_TEXTS}"
    printed = "".join(texts.values()).replace(" ", "")
    for seed_id, m in _current().items():
        if m["type"] != "policy_issued":
            continue
        assert m["document_title"]["zh"] in printed, f"{seed_id}: title not printed in its source"
        if m.get("document_number"):
            assert m["document_number"] in printed, f"{seed_id}: number not printed in its source"


def test_targets_are_not_reported_as_figures():
    published = {s["id"]: parse_edtf(s["published"]) for s in sources()}
    for seed_id, m in _current().items():
        if m["type"] != "metric_reported":
            continue
        dates = [published[ref["document"]] for ref in m["sources"]]
        if any(d.uncertain for d in dates):  # a doubted publication date decides nothing
            continue
        ends, last = parse_edtf(m["period"]).latest, max(d.latest for d in dates if d.latest)
        assert ends is None or ends <= last, f"{seed_id}: a figure for after its source is a target"


# ---------------------------------------------------------------- text rules


def test_summaries_are_single_sentences():
    for m in milestones():
        if "summary" not in m:
            continue
        zh = m["summary"]["zh"]
        assert zh.endswith("。") and zh.count("。") == 1, f"{m['id']}: zh summary must be one sentence"
        en = m["summary"]["en"].rstrip()
        assert en.endswith("."), f"{m['id']}: en summary must end with a full stop"


def test_no_local_paths_in_seeds():
    catalogues = [SEEDS / "regions.toml", SEEDS / "programmes.toml", SEEDS / "sources.toml"]
    for path in [*catalogues, *milestone_files()]:
        text = path.read_text(encoding="utf-8")
        assert "file://" not in text, f"{path.name} names a local file"
        assert not ABSOLUTE_PATH.search(text), f"{path.name} names a local path"
