"""A region's role in a milestone: subject (default), participant or issuer."""

from __future__ import annotations

from pathlib import Path

import msgspec
from click.testing import CliRunner
from litestar.testing import TestClient

from events.envelope import NewEvent
from events.store import EventStore
from events.types import MeetingHeld, decode_event
from events.upcasting import upcast
from projections import catch_up
from tests.test_api_support import open_client, seeded_settings
from tests.test_projections_status import status
from tests.test_projections_support import add
from tests.test_projections_timeline import page
from timeline.cli import main

SHANXI, JINZHONG, JIEXIU, SHOUYANG = "140000", "140700", "140781", "140725"


def provincial_meeting(store: EventStore) -> str:
    """A provincial meeting where Jiexiu spoke, convened by the province."""
    return add(
        store,
        type="meeting_held",
        occurred="2021-05-07",
        regions=[SHANXI],
        participants=[JIEXIU],
        issuers=[SHANXI],
    )


def test_a_participant_region_lists_the_meeting_only_when_asked(store: EventStore) -> None:
    meeting = provincial_meeting(store)
    assert [e.event_id for e in page(store, SHANXI).entries] == [meeting]
    assert page(store, JIEXIU).entries == []
    with_role = page(store, JIEXIU, roles=["participant"]).entries
    assert [(e.event_id, e.regions, e.participants) for e in with_role] == [(meeting, [SHANXI], [JIEXIU])]
    assert page(store, JIEXIU, roles=["subject", "issuer"]).entries == []
    # The city's subtree: the county participated, once even under several roles.
    assert page(store, JINZHONG, descendants=True).entries == []
    everything = page(store, JINZHONG, descendants=True, roles=["subject", "participant", "issuer"])
    assert [e.event_id for e in everything.entries] == [meeting]
    both = page(store, SHANXI, roles=["subject", "issuer"]).entries
    assert [e.event_id for e in both] == [meeting]  # subject and issuer: listed once


def test_status_comes_only_from_subjects(store: EventStore) -> None:
    add(
        store,
        type="pilot_designated",
        occurred="2019-01-01",
        regions=[SHOUYANG],
        participants=[JIEXIU],
        issuers=[SHANXI],
        programmes=["county-integration"],
    )
    assert status(store, "2020-01-01", region=SHOUYANG).status == "designated"
    assert status(store, "2020-01-01", region=JIEXIU).status is None
    assert status(store, "2020-01-01", region=SHANXI).status is None


def test_an_event_stored_before_the_roles_reads_unchanged(store: EventStore) -> None:
    old = {
        "type": "meeting_held",
        "occurred": "2021-05-07",
        "regions": [JIEXIU],
        "title": {"zh": "会议", "en": "A meeting"},
        "summary": {"zh": "开会。", "en": "Met."},
        "sources": [{"document": "test-doc"}],
    }
    event = decode_event(msgspec.json.encode(old))
    assert isinstance(event, MeetingHeld)
    assert (event.regions, event.participants, event.issuers) == ((JIEXIU,), (), ())
    assert upcast("meeting_held", MeetingHeld.SCHEMA_VERSION, msgspec.json.encode(old)) == event
    store.append([NewEvent(stream="old", event=event)])
    catch_up(store)
    assert [e.participants for e in page(store, JIEXIU).entries] == [[]]


def test_roles_over_http_cli_widget_and_feeds(store: EventStore, db_path: Path) -> None:
    meeting = provincial_meeting(store)
    settings = seeded_settings(store, db_path)
    for client in open_client(settings):
        assert isinstance(client, TestClient)
        path = f"/regions/{JIEXIU}/timeline"
        assert meeting not in {e["event_id"] for e in client.get(path).json()["entries"]}
        found = client.get(path, params={"roles": "participant"}).json()["entries"]
        assert [(e["event_id"], e["participants"]) for e in found if e["event_id"] == meeting] == [
            (meeting, [JIEXIU])
        ]
        bad = client.get(path, params={"roles": "speaker"})
        assert bad.status_code == 400 and "roles" in bad.text
        widget = client.get(f"/widget/regions/{JIEXIU}.json", params={"roles": "participant"}).json()
        assert meeting in {e["id"] for e in widget["entries"]}
        plain = client.get(f"/widget/regions/{JIEXIU}.json").json()
        assert meeting not in {e["id"] for e in plain["entries"]}
        feed = client.get(f"/feeds/regions/{JIEXIU}.ics", params={"roles": "participant,subject"}).text
        assert meeting in feed
        assert meeting not in client.get(f"/feeds/regions/{JIEXIU}.ics").text
    runner = CliRunner()
    plain = runner.invoke(main, ["region", JIEXIU, "--db", str(db_path)])
    widened = runner.invoke(
        main, ["region", JIEXIU, "--role", "participant", "--role", "subject", "--db", str(db_path)]
    )
    assert plain.exit_code == 0 and widened.exit_code == 0, widened.output
    assert "140000   A meeting" in widened.output
    assert "A meeting" not in plain.output
