"""The timeline projection and `timeline_page`: order, roll-up, filters, pages, amendments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from events.errors import InvalidDate, UnknownReference
from events.reference import Reference
from events.store import EventStore
from projections import catch_up, timeline_page
from projections.errors import InvalidCursor
from projections.models import TimelinePage
from tests.test_projections_support import add, correct, retract


@pytest.fixture
def store_db(log_db: str) -> str:
    """Each test here runs on SQLite and on PostgreSQL."""
    return log_db


def page(store: EventStore, region: str = "140781", **options: object) -> TimelinePage:
    catch_up(store)
    return timeline_page(store, Reference(store.db), region, **options)  # type: ignore[arg-type]


def dates(result: TimelinePage) -> list[str]:
    return [entry.occurred.edtf for entry in result.entries]


def test_entries_sort_by_interval_start_then_precision_then_position(store: EventStore) -> None:
    for occurred in ["2021-05", "2021-05-01", "2021", "../2021-05-01", "2020-12-31", "2021-05-01"]:
        add(store, occurred=occurred)
    result = page(store)
    # `../2021-05-01` is placed at its end; on one day a day sorts before a month before an
    # interval, and equal dates keep log order.
    assert [(e.occurred.edtf, e.position) for e in result.entries] == [
        ("2020-12-31", 5),
        ("2021", 3),
        ("2021-05-01", 2),
        ("2021-05-01", 6),
        ("2021-05", 1),
        ("../2021-05-01", 4),
    ]
    first = result.entries[1].occurred
    assert (first.precision, first.earliest, first.latest) == ("year", date(2021, 1, 1), date(2021, 12, 31))


def test_descendants_roll_up_counties_into_the_city_and_everything_into_the_province(
    store: EventStore,
) -> None:
    add(store, occurred="2020-01-01", regions=["140781"], title={"zh": "介休", "en": "Jiexiu"})
    add(store, occurred="2020-01-02", regions=["140725"], title={"zh": "寿阳", "en": "Shouyang"})
    add(store, occurred="2020-01-03", regions=["140700"], title={"zh": "晋中", "en": "Jinzhong"})
    add(store, occurred="2020-01-04", regions=["140100"], title={"zh": "太原", "en": "Taiyuan"})
    add(store, occurred="2020-01-05", regions=["140000"], title={"zh": "山西", "en": "Shanxi"})

    def titles(region: str, descendants: bool) -> list[str]:
        return [e.title.en for e in page(store, region, descendants=descendants).entries]

    assert titles("140700", False) == ["Jinzhong"]
    assert titles("140700", True) == ["Jiexiu", "Shouyang", "Jinzhong"]
    assert titles("140000", False) == ["Shanxi"]
    assert titles("140000", True) == ["Jiexiu", "Shouyang", "Jinzhong", "Taiyuan", "Shanxi"]
    assert titles("140781", True) == titles("140781", False) == ["Jiexiu"]


def test_an_event_with_several_regions_appears_under_each_and_once_in_a_roll_up(store: EventStore) -> None:
    add(store, occurred="2020-01-01", regions=["140781", "140725", "140100"])
    for region in ["140781", "140725", "140100"]:
        assert [e.regions for e in page(store, region).entries] == [["140781", "140725", "140100"]]
    assert len(page(store, "140700", descendants=True).entries) == 1
    assert len(page(store, "140000", descendants=True).entries) == 1
    assert page(store, "140700").entries == []


def test_filter_by_type_and_programme(store: EventStore) -> None:
    add(store, occurred="2020-01-01")
    add(store, type="pilot_designated", occurred="2020-01-02", programmes=["county-integration"])
    add(store, type="pilot_designated", occurred="2020-01-03", programmes=["dip-payment"])
    add(store, occurred="2020-01-04", programmes=["dip-payment", "county-integration"])
    assert dates(page(store, types=["pilot_designated"])) == ["2020-01-02", "2020-01-03"]
    assert dates(page(store, programmes=["county-integration"])) == ["2020-01-02", "2020-01-04"]
    assert dates(page(store, types=["meeting_held"], programmes=["dip-payment"])) == ["2020-01-04"]
    assert dates(page(store, types=["meeting_held", "pilot_designated"])) == [
        "2020-01-01",
        "2020-01-02",
        "2020-01-03",
        "2020-01-04",
    ]


def test_a_fuzzy_date_passes_the_range_filter_when_its_interval_overlaps(store: EventStore) -> None:
    for occurred in ["2017-09-30", "2017-10", "2017", "../2017-09-01", "2017-11-01", "2018/.."]:
        add(store, occurred=occurred)
    october = page(store, date_from=date(2017, 10, 15), date_to=date(2017, 10, 20))
    assert dates(october) == ["2017", "2017-10"]
    assert dates(page(store, date_to="2017-09-30")) == ["2017", "../2017-09-01", "2017-09-30"]
    assert dates(page(store, date_from="2017-11-01")) == ["2017", "2017-11-01", "2018/.."]
    assert dates(page(store, date_from="2019-01-01", date_to="2019-12-31")) == ["2018/.."]


def test_text_search_covers_titles_and_summaries_in_both_languages_ignoring_case(store: EventStore) -> None:
    add(
        store,
        occurred="2020-01-01",
        title={"zh": "医共体挂牌", "en": "Medical Community Launched"},
        summary={"zh": "介休市医疗集团成立。", "en": "The Jiexiu group was set up."},
    )
    add(store, occurred="2020-01-02")
    for q in ["医共体", "medical community", "LAUNCHED", "医疗集团", "jiexiu GROUP"]:
        assert dates(page(store, q=q)) == ["2020-01-01"], q
    assert page(store, q="absent").entries == []


def test_pages_stay_stable_while_events_are_appended(store: EventStore) -> None:
    for day in range(1, 6):
        add(store, occurred=f"2020-01-0{day}")
    first = page(store, limit=2)
    assert dates(first) == ["2020-01-01", "2020-01-02"] and first.next_cursor
    add(store, occurred="2019-12-31")  # before the cursor: not shown on later pages
    add(store, occurred="2020-01-03")  # same day as a later entry, appended after it
    second = page(store, limit=2, cursor=first.next_cursor)
    assert [(e.occurred.edtf, e.position) for e in second.entries] == [("2020-01-03", 3), ("2020-01-03", 7)]
    third = page(store, limit=2, cursor=second.next_cursor)
    assert dates(third) == ["2020-01-04", "2020-01-05"] and third.next_cursor is None
    add(store, occurred="2020-01-06")  # later than the last page: reachable from its last entry
    assert second.next_cursor is not None
    again = page(store, limit=2, cursor=second.next_cursor)
    assert dates(again) == ["2020-01-04", "2020-01-05"] and again.next_cursor
    assert dates(page(store, limit=2, cursor=again.next_cursor)) == ["2020-01-06"]


def test_a_correction_shows_the_new_value_and_says_when_and_why(store: EventStore) -> None:
    target = add(store, occurred="2020-01-05", title={"zh": "旧", "en": "Old title"})
    add(store, occurred="2020-01-03")
    fix = correct(store, target, "date was misread", occurred="2020-01-01", title={"zh": "新", "en": "New"})
    result = page(store)
    entry = result.entries[0]  # re-sorted by its corrected date
    assert (entry.event_id, entry.occurred.edtf, entry.title.en) == (target, "2020-01-01", "New")
    assert entry.corrected and entry.sequence == 1
    [applied] = entry.corrections
    assert (applied.event_id, applied.position, applied.fields) == (fix, 3, ["occurred", "title"])
    assert applied.reason.en == "date was misread"
    assert entry.last_modified == applied.recorded_at >= entry.recorded_at
    assert not result.entries[1].corrected and result.entries[1].sequence == 0
    assert result.entries[1].last_modified == result.entries[1].recorded_at


def test_a_correction_of_regions_moves_the_entry(store: EventStore) -> None:
    target = add(store, occurred="2020-01-01", regions=["140781"])
    correct(store, target, regions=["140100"])
    assert page(store, "140781").entries == []
    assert [e.event_id for e in page(store, "140100").entries] == [target]
    assert [e.event_id for e in page(store, "140000", descendants=True).entries] == [target]


def test_a_retracted_entry_leaves_the_default_view_but_stays_reachable(store: EventStore) -> None:
    target = add(store, occurred="2020-01-01")
    add(store, occurred="2020-01-02")
    correct(store, target, title={"zh": "改", "en": "Fixed"})
    withdrawal = retract(store, target, "no such meeting")
    assert dates(page(store)) == ["2020-01-02"]
    shown = page(store, include_retracted=True).entries[0]
    assert shown.retracted and shown.retraction is not None
    assert (shown.retraction.event_id, shown.retraction.reason.en) == (withdrawal, "no such meeting")
    assert shown.title.en == "Fixed" and shown.sequence == 2
    assert shown.last_modified == shown.retraction.recorded_at


def test_known_at_shows_the_timeline_as_the_log_knew_it(store: EventStore) -> None:
    target = add(store, occurred="2020-01-05", title={"zh": "旧", "en": "Old"})
    add(store, occurred="2020-01-03")
    correct(store, target, occurred="2020-01-01", title={"zh": "新", "en": "New"})
    retract(store, target)
    add(store, occurred="2020-01-09")
    assert [e.title.en for e in page(store, known_at=1).entries] == ["Old"]
    before_fix = page(store, known_at=2)
    assert [(e.occurred.edtf, e.corrected) for e in before_fix.entries] == [
        ("2020-01-03", False),
        ("2020-01-05", False),
    ]
    assert (before_fix.basis.position, before_fix.basis.known_at) == (2, 2)
    after_fix = page(store, known_at=3).entries[0]
    assert (after_fix.title.en, after_fix.corrected, after_fix.sequence) == ("New", True, 1)
    assert dates(page(store, known_at=4)) == ["2020-01-03"]
    assert dates(page(store)) == ["2020-01-03", "2020-01-09"]
    assert page(store).basis.position == 5


def test_known_at_as_a_time_is_the_last_position_recorded_by_then(store: EventStore) -> None:
    add(store, occurred="2020-01-01")
    moment = store.head().recorded_at
    assert moment is not None
    add(store, occurred="2020-01-02")
    result = page(store, known_at=moment + timedelta(microseconds=1))
    later = store.head().recorded_at
    assert later is not None
    expected = 1 if later > moment else 2  # two appends in the same microsecond share a time
    assert result.basis.known_at == expected and len(result.entries) == expected


def test_unknown_references_bad_dates_and_bad_cursors_are_refused(store: EventStore) -> None:
    add(store)
    with pytest.raises(UnknownReference, match="999999"):
        page(store, "999999")
    with pytest.raises(UnknownReference, match="no-such"):
        page(store, programmes=["no-such"])
    with pytest.raises(UnknownReference, match="milestone_corrected"):
        page(store, types=["milestone_corrected"])
    with pytest.raises(InvalidDate):
        page(store, date_from="2020-02-30")
    with pytest.raises(InvalidDate):
        page(store, date_to="2020-02")
    for cursor in ["not-base64!", "WzFd", "eyJhIjoxfQ"]:
        with pytest.raises(InvalidCursor):
            page(store, cursor=cursor)


def test_entries_carry_sources_details_and_the_basis(store: EventStore) -> None:
    add(
        store,
        type="incentive_awarded",
        occurred="2021-05-07",
        programmes=["county-integration"],
        amount_cny=5_000_000,
        awarding_body={"zh": "国务院", "en": "State Council"},
        note={"zh": "金额为约数", "en": "The amount is rounded"},
        confidence="medium",
    )
    result = page(store)
    entry = result.entries[0]
    assert entry.type == "incentive_awarded" and entry.programmes == ["county-integration"]
    body = {"zh": "国务院", "en": "State Council"}
    assert entry.details == {"amount_cny": 5_000_000, "awarding_body": body}
    assert [(s.document, s.locator) for s in entry.sources] == [("test-doc", "para 1")]
    assert entry.confidence == "medium" and entry.note is not None
    assert (result.region, result.basis.position, result.basis.as_of) == ("140781", 1, None)
