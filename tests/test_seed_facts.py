"""The bundled seeds, loaded into a fresh database the way a user does, hold the facts of each
of the five source documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from events.store import EventStore
from events.types import (
    IncentiveAwarded,
    MeetingHeld,
    MetricReported,
    MilestoneCorrected,
    PilotDesignated,
    PolicyIssued,
    RatingAwarded,
)
from timeline.cli import main
from timeline.seeds import seed_event_id
from timeline.settings import PACKAGE_SEEDS


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    db = tmp_path_factory.mktemp("seeded") / "timeline.db"
    result = CliRunner().invoke(main, ["load", str(PACKAGE_SEEDS), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return EventStore.open(db, create=False)


def event(store: EventStore, seed_id: str):
    recorded = store.get(seed_event_id(seed_id))
    return recorded.event


def cites(store: EventStore, seed_id: str, document: str) -> bool:
    return any(s.document == document for s in event(store, seed_id).sources)


def test_loading_twice_appends_nothing(seeded: EventStore, tmp_path: Path):
    head = seeded.head().position
    result = CliRunner().invoke(main, ["load", "--db", seeded.path])
    assert result.exit_code == 0 and "0 appended" in result.output
    assert seeded.head().position == head
    assert seeded.verify() == head


def test_jinzhong_press_conference_2024(seeded: EventStore):
    doc = "jinzhong-press-2024-08-28"
    onsite = event(seeded, "shanxi-county-integration-onsite-meeting-jiexiu-2024-08-22")
    assert isinstance(onsite, MeetingHeld) and onsite.occurred == "2024-08-22"
    assert "140781" in onsite.regions and cites(
        seeded, onsite_id := "shanxi-county-integration-onsite-meeting-jiexiu-2024-08-22", doc
    ), onsite_id
    infant = event(seeded, "jinzhong-infant-mortality-rate")
    assert isinstance(infant, MetricReported) and (infant.value, infant.unit) == (2.85, "‰")
    dip = event(seeded, "jinzhong-dip-rated-excellent")
    assert isinstance(dip, RatingAwarded) and dip.grade == "excellent" and dip.regions == ("140700",)
    pilot = event(seeded, "jiexiu-grassroots-health-pilot-zone")
    assert isinstance(pilot, PilotDesignated) and pilot.occurred == "../2024-08-28"  # undated
    press = event(seeded, "jinzhong-health-reform-press-conference-2024-08-28")
    assert press.occurred == "2024-08-28T11:00:00+08:00"


def test_jinzhong_daily_report_2021(seeded: EventStore):
    doc = "jinzhong-daily-report-2021-05-19"
    award = event(seeded, "jiexiu-state-council-supervision-incentive-2021")
    assert isinstance(award, IncentiveAwarded)
    assert (award.amount_cny, award.occurred, award.regions) == (5_000_000, "2021-05-07", ("140781",))
    group = event(seeded, "jiexiu-medical-group-established")
    assert group.occurred == "2017-10" and cites(seeded, "jiexiu-medical-group-established", doc)
    exchange = event(seeded, "nhc-county-medical-community-exchange-meeting-jiexiu-2021-04-27")
    assert isinstance(exchange, MeetingHeld) and exchange.occurred == "2021-04-27"


def test_provincial_bulletin_2019_two_meetings_same_day(seeded: EventStore):
    province = event(seeded, "shanxi-reform-leading-group-meeting-2019-11-18")
    xinzhou = event(seeded, "xinzhou-reform-leading-group-meeting-2019-11-18")
    assert isinstance(province, MeetingHeld) and isinstance(xinzhou, MeetingHeld)
    assert province.occurred == xinzhou.occurred == "2019-11-18"
    assert "140000" in province.regions and xinzhou.regions == ("140900",)
    tasks = event(seeded, "shanxi-governor-sets-county-group-and-reform-tasks-2019-11-18")
    assert "county-medical-integration" in tasks.programmes


def test_provincial_notice_keeps_its_printed_dates_and_models_the_doubt(seeded: EventStore):
    policy = event(seeded, "shanxi-key-tasks-jinzhengbanfa-64")
    assert isinstance(policy, PolicyIssued) and policy.document_number == "晋政办发〔2022〕64号"
    assert policy.confidence == "low" and policy.note is not None
    correction = event(seeded, "shanxi-key-tasks-jinzhengbanfa-64-corrected")
    assert isinstance(correction, MilestoneCorrected)
    assert correction.corrects == seed_event_id("shanxi-key-tasks-jinzhengbanfa-64")
    assert "occurred" in correction.changes
    budget = event(seeded, "shanxi-health-budget-2022")
    assert isinstance(budget, MetricReported) and budget.value == 24_394_000_000


def test_qingxu_news_2025(seeded: EventStore):
    visits = event(seeded, "qingxu-medical-community-visits-2024")
    assert isinstance(visits, MetricReported)
    assert (visits.value, visits.period, visits.regions) == (1_163_518, "2024", ("140121",))
    signing = event(seeded, "qingxu-family-doctor-signing-rate")
    assert (signing.value, signing.unit) == (78.45, "%")
    payment = event(seeded, "qingxu-case-based-payment-share-2024")
    assert payment.value == 95.86 and "drg-payment-reform" in payment.programmes


def test_every_event_cites_a_catalogued_source(seeded: EventStore):
    from events.reference import Reference

    reference = Reference(seeded.db)
    documents = {s.id for s in reference.sources()}
    assert len(documents) == 5
    for recorded in seeded.read_all():
        assert {s.document for s in recorded.event.sources} <= documents
