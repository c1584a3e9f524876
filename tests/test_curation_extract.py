"""Candidate milestones from articles written for the tests: types by cue, honest dates,
regions (with the publishing region as context), programmes, plan versus achievement, figures,
and pointing at milestones the log already has."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from articles import (
    COUNTY_REPORT,
    COUNTY_REPORT_PUBLISHED,
    JINZHONG_NEWS,
    JINZHONG_NEWS_PUBLISHED,
    PROVINCE_ROLES,
    PROVINCE_ROLES_PUBLISHED,
)
from conftest import new

from events.dates import parse_edtf
from events.errors import FieldProblem
from events.reference import Programme, Region
from events.store import EventStore
from events.types import Text
from timeline.curation.candidates import Candidate
from timeline.curation.extract import Extractor
from timeline.curation.paragraphs import quote, split_paragraphs
from timeline.curation.places import CatalogueMatcher
from timeline.curation.reading import normalise
from timeline.curation.recorded import known_milestones, mark_recorded
from timeline.curation.render import draft_event
from timeline.curation.rules import load_cue_rules, load_date_rules
from timeline.seeds import read_catalogues

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    problems: list[FieldProblem] = []
    catalogues = read_catalogues(SEEDS, problems)
    assert not problems
    return Extractor(
        date_rules=load_date_rules(SEEDS),
        cue_rules=load_cue_rules(SEEDS),
        regions=[c for c in catalogues if isinstance(c, Region)],
        programmes=[c for c in catalogues if isinstance(c, Programme)],
    )


def read(extractor: Extractor, source: str, text: str, published: str, region: str) -> list[Candidate]:
    """The candidates of one of our articles, published by `region` on `published`."""
    day = date.fromisoformat(published)
    return extractor.extract(source=source, text=normalise(text), published=day, region=region)


@pytest.fixture(scope="module")
def news(extractor: Extractor) -> list[Candidate]:
    return read(extractor, "jinzhong-news", JINZHONG_NEWS, JINZHONG_NEWS_PUBLISHED, "140700")


def one(candidates: list[Candidate], type_: str, region: str) -> Candidate:
    [found] = [c for c in candidates if c.type == type_ and region in c.regions]
    return found


def test_each_fact_of_the_article_is_proposed_with_its_type_date_and_region(news: list[Candidate]) -> None:
    expected = {
        ("meeting_held", "140700", "2024-06-18T09:30:00+08:00"),
        ("pilot_designated", "140728", "2023-10"),
        ("metric_reported", "140729", "2024-01/2024-06"),
        ("institution_established", "140781", "2017-10"),
        ("incentive_awarded", "140725", "2024-05-01/2024-05-10"),
        ("metric_reported", "140702", "../2024-06-20"),
        ("pilot_designated", "140726", "2018"),
        ("policy_issued", "140700", "2024-01~/2024-02~"),
        ("rating_awarded", "140722", "2023-11~/2023-12"),
        ("metric_reported", "140721", "2019/2021"),
        ("institution_established", "140727", "2022"),
    }
    found = {(c.type, region, c.occurred) for c in news for region in c.regions}
    assert expected <= found, expected - found
    for candidate in news:
        parse_edtf(candidate.occurred)  # every proposed date is valid EDTF


@pytest.fixture(scope="module")
def roles(extractor: Extractor) -> list[Candidate]:
    return read(extractor, "province-roles", PROVINCE_ROLES, PROVINCE_ROLES_PUBLISHED, "140000")


def test_regions_get_roles_speakers_are_participants_and_designators_issuers(
    roles: list[Candidate],
) -> None:
    meeting = one(roles, "meeting_held", "140100")  # held in Taiyuan
    assert meeting.regions == ("140100",)
    assert meeting.participants == ("140200", "140400", "140781")  # the three that spoke
    assert meeting.issuers == ()
    pilot = one(roles, "pilot_designated", "141181")  # Xiaoyi, designated by the province
    assert (pilot.regions, pilot.issuers, pilot.participants) == (("141181",), ("140000",), ())
    assert any(r.startswith("issuer 140000") for r in pilot.reasons)
    # A region after 对 is the object of the award, never its issuer; a provincial body names
    # no place but stands for the province.
    award = one(roles, "incentive_awarded", "140500")
    assert (award.regions, award.issuers) == (("140500",), ("140000",))
    # One region and no role word: the subject, whatever verb follows it.
    policy = one(roles, "policy_issued", "140900")
    assert (policy.regions, policy.participants, policy.issuers) == (("140900",), (), ())
    for candidate in (meeting, pilot):
        drafted = draft_event(candidate)
        assert drafted.get("participants", []) == list(candidate.participants)
        assert drafted.get("issuers", []) == list(candidate.issuers)


def test_a_passive_designation_names_its_issuer_and_a_future_tense_names_none(
    news: list[Candidate],
) -> None:
    # 平遥县被国家卫生健康委确定为…: the national commission stands for the nation.
    assert one(news, "pilot_designated", "140728").issuers == ("100000",)
    # 昔阳县将积极探索…: this 将 means "will"; the county is the subject of its own plan.
    plan = one(news, "pilot_designated", "140724")
    assert (plan.regions, plan.issuers) == (("140724",), ())
    # 寿阳县获得…奖励: the county received the award, so it cannot be its issuer.
    award = one(news, "incentive_awarded", "140725")
    assert award.issuers == ()


def test_the_publishing_region_is_what_a_bare_city_word_means(news: list[Candidate]) -> None:
    meeting = one(news, "meeting_held", "140700")
    assert meeting.regions == ("140700",)
    assert meeting.programmes == ("county-medical-integration",)


def test_an_ambiguous_place_is_settled_by_the_code_valid_on_the_date(news: list[Candidate]) -> None:
    # 太谷 was a county (140726) until 2019 and is a district (140703) since.
    pilots = [c for c in news if c.type == "pilot_designated" and "太谷" in c.evidence.sentence]
    assert {c.occurred: c.regions for c in pilots} == {"2018": ("140726",), "2022": ("140703",)}


def test_a_plan_beside_an_achievement_is_not_a_launch(news: list[Candidate]) -> None:
    plan = one(news, "pilot_designated", "140724")
    assert plan.status == "planned"
    assert any("plan word" in r for r in plan.reasons)
    done = one(news, "pilot_designated", "140728")
    assert done.status == "launched"  # the county integration programme's achieved status
    assert plan.confidence < done.confidence
    metric = one(news, "metric_reported", "140702")
    assert metric.status is None and metric.figure is not None and metric.figure.value == 15


def test_amounts_and_figures_are_read_with_their_units(news: list[Candidate]) -> None:
    assert one(news, "incentive_awarded", "140725").amount_cny == 3_000_000
    growth = one(news, "metric_reported", "140729").figure
    assert growth is not None and (growth.value, growth.unit) == (12.5, "%")
    spending = one(news, "metric_reported", "140721").figure
    assert spending is not None and (spending.value, spending.unit) == (120_000_000, "亿元")


def test_policy_details_are_drafted_from_the_sentence(news: list[Candidate]) -> None:
    policy = one(news, "policy_issued", "140700")
    assert policy.document_title == "晋中市按病种分值付费实施细则"
    assert policy.document_number == "市医保发〔2024〕3号"
    assert policy.programmes == ("dip-payment-reform",)
    assert one(news, "institution_established", "140727").institution == "县医学检验中心"


def test_evidence_locates_the_sentence_and_reasons_explain_the_choice(news: list[Candidate]) -> None:
    paragraphs = split_paragraphs(normalise(JINZHONG_NEWS))
    for candidate in news:
        assert quote(paragraphs, candidate.evidence.locator) == candidate.evidence.sentence
        assert candidate.reasons[0].startswith(f"type {candidate.type}: cue")
        assert any(r.startswith(("date", "no date")) for r in candidate.reasons)
        assert 0 < candidate.confidence < 1
        assert 0 < len(candidate.title_zh) <= 40
        assert candidate.title_en == ""  # no offline library drafts English well enough
    known_by = one(news, "metric_reported", "140702")
    assert known_by.occurred == "../2024-06-20"
    assert "date “截至目前”: known by publication" in known_by.reasons


def test_extraction_is_deterministic_so_candidate_ids_are_stable(
    extractor: Extractor, news: list[Candidate]
) -> None:
    again = read(extractor, "jinzhong-news", JINZHONG_NEWS, JINZHONG_NEWS_PUBLISHED, "140700")
    assert [c.candidate_id for c in again] == [c.candidate_id for c in news]
    assert len({c.candidate_id for c in news}) == len(news)


def test_a_county_paper_means_the_county_by_its_own_words(extractor: Extractor) -> None:
    found = read(extractor, "county", COUNTY_REPORT, COUNTY_REPORT_PUBLISHED, "140121")
    # The headline and the first paragraph report one meeting: the dated report is kept.
    meeting = one(found, "meeting_held", "140121")
    assert meeting.occurred == "2025-03-07"
    assert meeting.evidence.paragraph == 2
    figures = {c.figure.value: c.occurred for c in found if c.type == "metric_reported" and c.figure}
    assert figures == {86: "2024", 78: "2024"}  # the 85% target is not among them
    # "今年…将继续推进" is a plan with no cue of a milestone: nothing is proposed for it.
    assert not [c for c in found if "将继续" in c.evidence.sentence]
    # A figure to reach is a target the report sets, with its deadline: never a reported figure.
    [target] = [c for c in found if c.type == "target_set"]
    assert (target.occurred, target.deadline, target.regions) == (
        "../2025-03-10",
        "2026-11~/2026-12",
        ("140121",),
    )
    assert target.figure is not None and (target.figure.value, target.figure.unit) == (85, "%")


def test_an_ambiguous_name_without_context_stays_unresolved() -> None:
    regions = [
        Region(code="140000", name=Text(zh="山西省", en="Shanxi"), kind="province"),
        Region(code="140200", name=Text(zh="大同市", en="Datong"), kind="prefecture", parent="140000"),
        Region(code="140300", name=Text(zh="阳泉市", en="Yangquan"), kind="prefecture", parent="140000"),
        Region(code="140212", name=Text(zh="城区", en="Chengqu"), kind="district", parent="140200"),
        Region(code="140302", name=Text(zh="城区", en="Chengqu"), kind="district", parent="140300"),
    ]
    matcher = CatalogueMatcher(regions)
    [bare] = matcher.find("城区召开会议。")
    assert bare.code is None and bare.candidates == ("140212", "140302")
    [local] = matcher.find("城区召开会议。", context="140300")
    assert local.code == "140302"
    [own] = matcher.find("全市召开会议。", context="140300")
    assert (own.surface, own.code) == ("全市", "140300")


def test_a_candidate_the_log_already_has_points_at_it(
    extractor: Extractor, news: list[Candidate], store: EventStore
) -> None:
    result = store.append(
        [
            new(
                "milestone-x",
                type="incentive_awarded",
                occurred="2024-05",
                regions=["140725"],
                amount_cny=3_000_000,
                awarding_body={"zh": "省财政", "en": "Provincial finance"},
            )
        ]
    )
    marked = mark_recorded(news, known_milestones(store))
    recorded = [c for c in marked if c.already_recorded]
    assert [(c.type, c.regions) for c in recorded] == [("incentive_awarded", ("140725",))]
    assert recorded[0].already_recorded == result.event_ids[0]
