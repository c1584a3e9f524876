"""What a new event did to a timeline entry, and which filtered views it concerns (no server)."""

from __future__ import annotations

import msgspec
from conftest import new

from events.envelope import NewEvent
from events.reference import Reference
from events.store import EventStore
from events.types import Event
from projections.live import DoubtLog, ViewFilter, milestone_change
from projections.queries import catch_up, timeline_page
from tests.test_projections_support import doubt

REASON = {"zh": "更正。", "en": "Corrected."}
SOURCES = [{"document": "test-doc"}]


def amend(store: EventStore, stream: str, **fields: object) -> None:
    event = msgspec.convert({**fields, "reason": REASON, "sources": SOURCES}, type=Event)
    store.append([NewEvent(stream=stream, event=event)])


def changes(store: EventStore) -> list:
    return [milestone_change(store, e) for e in store.read_all()]


def test_an_entry_folded_from_the_log_equals_the_timelines(store: EventStore) -> None:
    written = store.append([new(stream="m1", regions=["140781"], occurred="2021-05")])
    target = written.event_ids[0]
    amend(store, "m1", type="milestone_corrected", corrects=target, changes={"occurred": "2021-06-02"})
    found = changes(store)
    assert [c.kind for c in found] == ["added", "corrected"]
    assert found[1].before is not None and found[1].before.occurred.edtf == "2021-05"
    catch_up(store)
    page = timeline_page(store, Reference(store.db), "140781")
    assert found[1].entry == page.entries[0]  # the same entry the timeline projection answers


def test_a_view_sees_additions_corrections_and_moves(store: EventStore) -> None:
    reference = Reference(store.db)
    written = store.append([new(stream="m1", regions=["140781"], type="meeting_held")])
    amend(
        store,
        "m1",
        type="milestone_corrected",
        corrects=written.event_ids[0],
        changes={"regions": ["140100"]},
    )
    amend(store, "m1", type="milestone_retracted", retracts=written.event_ids[0])
    amend(store, "m1", type="milestone_retracted", retracts=written.event_ids[0])
    added, moved, retracted, again = changes(store)
    assert again is None  # a second retraction changes nothing
    jinzhong = ViewFilter(region="140700", descendants=True)
    taiyuan = ViewFilter(region="140100", descendants=False)
    policies = ViewFilter(region="140700", descendants=True, types=frozenset({"policy_issued"}))
    assert jinzhong.affected(added, reference) == "added"
    assert ViewFilter(region="140700", descendants=False).affected(added, reference) is None
    assert ViewFilter(region="140700", roles=frozenset({"issuer"})).affected(added, reference) is None
    assert policies.affected(added, reference) is None
    assert jinzhong.affected(moved, reference) == "corrected"  # it leaves the view: shown updated
    assert taiyuan.affected(moved, reference) == "added"  # it enters this one
    assert taiyuan.affected(retracted, reference) == "retracted"
    assert jinzhong.affected(retracted, reference) is None
    assert ViewFilter(programmes=frozenset({"dip-payment"})).affected(added, reference) is None


def test_live_entries_widen_doubted_dates_as_the_timeline_does(store: EventStore) -> None:
    """At every position, the entry a change carries equals the timeline's entry as known then,
    with a doubt about the document logged between the milestones and their corrections."""
    first = store.append([new(stream="m1", regions=["140781"], occurred="2022-04")]).event_ids[0]
    store.append([NewEvent(stream="doubt", event=doubt(printed="2022", reading="2014"))])
    second = store.append([new(stream="m2", regions=["140781"], occurred="2022-06-17")]).event_ids[0]
    amend(store, "m1", type="milestone_corrected", corrects=first, changes={"occurred": "2022-05?"})
    amend(store, "m2", type="milestone_corrected", corrects=second, changes={"occurred": "2022-07-01"})
    doubts = DoubtLog().until(store, store.head().position)
    found = [c for c in (milestone_change(store, e, doubts) for e in store.read_all()) if c is not None]
    assert [c.entry.occurred.edtf for c in found] == [
        "2022-04",  # before the doubt, as printed
        "2014-06-17/2022-06-17",  # logged after it: widened at once
        "2014-04/2022-05",  # an uncertain correction stays inside the window
        "2022-07-01",  # a plain date settles it
    ]
    catch_up(store)
    reference = Reference(store.db)
    for change in found:
        page = timeline_page(store, reference, "140781", known_at=change.position)
        [entry] = [e for e in page.entries if e.event_id == change.entry.event_id]
        assert change.entry == entry, change.position
    assert found[2].before is not None and found[2].before.occurred.edtf == "2014-04/2022-04"
