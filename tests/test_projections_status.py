"""The programme-status projection: yes / no / uncertain as of a day, members, inheritance."""

from __future__ import annotations

from datetime import date

import pytest

from events.errors import InvalidDate, UnknownReference
from events.reference import Reference
from events.store import EventStore
from projections import catch_up, programme_members, status_report
from projections.models import MembersReport, ProgrammeStatus
from tests.test_projections_support import add, add_inheriting_programme, correct, designate, retract


@pytest.fixture
def store_db(log_db: str) -> str:
    """Each test here runs on SQLite and on PostgreSQL."""
    return log_db


def status(
    store: EventStore, as_of: str, region: str = "140781", programme: str = "county-integration", **kw: object
) -> ProgrammeStatus:
    catch_up(store)
    report = status_report(store, Reference(store.db), region, as_of=as_of, **kw)  # type: ignore[arg-type]
    return next(s for s in report.programmes if s.programme == programme)


def answer(store: EventStore, as_of: str, **kw: object) -> tuple[str | None, str]:
    found = status(store, as_of, **kw)
    return found.status, found.certainty


def members(
    store: EventStore, as_of: str, programme: str = "county-integration", **kw: object
) -> MembersReport:
    catch_up(store)
    return programme_members(store, Reference(store.db), programme, as_of=as_of, **kw)  # type: ignore[arg-type]


def test_a_month_designation_is_uncertain_within_its_month(store: EventStore) -> None:
    designate(store, "2017-10")
    assert answer(store, "2017-09-30") == (None, "no")
    during = status(store, "2017-10-15")
    assert (during.status, during.certainty) == ("designated", "uncertain")
    assert during.window is not None
    assert (during.window.earliest, during.window.latest) == (date(2017, 10, 1), date(2017, 10, 31))
    assert answer(store, "2017-10-01") == ("designated", "uncertain")
    assert answer(store, "2017-10-31") == ("designated", "yes")
    after = status(store, "2017-11-01")
    assert (after.status, after.certainty, after.window) == ("designated", "yes", None)
    assert after.since is not None and after.since.edtf == "2017-10"
    assert after.since.earliest == date(2017, 10, 1) and after.since.latest == date(2017, 10, 31)


def test_a_day_designation_holds_from_that_day(store: EventStore) -> None:
    designate(store, "2021-05-07")
    assert answer(store, "2021-05-06") == (None, "no")
    assert answer(store, "2021-05-07") == ("designated", "yes")
    assert answer(store, "2030-01-01") == ("designated", "yes")


def test_an_on_or_before_date_is_certain_from_its_end_and_uncertain_before(store: EventStore) -> None:
    designate(store, "../2024-08-28")
    assert answer(store, "2024-08-28") == ("designated", "yes")
    assert answer(store, "2024-09-01") == ("designated", "yes")
    before = status(store, "2024-08-27")
    assert (before.status, before.certainty) == ("designated", "uncertain")
    assert before.window is not None
    assert (before.window.earliest, before.window.latest) == (None, date(2024, 8, 28))
    assert answer(store, "1990-01-01") == ("designated", "uncertain")


def test_statuses_coexist_until_an_ending(store: EventStore) -> None:
    first = designate(store, "2017-10")
    rating = add(
        store,
        type="rating_awarded",
        occurred="2019",
        programmes=["county-integration"],
        grade="excellent",
        rating={"zh": "优秀", "en": "Excellent"},
        period="2018",
    )
    add(
        store,
        type="designation_ended",
        occurred="2021-06-30",
        programmes=["county-integration"],
        reason="completed",
    )
    mid = status(store, "2019-06-01")
    # The rating does not end the designation: both hold, the designation ranks higher.
    assert (mid.status, mid.certainty) == ("designated", "yes")
    assert [(s.status, s.certainty) for s in mid.statuses] == [("designated", "yes"), ("rated", "uncertain")]
    assert [e.event_id for e in mid.statuses[1].evidence] == [rating]
    assert [e.event_id for e in status(store, "2018-06-01").evidence] == [first]
    later = status(store, "2021-06-29")
    assert [(s.status, s.certainty) for s in later.statuses] == [("designated", "yes"), ("rated", "yes")]
    ended = status(store, "2021-06-30")
    assert [(s.status, s.certainty) for s in ended.statuses] == [("ended", "yes")]


def test_a_designation_followed_by_a_plan_answers_both(store: EventStore) -> None:
    designation = designate(store, "2017-10-12")
    plan = designate(store, "2020", status="planned")
    found = status(store, "2021-01-01")
    assert (found.status, found.certainty) == ("designated", "yes")
    statuses = [(s.status, s.certainty, s.since.edtf if s.since else None) for s in found.statuses]
    assert statuses == [("designated", "yes", "2017-10-12"), ("planned", "yes", "2020")]
    assert [e.event_id for e in found.statuses[0].evidence] == [designation]
    assert [e.event_id for e in found.statuses[1].evidence] == [plan]
    # Members match a region when any holding status matches, and show that status.
    planned = members(store, "2021-01-01", status="planned").members
    assert [(m.code, m.status) for m in planned] == [("140781", "planned")]
    assert [s.status for s in planned[0].statuses] == ["designated", "planned"]
    assert [m.status for m in members(store, "2021-01-01").members] == ["designated"]


def test_a_status_the_catalogue_declares_superseding_ends_the_earlier_one(store: EventStore) -> None:
    designate(store, "2019", status="planned")
    designate(store, "2021-03-01")
    assert [s.status for s in status(store, "2020-06-01").statuses] == ["planned"]
    before = status(store, "2021-02-28")
    assert [(s.status, s.certainty) for s in before.statuses] == [("planned", "yes")]
    after = status(store, "2021-03-01")
    assert [(s.status, s.certainty) for s in after.statuses] == [("designated", "yes")]
    assert members(store, "2021-06-01", status="planned").members == []
    # As known before the designation was logged, the plan still held.
    catch_up(store)
    assert [s.status for s in status(store, "2021-06-01", known_at=1).statuses] == ["planned"]


def test_a_later_fact_of_the_same_status_replaces_the_earlier_one(store: EventStore) -> None:
    designate(store, "2017-10-12")
    second = designate(store, "2019-05-01")
    found = status(store, "2020-01-01")
    assert [(s.status, s.since.edtf if s.since else None) for s in found.statuses] == [
        ("designated", "2019-05-01")
    ]
    assert [e.event_id for e in found.evidence] == [second]


def test_an_incentive_tied_to_a_programme_counts_as_awarded(store: EventStore) -> None:
    add(
        store,
        type="incentive_awarded",
        occurred="2021-05-07",
        programmes=["county-integration"],
        amount_cny=5_000_000,
        awarding_body={"zh": "国务院", "en": "State Council"},
    )
    add(
        store,
        type="incentive_awarded",
        occurred="2021-05-08",
        amount_cny=1,
        awarding_body={"zh": "省", "en": "Province"},
    )
    assert answer(store, "2021-05-07") == ("awarded", "yes")
    assert answer(store, "2021-05-09") == ("awarded", "yes")


def test_evidence_names_the_events_and_their_sources(store: EventStore) -> None:
    target = designate(store, "2017-10", status="demonstration")
    fix = correct(store, target, occurred="2017-09")
    found = status(store, "2018-01-01")
    assert found.status == "demonstration"
    assert [(e.event_id, e.type, e.occurred) for e in found.evidence] == [
        (target, "pilot_designated", "2017-09"),
        (fix, "milestone_corrected", None),
    ]
    assert [(s.document, s.locator) for s in found.evidence[1].sources] == [("test-doc", "para 2")]


def test_corrections_and_retractions_change_the_status_but_not_what_was_known(store: EventStore) -> None:
    target = designate(store, "2017-10")
    correct(store, target, occurred="2018-03-01")
    assert answer(store, "2017-12-01") == (None, "no")
    assert answer(store, "2017-12-01", known_at=1) == ("designated", "yes")
    assert answer(store, "2018-03-01") == ("designated", "yes")
    retract(store, target)
    assert answer(store, "2018-03-01") == (None, "no")
    assert answer(store, "2018-03-01", known_at=2) == ("designated", "yes")
    report = status_report(store, Reference(store.db), "140781", as_of=date(2018, 3, 1), known_at=2)
    assert (report.basis.position, report.basis.known_at, report.basis.as_of) == (2, 2, "2018-03-01")
    assert status_report(store, Reference(store.db), "140781", as_of="2018-03-01").basis.position == 3


def test_a_correction_moving_a_designation_to_another_region(store: EventStore) -> None:
    target = designate(store, "2017-10-01", region="140781")
    correct(store, target, regions=["140725"])
    assert answer(store, "2018-01-01") == (None, "no")
    assert answer(store, "2018-01-01", region="140725") == ("designated", "yes")


def test_the_report_lists_every_programme(store: EventStore) -> None:
    designate(store, "2017-10-01")
    catch_up(store)
    report = status_report(store, Reference(store.db), "140781", as_of="2018-01-01")
    assert [(s.programme, s.status, s.certainty) for s in report.programmes] == [
        ("county-integration", "designated", "yes"),
        ("dip-payment", None, "no"),
    ]


def test_members_on_a_day_with_and_without_within(store: EventStore) -> None:
    designate(store, "2017-10-01", region="140781")
    designate(store, "2017-10", region="140725")
    designate(store, "2017-10-01", region="140100")
    designate(store, "2017-10-01", region="140100", programmes=["dip-payment"])
    everyone = members(store, "2017-10-15")
    assert [(m.code, m.status, m.certainty) for m in everyone.members] == [
        ("140100", "designated", "yes"),
        ("140725", "designated", "uncertain"),
        ("140781", "designated", "yes"),
    ]
    assert everyone.members[0].name.en == "Taiyuan"
    jinzhong = members(store, "2017-10-15", within="140700")
    assert [m.code for m in jinzhong.members] == ["140725", "140781"]
    assert [m.code for m in members(store, "2017-10-15", within="140781").members] == ["140781"]
    assert members(store, "2017-09-30").members == []
    assert [m.code for m in members(store, "2017-10-15", programme="dip-payment").members] == ["140100"]


def test_members_filtered_by_status(store: EventStore) -> None:
    designate(store, "2017-10-01", region="140781", status="demonstration")
    designate(store, "2017-10-01", region="140725")
    assert [m.code for m in members(store, "2018-01-01", status="demonstration").members] == ["140781"]
    assert [m.code for m in members(store, "2018-01-01", status="designated").members] == ["140725"]
    report = members(store, "2018-01-01", status="designated")
    assert (report.status, report.basis.position, report.basis.as_of) == ("designated", 2, "2018-01-01")


def test_a_programme_that_inherits_down_covers_the_regions_below(store: EventStore) -> None:
    reference = add_inheriting_programme(store)
    designate(store, "2019-01", region="140700", programmes=["dip-city", "county-integration"])
    inherited = status(store, "2019-06-01", programme="dip-city")
    assert (inherited.status, inherited.certainty, inherited.inherited_from) == (
        "designated",
        "yes",
        "140700",
    )
    assert answer(store, "2019-06-01", programme="county-integration") == (None, "no")
    assert status(store, "2019-06-01", region="140700", programme="dip-city").inherited_from is None
    assert answer(store, "2019-06-01", region="140100", programme="dip-city") == (None, "no")
    catch_up(store)
    report = programme_members(store, reference, "dip-city", as_of="2019-06-01")
    assert [(m.code, m.inherited_from) for m in report.members] == [
        ("140700", None),
        ("140725", "140700"),
        ("140781", "140700"),
    ]
    assert [
        m.code
        for m in programme_members(store, reference, "dip-city", as_of="2019-06-01", within="140781").members
    ] == ["140781"]
    plain = programme_members(store, reference, "county-integration", as_of="2019-06-01")
    assert [m.code for m in plain.members] == ["140700"]


def test_an_own_certain_status_wins_over_an_inherited_one(store: EventStore) -> None:
    add_inheriting_programme(store)
    designate(store, "2019-01-01", region="140700", programmes=["dip-city"])
    add(store, type="designation_ended", occurred="2020-01-01", programmes=["dip-city"], reason="revoked")
    found = status(store, "2020-06-01", programme="dip-city")
    assert (found.status, found.inherited_from) == ("ended", None)
    assert status(store, "2019-06-01", programme="dip-city").inherited_from == "140700"


def test_unknown_references_and_bad_days_are_refused(store: EventStore) -> None:
    designate(store, "2017-10-01")
    catch_up(store)
    reference = Reference(store.db)
    with pytest.raises(UnknownReference):
        status_report(store, reference, "999999", as_of="2018-01-01")
    with pytest.raises(UnknownReference):
        programme_members(store, reference, "no-such", as_of="2018-01-01")
    with pytest.raises(UnknownReference):
        programme_members(store, reference, "dip-payment", as_of="2018-01-01", within="999999")
    with pytest.raises(InvalidDate):
        status_report(store, reference, "140781", as_of="2018-01")
    with pytest.raises(InvalidDate):
        programme_members(store, reference, "dip-payment", as_of="not a day")
