"""Doubt about a source document's own dates (`source_dated`), stated once for its milestones."""

from __future__ import annotations

from datetime import date

import pytest

from events.errors import InvalidEvent
from events.reference import Reference
from events.store import EventStore
from events.submissions import prepare
from projections import catch_up, rebuild
from tests.test_projections_status import status
from tests.test_projections_support import add, append, correct, designate, doubt, table_rows
from tests.test_projections_timeline import page


def test_a_doubt_logged_after_the_milestones_widens_each_of_them(store: EventStore) -> None:
    pilot = designate(store, "2022-04")
    meeting = add(store, occurred="2022-06-17")
    other = add(store, occurred="2021-03-01")  # outside the printed year: untouched
    append(store, doubt(printed="2022", reading="2014/2015"))
    found = status(store, "2018-01-01")
    assert (found.status, found.certainty, found.since and found.since.edtf) == (
        "designated",
        "uncertain",
        "2014-04/2022-04",
    )
    assert found.window is not None and (found.window.earliest, found.window.latest) == (
        date(2014, 4, 1),
        date(2022, 4, 30),
    )
    assert [e.type for e in found.evidence] == ["pilot_designated", "source_dated"]
    assert status(store, "2022-04-30").certainty == "yes"
    dates = {e.event_id: e.occurred.edtf for e in page(store).entries}
    assert dates == {pilot: "2014-04/2022-04", meeting: "2014-06-17/2022-06-17", other: "2021-03-01"}
    entry = next(e for e in page(store).entries if e.event_id == meeting)
    assert entry.corrected and entry.corrections[0].fields == ["occurred"]
    # As known before the doubt, and in the log, the printed date.
    assert {e.occurred.edtf for e in page(store, known_at=3).entries} == {
        "2022-04",
        "2022-06-17",
        "2021-03-01",
    }
    assert store.get(meeting).event.occurred == "2022-06-17"  # type: ignore[union-attr]


def test_a_milestone_logged_after_the_doubt_is_widened_too(store: EventStore) -> None:
    append(store, doubt(printed="2022", reading="2014"))
    designate(store, "2022")
    found = status(store, "2016-01-01")
    assert (found.status, found.certainty, found.since and found.since.edtf) == (
        "designated",
        "uncertain",
        "2014/2022",
    )
    incremental = table_rows(store.conn)
    rebuild(store, progress=False)
    assert table_rows(store.conn) == incremental


def test_a_plain_correction_settles_the_date_and_a_guess_stays_inside(store: EventStore) -> None:
    settled = designate(store, "2022-04")
    guessed = add(store, occurred="2022-06-17")
    append(store, doubt(printed="2022", reading="2014/2015"))
    correct(store, settled, occurred="2014-04-08")
    correct(store, guessed, occurred="2013-06-17?")
    dates = {e.event_id: e.occurred.edtf for e in page(store).entries}
    assert dates == {settled: "2014-04-08", guessed: "2013-06-17/2022-06-17"}
    assert (status(store, "2014-04-08").status, status(store, "2014-04-08").certainty) == (
        "designated",
        "yes",
    )


def test_a_milestone_with_another_source_does_not_rest_on_the_doubted_one(store: EventStore) -> None:
    sources = [{"document": "test-doc"}, {"document": "other-doc"}]
    both = add(store, occurred="2022-06-17", sources=sources)
    append(store, doubt(printed="2022", reading="2014"))
    catch_up(store)
    assert {e.event_id: e.occurred.edtf for e in page(store).entries} == {both: "2022-06-17"}


def test_a_doubt_about_an_unknown_document_is_refused(store: EventStore) -> None:
    item = {
        "type": "source_dated",
        "document": "nope",
        "printed": "2022",
        "reading": "2014",
        "reason": {"zh": "存疑", "en": "doubted"},
        "sources": [{"document": "test-doc"}],
    }
    with pytest.raises(InvalidEvent, match="No source 'nope'"):
        prepare([item], Reference(store.db), store)
    (prepared,) = prepare([{**item, "document": "test-doc"}], Reference(store.db), store)
    assert prepared.stream == "source-test-doc"
