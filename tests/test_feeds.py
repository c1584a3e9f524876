"""The /feeds endpoints through the real app: HTTP behaviour, caching, and the log's changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from ical.lint import content_lines, lint
from ical.seeded import BASE_URL, amendment, append, milestone, seeded_settings
from icalendar import Calendar, Event
from litestar.testing import TestClient

import api.feeds
from api.app import create_app
from api.caching import ViewCache
from api.encoding import Encoded
from events.store import EventStore
from projections.queries import rebuild
from timeline.settings import Settings

JIEXIU = "/feeds/regions/140781.ics"
PROGRAMME = "/feeds/programmes/county-medical-integration.ics"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client on a seeded database that the tests only read."""
    settings = seeded_settings(tmp_path_factory.mktemp("feeds"))
    with TestClient(app=create_app(settings)) as client:
        yield client


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A seeded database of this test's own, to append to."""
    return seeded_settings(tmp_path)


def events_by_uid(body: bytes) -> dict[str, Event]:
    return {str(event["UID"]): event for event in Calendar.from_ical(body).walk("VEVENT")}


def test_a_feed_is_a_utf8_text_calendar_with_validators(client: TestClient) -> None:
    response = client.get(JIEXIU)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["etag"].startswith('"')
    assert parsedate_to_datetime(response.headers["last-modified"]).tzinfo is not None
    assert response.headers["cache-control"].startswith("public")
    assert lint(response.content) == []
    assert Calendar.from_ical(response.content).walk("VEVENT")


def test_two_requests_give_byte_identical_bodies(client: TestClient) -> None:
    first = client.get(PROGRAMME, params={"lang": "en", "spans": "1"})
    again = client.get(PROGRAMME, params={"spans": "true", "lang": "en"})
    assert first.content == again.content
    assert first.headers["etag"] == again.headers["etag"]


def test_if_none_match_gets_304(client: TestClient) -> None:
    etag = client.get(JIEXIU).headers["etag"]
    response = client.get(JIEXIU, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.content == b""
    assert response.headers["etag"] == etag
    assert client.get(JIEXIU, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_if_modified_since_gets_304_until_the_log_changes(client: TestClient) -> None:
    last_modified = client.get(JIEXIU).headers["last-modified"]
    assert client.get(JIEXIU, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = parsedate_to_datetime(last_modified) - timedelta(seconds=1)
    since = format_datetime(earlier, usegmt=True)
    assert client.get(JIEXIU, headers={"If-Modified-Since": since}).status_code == 200
    assert client.get(JIEXIU, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_head_gives_the_headers_without_the_body(client: TestClient) -> None:
    plain = {"Accept-Encoding": "identity"}
    assert client.head(JIEXIU, headers=plain).headers["content-length"] == str(
        len(client.get(JIEXIU, headers=plain).content)
    )
    get = client.get(JIEXIU)  # compressed: the length is the compressed body's
    head = client.head(JIEXIU)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "etag", "last-modified", "content-length", "content-encoding"):
        assert head.headers[name] == get.headers[name]


def test_the_feed_is_not_compressed_unless_asked(client: TestClient) -> None:
    response = client.get(JIEXIU, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        ("/feeds/regions/999999.ics", 404, "unknown-region"),
        ("/feeds/programmes/no-such-programme.ics", 404, "unknown-programme"),
        ("/feeds/regions/140781", 404, None),
        ("/feeds/regions/.ics", 404, None),
        (JIEXIU + "?lang=fr", 400, "invalid-parameter"),
        (JIEXIU + "?spans=maybe", 400, "invalid-parameter"),
        (JIEXIU + "?descendants=2", 400, "invalid-parameter"),
        (JIEXIU + "?types=no_such_type", 400, "invalid-parameter"),
        (JIEXIU + "?programmes=no-such-programme", 400, "invalid-parameter"),
        (PROGRAMME + "?types=no_such_type", 400, "invalid-parameter"),
    ],
)
def test_bad_requests_get_problem_documents(
    client: TestClient, path: str, status: int, slug: str | None
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    if slug:
        assert problem["type"] == f"/problems/{slug}"


def test_webcal_links_in_the_api_name_the_feeds(client: TestClient) -> None:
    region = client.get("/regions/140781").json()["links"]
    programme = client.get("/programmes/county-medical-integration").json()["links"]
    assert region["feed"] == BASE_URL + JIEXIU
    assert region["webcal"] == "webcal://timeline.example" + JIEXIU
    assert programme["feed"] == BASE_URL + PROGRAMME
    assert programme["webcal"] == "webcal://timeline.example" + PROGRAMME
    for link in (region["feed"], programme["feed"]):
        assert client.get(link.removeprefix(BASE_URL)).status_code == 200


def test_filters_narrow_the_feed(client: TestClient) -> None:
    everything = events_by_uid(client.get("/feeds/regions/140000.ics?spans=1").content)  # the default
    assert everything == events_by_uid(client.get("/feeds/regions/140000.ics?descendants=1&spans=1").content)
    own = events_by_uid(client.get("/feeds/regions/140000.ics?descendants=0&spans=1").content)
    meetings = events_by_uid(
        client.get("/feeds/regions/140000.ics?descendants=1&spans=1&types=meeting_held").content
    )
    assert set(own) < set(everything)
    assert meetings and set(meetings) < set(everything)
    assert all("会议" in [str(c) for c in event["CATEGORIES"].cats] for event in meetings.values())


def test_a_programme_feed_gathers_its_milestones_from_every_region(client: TestClient) -> None:
    events = events_by_uid(client.get(PROGRAMME + "?spans=1&lang=en").content)
    assert events
    assert all("County medical" in ",".join(map(str, e["CATEGORIES"].cats)) for e in events.values())
    places = {str(event["LOCATION"]) for event in events.values()}
    assert len(places) > 1


def test_spans_add_months_and_years_but_never_an_invented_day(client: TestClient) -> None:
    timeline = client.get(
        "/regions/140000/timeline", params={"descendants": "true", "include_retracted": "true", "limit": 500}
    ).json()
    assert timeline["next_cursor"] is None
    occurred = {f"{e['event_id']}@reform-timeline": e["occurred"] for e in timeline["entries"]}
    days = events_by_uid(client.get("/feeds/regions/140000.ics?descendants=1&reported=0").content)
    spans = events_by_uid(client.get("/feeds/regions/140000.ics?descendants=1&spans=1&reported=0").content)
    assert set(days) < set(spans) <= set(occurred)
    for uid, event in spans.items():
        when = occurred[uid]
        start = event.decoded("dtstart")
        if uid in days:  # the source gives the day (or the time): shown on it, unlabelled
            assert when["precision"] in ("day", "time") and when["edtf"][-1] not in "?~%"
            assert str(start)[:10] == when["earliest"] == when["latest"]
            # (a retracted milestone keeps its tag: the seeds retract a speech filed as a policy)
            assert not str(event["SUMMARY"]).removeprefix("[已撤回] ").startswith("[")
        else:  # the whole month, year or period, labelled; never one day of it
            assert (str(start), str(event.decoded("dtend") - timedelta(days=1))) == (
                when["earliest"],
                when["latest"],
            )
            assert str(event["SUMMARY"]).startswith("[")
    left_out = {uid for uid in occurred if uid not in spans}
    assert left_out and all(occurred[uid]["edtf"].startswith("../") for uid in left_out)


def test_known_by_facts_are_reports_on_the_day_of_the_report(client: TestClient) -> None:
    timeline = client.get(
        "/regions/140000/timeline", params={"descendants": "true", "include_retracted": "true", "limit": 500}
    ).json()
    occurred = {f"{e['event_id']}@reform-timeline": e["occurred"] for e in timeline["entries"]}
    known_by = {uid for uid, when in occurred.items() if when["edtf"].startswith("../")}
    assert known_by
    without = events_by_uid(client.get("/feeds/regions/140000.ics?descendants=1&reported=0").content)
    assert not known_by & set(without)
    for lang, tag, phrase in (("zh", "[报道] ", "或之前"), ("en", "[Reported] ", "on or before")):
        feed = events_by_uid(client.get(f"/feeds/regions/140000.ics?descendants=1&lang={lang}").content)
        assert set(without) < set(feed)
        reported = {uid: event for uid, event in feed.items() if uid in known_by}
        # Those known by a named day (not `../2022`, which names none) are shown on it.
        assert set(reported) == {
            uid
            for uid in known_by
            if occurred[uid]["precision"] == "interval" and len(occurred[uid]["edtf"]) == len("../2024-08-28")
        }
        for uid, event in reported.items():
            day = occurred[uid]["latest"]
            # One all-day event on the day the source reported it: no other day is invented.
            assert str(event.decoded("dtstart")) == day
            assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(days=1)
            assert str(event["SUMMARY"]).startswith(tag)
            assert phrase in str(event["DESCRIPTION"])
        for uid, event in feed.items():
            if uid not in known_by:
                assert not str(event["SUMMARY"]).startswith(tag)


def test_a_repeated_request_is_served_from_the_cache(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    render = api.feeds.render_calendar

    def counting(*args: object, **kwargs: object) -> bytes:
        calls.append("render")
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api.feeds, "render_calendar", counting)
    with TestClient(app=create_app(settings)) as client:
        first = client.get(JIEXIU)
        assert client.get(JIEXIU).content == first.content
        assert client.head(JIEXIU).status_code == 200
        assert len(calls) == 1
        append(settings, milestone())
        changed = client.get(JIEXIU)
        assert len(calls) == 2
        assert changed.headers["etag"] != first.headers["etag"]
        assert changed.content != first.content


def test_a_correction_bumps_sequence_and_last_modified(settings: Settings) -> None:
    event_id = append(settings, milestone())
    uid = f"{event_id}@reform-timeline"
    with TestClient(app=create_app(settings)) as client:
        before = events_by_uid(client.get(JIEXIU).content)[uid]
        append(
            settings,
            amendment("milestone_corrected", event_id, changes={"occurred": "2024-03-06"}),
            stream=f"milestone-{event_id}",
        )
        response = client.get(JIEXIU)
    after = events_by_uid(response.content)[uid]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.decoded("last-modified") > before.decoded("last-modified")
    assert after.decoded("dtstamp") == after.decoded("last-modified")
    assert after.decoded("created") == before.decoded("created")
    assert str(after["DTSTART"].to_ical().decode()) == "20240306"
    store = EventStore.open(settings.db, create=False)
    try:
        head = store.head().recorded_at
    finally:
        store.close()
    assert head is not None
    assert parsedate_to_datetime(response.headers["last-modified"]) == head.replace(microsecond=0)


def test_a_retraction_stays_in_the_feed_as_cancelled(settings: Settings) -> None:
    event_id = append(settings, milestone())
    append(settings, amendment("milestone_retracted", event_id), stream=f"milestone-{event_id}")
    with TestClient(app=create_app(settings)) as client:
        for path in (JIEXIU, PROGRAMME):
            event = events_by_uid(client.get(path).content)[f"{event_id}@reform-timeline"]
            assert str(event["STATUS"]) == "CANCELLED"
            assert event["SEQUENCE"] == 1
        others = Calendar.from_ical(client.get(JIEXIU).content).walk("VEVENT")
    assert {str(e["STATUS"]) for e in others if e["UID"] != f"{event_id}@reform-timeline"} == {"CONFIRMED"}


def test_line_breaks_in_a_title_cannot_forge_an_event(settings: Settings) -> None:
    title = "会议\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged\r\nSUMMARY:𠀀🎉"
    event_id = append(settings, milestone(title={"zh": title, "en": "Meeting\nBEGIN:VEVENT"}))
    with TestClient(app=create_app(settings)) as client:
        body = client.get(JIEXIU).content
    assert lint(body) == []
    lines = content_lines(body)
    assert lines.count("BEGIN:VEVENT") == len(Calendar.from_ical(body).walk("VEVENT"))
    assert "UID:forged" not in lines
    event = events_by_uid(body)[f"{event_id}@reform-timeline"]
    assert str(event["SUMMARY"]) == "会议\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged\nSUMMARY:𠀀🎉"


def test_uids_and_bodies_survive_a_rebuild_of_the_projections(settings: Settings) -> None:
    paths = [JIEXIU, PROGRAMME + "?spans=1", "/feeds/regions/140000.ics?descendants=1&spans=1&lang=en"]
    with TestClient(app=create_app(settings)) as client:
        before = [client.get(path).content for path in paths]
    store = EventStore.open(settings.db, create=False)
    try:
        assert rebuild(store, progress=False) > 0
    finally:
        store.close()
    with TestClient(app=create_app(settings)) as client:
        after = [client.get(path).content for path in paths]
    assert after == before
    assert all(events_by_uid(body) for body in before)


def test_times_in_the_feed_come_from_the_log(settings: Settings) -> None:
    moment = datetime.now(UTC)
    event_id = append(settings, milestone())
    with TestClient(app=create_app(settings)) as client:
        event = events_by_uid(client.get(JIEXIU).content)[f"{event_id}@reform-timeline"]
    store = EventStore.open(settings.db, create=False)
    try:
        recorded = store.get(event_id).recorded_at.replace(microsecond=0)
    finally:
        store.close()
    assert event.decoded("dtstamp") == event.decoded("created") == recorded
    assert recorded >= moment.replace(microsecond=0)


def test_the_feed_cache_is_bounded_in_bytes() -> None:
    cache = ViewCache(max_bytes=10, max_entry_bytes=10)  # as `feed_cache` makes it, smaller
    for key in (b"a", b"b", b"c"):
        cache.put(key, key, Encoded(b"1234", etag=key.decode()))
    assert cache.get(b"a", b"a") is None  # the oldest went first
    assert cache.get(b"b", b"b") is not None and cache.get(b"c", b"c") is not None
    assert cache.get(b"b", b"stale") is None
    cache.put(b"d", b"d", Encoded(b"x" * 11, etag="d"))
    assert cache.get(b"d", b"d") is None and cache.size <= 10


def test_the_feeds_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in ("/feeds/regions/{name}", "/feeds/programmes/{name}"):
        assert {"get", "head"} <= set(paths[path])
        assert "text/calendar" in paths[path]["get"]["responses"]["200"]["content"]


def test_a_programme_feed_is_the_union_of_its_regions_milestones(client: TestClient) -> None:
    slug = "deepening-healthcare-reform"
    expected = set()
    for region in client.get("/regions").json()["regions"]:
        timeline = client.get(
            f"/regions/{region['code']}/timeline",
            params={"programmes": slug, "include_retracted": "true", "limit": 500},
        ).json()
        expected |= {
            f"{e['event_id']}@reform-timeline"
            for e in timeline["entries"]
            if not e["occurred"]["edtf"].startswith("../")
        }
    feed = events_by_uid(client.get(f"/feeds/programmes/{slug}.ics?spans=1&reported=0").content)
    assert expected and set(feed) == expected


def test_min_position_reads_your_own_write(settings: Settings) -> None:
    with TestClient(app=create_app(settings)) as client:
        client.get(JIEXIU)
        event_id = append(settings, milestone())
        store = EventStore.open(settings.db, create=False)
        try:
            position = store.head().position
        finally:
            store.close()
        body = client.get(JIEXIU, params={"min_position": position}).content
        assert f"{event_id}@reform-timeline" in events_by_uid(body)
        beyond = client.get(JIEXIU, params={"min_position": position + 10})
        assert beyond.status_code == 409 and beyond.json()["errors"][0]["path"] == "min_position"
        assert (
            client.get("/feeds/regions/999999.ics", params={"min_position": position + 10}).status_code == 404
        )
