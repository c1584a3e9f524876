"""As-of questions on the real seed data (`seeds/`, loaded with `timeline.seeds.load_seeds`).

Each question names its milestone by seed id; the expected answers follow from the dates the
curators recorded (day, month, year and on-or-before precision) and from the corrections in
`seeds/milestones/shanxi-province.toml`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from events.reference import Reference
from events.store import EventStore
from projections import catch_up, programme_members, status_report, timeline_page
from projections.models import ProgrammeStatus
from timeline.seeds import load_seeds, seed_event_id
from timeline.settings import PACKAGE_SEEDS

TAIYUAN, JINZHONG, JIEXIU, SHOUYANG, SHANXI = "140100", "140700", "140781", "140725", "140000"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EventStore, Reference]]:
    store = EventStore.open(Path(tmp_path_factory.mktemp("seeds")) / "timeline.db")
    load_seeds(store, PACKAGE_SEEDS)
    catch_up(store)
    yield store, Reference(store.db)
    store.close()


def position_of(store: EventStore, seed_id: str) -> int:
    return store.get(seed_event_id(seed_id)).position


def ask(
    seeded: tuple[EventStore, Reference], region: str, programme: str, as_of: str, known_at: int | None = None
) -> ProgrammeStatus:
    store, reference = seeded
    report = status_report(store, reference, region, as_of=as_of, known_at=known_at)
    return next(s for s in report.programmes if s.programme == programme)


def answer(seeded: tuple[EventStore, Reference], region: str, programme: str, as_of: str) -> tuple:
    found = ask(seeded, region, programme, as_of)
    return found.status, found.certainty, found.inherited_from


def test_a_day_precision_award_holds_from_its_day(seeded: tuple[EventStore, Reference]) -> None:
    # Jiexiu's State Council incentive, 2021-05-07.
    assert answer(seeded, JIEXIU, "public-hospital-reform", "2021-05-06") == (None, "no", None)
    found = ask(seeded, JIEXIU, "public-hospital-reform", "2021-05-07")
    assert (found.status, found.certainty, found.since and found.since.edtf) == (
        "awarded",
        "yes",
        "2021-05-07",
    )
    assert found.evidence[0].event_id == str(seed_event_id("jiexiu-state-council-supervision-incentive-2021"))


def test_the_doubted_notice_answers_uncertain_over_both_readings(
    seeded: tuple[EventStore, Reference],
) -> None:
    # Taiyuan's contact pilot, printed 2022-04 in the notice whose dates are doubted (reading
    # 2014/2015), and corrected to 2014-04?: a window from 2014-04 to the printed 2022-04.
    programme = "urban-public-hospital-reform-pilot"
    assert ask(seeded, TAIYUAN, programme, "2014-03-31").statuses[0].status == "planned"
    for day in ("2014-04-15", "2018-01-01", "2022-04-29"):
        during = ask(seeded, TAIYUAN, programme, day)
        assert (during.status, during.certainty) == ("contact-pilot", "uncertain"), day
        assert during.window is not None
        assert (during.window.earliest, during.window.latest) == (date(2014, 4, 1), date(2022, 4, 30))
        assert during.since is not None and during.since.edtf == "2014-04/2022-04"
    # The milestone, its date guess, the doubt about the notice, the issuer added on re-reading.
    assert [e.type for e in during.evidence] == [
        "pilot_designated",
        "milestone_corrected",
        "source_dated",
        "milestone_corrected",
    ]
    assert answer(seeded, TAIYUAN, programme, "2022-04-30") == ("contact-pilot", "yes", None)


def test_every_milestone_of_the_doubted_notice_answers_alike(seeded: tuple[EventStore, Reference]) -> None:
    store, reference = seeded
    notice = "shanxi-reform-notice-2022-06-17"
    page = timeline_page(store, reference, SHANXI, descendants=True, limit=500)
    resting = [e for e in page.entries if {s.document for s in e.sources} == {notice}]
    assert len(resting) > 30
    for entry in resting:
        printed = store.get(entry.event_id).event
        if printed.occurred.startswith(".."):  # known by the notice's date: open already
            assert entry.occurred.edtf == printed.occurred
            continue
        # Every one spans both readings, whether or not a correction guessed a year...
        assert entry.occurred.earliest is not None and entry.occurred.earliest.year == 2014, entry.title.en
        assert entry.occurred.latest is not None and entry.occurred.latest.year == 2022
        # ...and the printed value stays in the log.
        assert printed.occurred.startswith("2022")
    issued = next(e for e in resting if e.type == "policy_issued" and e.occurred.edtf.endswith("-06-17"))
    assert issued.occurred.edtf == "2014-06-17/2022-06-17"
    # As known before the doubt was logged, the guessed correction alone.
    doubt = position_of(store, "shanxi-reform-notice-2022-06-17-dates-doubted")
    before = timeline_page(store, reference, SHANXI, known_at=doubt - 1, limit=500)
    assert next(e for e in before.entries if e.event_id == issued.event_id).occurred.edtf == "2015-06-17?"


def test_the_plan_of_2015_follows_the_contact_pilot(seeded: tuple[EventStore, Reference]) -> None:
    programme = "urban-public-hospital-reform-pilot"
    # The contact pilot is not ended by the later plan: both hold, the pilot ranks higher.
    mid = ask(seeded, TAIYUAN, programme, "2016-01-01")
    assert [(s.status, s.certainty) for s in mid.statuses] == [
        ("contact-pilot", "uncertain"),
        ("planned", "uncertain"),
    ]
    later = ask(seeded, TAIYUAN, programme, "2023-01-01")
    assert [(s.status, s.certainty) for s in later.statuses] == [("contact-pilot", "yes"), ("planned", "yes")]
    assert answer(seeded, "140800", programme, "2023-01-01") == ("planned", "yes", None)  # Yuncheng


def test_before_the_corrections_the_log_dated_them_2022(seeded: tuple[EventStore, Reference]) -> None:
    store, _ = seeded
    programme = "urban-public-hospital-reform-pilot"
    before = position_of(store, "taiyuan-urban-public-hospital-contact-pilot-corrected") - 1
    then = ask(seeded, TAIYUAN, programme, "2014-05-01", known_at=before)
    assert (then.status, then.certainty) == (None, "no")
    later = ask(seeded, TAIYUAN, programme, "2022-05-01", known_at=before)
    assert (later.status, later.certainty, later.since and later.since.edtf) == (
        "contact-pilot",
        "yes",
        "2022-04",
    )
    assert ask(seeded, TAIYUAN, programme, "2014-05-01").status == "contact-pilot"


def test_a_year_precision_plan_is_uncertain_all_year(seeded: tuple[EventStore, Reference]) -> None:
    # Printed 2022 in the doubted notice: uncertain from 2014 to the end of 2022.
    programme = "county-public-hospital-reform"
    assert answer(seeded, SHANXI, programme, "2013-12-31") == (None, "no", None)
    assert answer(seeded, SHANXI, programme, "2014-01-01") == ("planned", "uncertain", None)
    assert answer(seeded, SHANXI, programme, "2022-06-30") == ("planned", "uncertain", None)
    assert answer(seeded, SHANXI, programme, "2022-12-31") == ("planned", "yes", None)


def test_on_or_before_the_report_date(seeded: tuple[EventStore, Reference]) -> None:
    # Jinzhong's DIP coverage, known only as true by the article of 2024-08-28.
    found = ask(seeded, JINZHONG, "dip-payment-reform", "2024-08-28")
    assert (found.certainty, found.since and found.since.edtf) == ("yes", "../2024-08-28")
    before = ask(seeded, JINZHONG, "dip-payment-reform", "2024-08-27")
    assert before.certainty == "uncertain" and before.window is not None
    assert (before.window.earliest, before.window.latest) == (None, date(2024, 8, 28))


def test_an_interval_rating_with_a_designation_inherited_from_the_city(
    seeded: tuple[EventStore, Reference],
) -> None:
    # County integration inherits down: Jinzhong launched it in 2017 and has been upgrading it
    # some time between then and 2024-08-28; Jiexiu was rated between 2017-10 and 2021-05-19.
    programme = "county-medical-integration"

    def held(region: str, day: str) -> list[tuple[str, str, str | None]]:
        return [
            (s.status, s.certainty, s.inherited_from) for s in ask(seeded, region, programme, day).statuses
        ]

    assert answer(seeded, JIEXIU, programme, "2016-12-31") == (None, "no", None)
    assert held(JIEXIU, "2017-09-30") == [
        ("upgrading", "uncertain", JINZHONG),
        ("launched", "uncertain", JINZHONG),
    ]
    assert held(JIEXIU, "2018-06-01") == [
        ("upgrading", "uncertain", JINZHONG),
        ("launched", "yes", JINZHONG),
        ("rated", "uncertain", None),
    ]
    # The rating does not end the city's launch: all hold, by rank.
    assert held(JIEXIU, "2021-05-19") == [
        ("upgrading", "uncertain", JINZHONG),
        ("launched", "yes", JINZHONG),
        ("rated", "yes", None),
    ]
    assert held(JIEXIU, "2024-08-28")[0] == ("upgrading", "yes", JINZHONG)
    assert held(SHOUYANG, "2018-06-01")[1] == ("launched", "yes", JINZHONG)
    assert answer(seeded, TAIYUAN, programme, "2018-06-01") == (None, "no", None)
    # Qingxu (Taiyuan) only pushes an upgrade: exploring, its own.
    assert held("140121", "2025-03-24") == [("exploring", "yes", None)]


def test_members_of_the_integration_demonstration_in_jinzhong(seeded: tuple[EventStore, Reference]) -> None:
    store, reference = seeded
    programme = "integration-demonstration-county"
    on_the_day = programme_members(store, reference, programme, as_of="2024-08-28", within=JINZHONG)
    assert [(m.code, m.certainty) for m in on_the_day.members] == [
        ("140721", "yes"),
        ("140725", "yes"),
        ("140727", "yes"),
        ("140729", "yes"),
        ("140781", "yes"),
    ]
    day_before = programme_members(store, reference, programme, as_of="2024-08-27", within=JINZHONG)
    assert {m.certainty for m in day_before.members} == {"uncertain"}
    assert programme_members(store, reference, programme, as_of="2024-08-28", within=TAIYUAN).members == []


def test_members_by_inheritance_only_where_regions_existed(seeded: tuple[EventStore, Reference]) -> None:
    store, reference = seeded
    report = programme_members(
        store, reference, "county-medical-integration", as_of="2018-06-01", status="launched"
    )
    codes = {m.code: (m.status, m.inherited_from) for m in report.members}
    assert codes[JINZHONG] == ("launched", None)
    assert codes[SHOUYANG] == ("launched", JINZHONG)
    assert "140726" in codes and "140703" not in codes  # Taigu county until 2019, district after
    later = programme_members(
        store, reference, "county-medical-integration", as_of="2020-06-01", status="launched"
    )
    assert "140703" in {m.code for m in later.members}


def test_the_jinzhong_timeline_in_order_with_the_corrections_applied(
    seeded: tuple[EventStore, Reference],
) -> None:
    store, reference = seeded
    page = timeline_page(store, reference, JINZHONG, descendants=True, limit=500)
    keys = [(e.occurred.earliest or e.occurred.latest) for e in page.entries]
    assert keys == sorted(keys) and len(page.entries) > 20
    assert {JIEXIU, JINZHONG} <= {code for e in page.entries for code in e.regions}
    taiyuan = timeline_page(store, reference, TAIYUAN, limit=500)
    corrected = [e for e in taiyuan.entries if e.corrected]
    assert {e.occurred.edtf for e in corrected} >= {"2014-04/2022-04", "2014/2022"}
    assert all(c.reason.en for e in corrected for c in e.corrections)
