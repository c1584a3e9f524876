"""Finding regions named in a Chinese text, on sentences written for these tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from events.reference import Region
from events.types import Text
from timeline.gazetteer.build import build_regions
from timeline.gazetteer.matcher import RegionMatcher, RegionMention

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@cache
def matcher() -> RegionMatcher:
    problems: list = []
    regions = build_regions(SEEDS, problems)
    assert not problems
    return RegionMatcher(regions)


def found(text: str, context: str | None = None) -> list[tuple[str, str | None]]:
    mentions = matcher().find(text, context=context)
    for m in mentions:
        assert text[m.start : m.end] == m.surface  # offsets are character offsets
    return [(m.surface, m.code) for m in mentions]


def test_full_names_short_names_and_the_name_with_its_parent():
    assert found("介休市和平遥县的医共体去年合并了药品目录。") == [("介休市", "140781"), ("平遥县", "140728")]
    assert found("介休、灵石两地的村医轮训已经开始。") == [("介休", "140781"), ("灵石", "140729")]
    assert found("山西省晋中市介休市人民医院") == [("山西省晋中市", "140700"), ("介休市", "140781")]
    assert found("晋中市介休市的做法") == [("晋中市介休市", "140781")]


def test_offsets_are_characters_into_the_text():
    [mention] = matcher().find("据报道,寿阳县新建了两所卫生院。", context="140700")
    assert mention == RegionMention(start=4, end=7, surface="寿阳县", code="140725", candidates=("140725",))


def test_overlapping_names_yield_the_longest_only():
    # A region named 中市 would sit inside 晋中市: the longer, leftmost name wins.
    fake = Region(code="990101", name=Text(zh="中市", en="Zhongshi"), kind="county-level-city")
    jinzhong = Region(code="140700", name=Text(zh="晋中市", en="Jinzhong"), kind="prefecture")
    small = RegionMatcher([fake, jinzhong])
    assert [(m.surface, m.code) for m in small.find("晋中市卫健委")] == [("晋中市", "140700")]
    assert [(m.surface, m.code) for m in small.find("中市卫健委")] == [("中市", "990101")]
    assert found("晋中市中医院") == [("晋中市", "140700")]


def test_one_name_for_several_places_stays_ambiguous():
    [mention] = matcher().find("城区的社区卫生服务中心")
    assert mention.code is None
    assert {"140302", "140502"} <= set(mention.candidates)  # 阳泉城区 and 晋城城区, among others
    [mention] = matcher().find("朝阳区")
    assert mention.code is None and {"110105", "220104"} <= set(mention.candidates)


def test_the_publishing_region_settles_a_bare_name():
    assert found("城区的社区卫生服务中心", context="140300") == [("城区", "140302")]  # Yangquan
    assert found("城区的社区卫生服务中心", context="140500") == [("城区", "140502")]  # Jincheng
    assert found("朝阳区", context="110000") == [("朝阳区", "110105")]  # Beijing's, within Beijing
    # Resolved within the context first, then above it: Jinzhong's 和顺 from a county paper.
    assert found("和顺的经验值得推广。", context="140781") == [("和顺", "140723")]


def test_this_city_and_the_whole_province_mean_the_publishers():
    text = "全市11个县区全部建成医共体,我市将向全省推广。"
    assert found(text, context="140700") == [("全市", "140700"), ("我市", "140700"), ("全省", "140000")]
    # In a county-level city's paper, 全市 is that city; in a county's, 我县 is the county.
    assert found("全市推开", context="140781") == [("全市", "140781")]
    assert found("我县推开", context="140727") == [("我县", "140727")]
    assert found("全市推开") == []  # without a context there is nobody to refer to


def test_old_and_new_codes_of_one_place():
    # The old official name means the old code; a bare short name could be either code, and
    # only the date of the fact tells which: left to the caller, with both candidates.
    [old] = matcher().find("太谷县2018年的试点")
    assert (old.code, set(old.candidates)) == ("140726", {"140726", "140703"})
    [bare] = matcher().find("太谷的试点", context="140700")
    assert (bare.code, set(bare.candidates)) == (None, {"140726", "140703"})
    [new] = matcher().find("太谷区的试点", context="140700")
    assert (new.code, set(new.candidates)) == ("140703", {"140703"})


def test_ordinary_words_are_not_read_as_far_away_counties():
    # 示范县 holds 范县 (Henan), 资源 is 资源县 (Guangxi): not places in a Shanxi paper.
    assert found("争创国家级示范县,整合资源,通道畅通。", context="140000") == []
    # Without a context nothing says where the text is from, so they are reported.
    assert ("范县", "410926") in found("争创国家级示范县")
