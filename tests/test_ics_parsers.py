"""Every feed of the seed data, read by two independent parsers and a byte-level lint.

icalendar (Python) and ical.js (Mozilla, strict mode, under Node) must both read every region
and programme feed, in both languages, with and without spans, without a complaint, and agree
on what each event says. Parsers are lenient, so `ical.lint` checks the bytes as well.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from ical.lint import lint
from ical.node import ical_js
from ical.seeded import seeded_settings
from icalendar import Calendar, Event
from litestar.testing import TestClient

from api.app import create_app
from events.reference import Reference
from timeline.database import open_store


def feed_paths(reference: Reference) -> dict[str, str]:
    """A file name for each feed variant: every region (alone and with the regions below it)
    and every programme, in Chinese and English, with and without spans."""
    paths = {}
    for lang in ("zh", "en"):
        for spans in (0, 1):
            for region in reference.regions():
                for descendants in (0, 1):
                    query = f"?lang={lang}&spans={spans}&descendants={descendants}"
                    name = f"region-{region.code}-{descendants}-{lang}-{spans}.ics"
                    paths[name] = f"/feeds/regions/{region.code}.ics{query}"
            for programme in reference.programmes():
                name = f"programme-{programme.slug}-{lang}-{spans}.ics"
                paths[name] = f"/feeds/programmes/{programme.slug}.ics?lang={lang}&spans={spans}"
    return paths


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every feed of the seeded service, saved as a file."""
    settings = seeded_settings(tmp_path_factory.mktemp("seeded"))
    store = open_store(settings)
    try:
        paths = feed_paths(Reference(store.db))
    finally:
        store.close()
    folder = tmp_path_factory.mktemp("feeds")
    files = {}
    with TestClient(app=create_app(settings)) as client:
        for name, path in paths.items():
            response = client.get(path)
            assert response.status_code == 200, (path, response.text)
            files[name] = folder / name
            files[name].write_bytes(response.content)
    return files


@pytest.fixture(scope="module")
def calendars(feeds: dict[str, Path]) -> dict[str, Calendar]:
    """icalendar's reading of every feed."""
    return {name: Calendar.from_ical(path.read_bytes()) for name, path in feeds.items()}


def start_of(event: Event) -> str:
    start = event.decoded("dtstart")
    return start.isoformat() if type(start) is date else start.strftime("%Y-%m-%dT%H:%M:%S")


def test_the_seed_data_gives_feeds_with_events(calendars: dict[str, Calendar]) -> None:
    assert len(calendars) > 300
    counts = [len(calendar.walk("VEVENT")) for calendar in calendars.values()]
    assert sum(counts) > 500 and max(counts) > 50


def test_every_feed_passes_the_byte_lint(feeds: dict[str, Path]) -> None:
    problems = {name: lint(path.read_bytes()) for name, path in feeds.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_icalendar_reads_every_feed_without_errors_to_a_fixed_point(
    feeds: dict[str, Path], calendars: dict[str, Calendar]
) -> None:
    for name, path in feeds.items():
        body = path.read_bytes()
        calendar = calendars[name]
        assert [(c.name, c.errors) for c in calendar.walk() if c.errors] == [], name
        assert calendar.to_ical() == body, name
        assert len(Calendar.from_ical(body, multiple=True)) == 1, name


def test_ical_js_reads_every_feed_strictly_and_agrees_with_icalendar(
    feeds: dict[str, Path], calendars: dict[str, Calendar]
) -> None:
    seen = ical_js(list(feeds.values()))
    assert set(seen) == set(feeds)
    for name, calendar in calendars.items():
        ours = calendar.walk("VEVENT")
        theirs = seen[name]["events"]
        assert seen[name]["name"] == seen[name]["x_wr_calname"] == str(calendar["NAME"])
        assert seen[name]["refresh_interval"] == "PT6H"
        assert [e["uid"] for e in theirs] == [str(e["UID"]) for e in ours], name
        assert [e["summary"] for e in theirs] == [str(e["SUMMARY"]) for e in ours], name
        assert [e["description"] for e in theirs] == [str(e["DESCRIPTION"]) for e in ours], name
        assert [e["location"] for e in theirs] == [str(e["LOCATION"]) for e in ours], name
        assert [e["categories"] for e in theirs] == [list(map(str, e["CATEGORIES"].cats)) for e in ours]
        assert [e["status"] for e in theirs] == [str(e["STATUS"]) for e in ours], name
        assert [e["sequence"] for e in theirs] == [e["SEQUENCE"] for e in ours], name
        assert [e["start"] for e in theirs] == [start_of(e) for e in ours], name


def test_known_times_are_the_same_instant_to_both_parsers(
    feeds: dict[str, Path], calendars: dict[str, Calendar]
) -> None:
    timed = {name: path for name, path in feeds.items() if b"DTSTART;TZID=" in path.read_bytes()}
    assert timed  # the seeds have a meeting with a clock time
    seen = ical_js(list(timed.values()))
    for name in timed:
        ours = [e.decoded("dtstart") for e in calendars[name].walk("VEVENT")]
        theirs = [e["utc_start"] for e in seen[name]["events"]]
        for start, instant in zip(ours, theirs, strict=True):
            if isinstance(start, datetime):
                assert start.utcoffset() is not None and start.timestamp() == instant
            else:
                assert instant is None
