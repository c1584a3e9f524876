"""Catalogues are events: regions, programmes and sources are defined in the log, and their
tables follow from those events inside the append transaction."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner

from events.errors import ConcurrencyError, InvalidEvent
from events.reference import Programme, Reference, Region, SourceDocument
from events.store import EventStore
from events.submissions import prepare
from events.types import ProgrammeDefined, RegionDefined, SourceRegistered, Text
from tests.conftest import PROGRAMMES, REGIONS, SOURCES, milestone
from tests.test_api_support import AUTH, open_client, seeded_settings
from tests.test_seed_loader import write_seeds
from timeline.catalogue import define_catalogue
from timeline.cli import main
from timeline.seeds import load_seeds

YUCI = Region(code="140702", name=Text(zh="榆次区", en="Yuci"), kind="district", parent="140700")
TEXT = "二〇二一年，某县开展了试点。\n第二段。"


def region_item(region: Region, **extra: Any) -> dict[str, Any]:
    return {"type": "region_defined", "region": msgspec.to_builtins(region), **extra}


def citing(code: str) -> dict[str, Any]:
    return msgspec.to_builtins(milestone(regions=[code]))


def test_a_batch_defines_a_region_and_cites_it(any_store: EventStore) -> None:
    store = any_store  # SQLite, then PostgreSQL
    prepared = prepare([region_item(YUCI), citing("140702")], Reference(store.db), store)
    assert prepared[0].stream == "region-140702" and prepared[0].expected_version is None
    result = store.append(prepared)
    assert Reference(store.db).region("140702") == YUCI
    row = store.db.execute("SELECT position FROM regions WHERE code = '140702'").fetchone()
    assert row[0] == result.first_position
    logged = store.read_stream("region-140702")
    assert [e.type for e in logged] == ["region_defined"] and logged[0].event.region == YUCI


def test_a_citation_before_the_definition_or_a_missing_parent_is_refused(any_store: EventStore) -> None:
    store = any_store  # SQLite, then PostgreSQL
    orphan = msgspec.structs.replace(YUCI, code="149901", parent="149900")
    with pytest.raises(InvalidEvent) as info:
        prepare([citing("140702"), region_item(YUCI), region_item(orphan)], Reference(store.db), store)
    found = {p.path: p.message for p in info.value.problems}
    assert found["$[0].regions[0]"] == "No region with code '140702'"
    assert found["$[2].region.parent"].startswith("No parent region '149900'")


def test_a_definition_goes_to_its_own_stream(any_store: EventStore) -> None:
    store = any_store  # SQLite, then PostgreSQL
    with pytest.raises(InvalidEvent) as info:
        prepare([{"event": region_item(YUCI), "stream": "region-140781"}], Reference(store.db), store)
    (problem,) = info.value.problems
    assert problem.path == "$[0].stream" and "'region-140702'" in problem.message


def test_a_failed_batch_leaves_the_catalogue_as_it_was(any_store: EventStore) -> None:
    store = any_store  # SQLite, then PostgreSQL
    store.append(prepare([region_item(YUCI)], Reference(store.db), store))
    renamed = msgspec.structs.replace(YUCI, name=Text(zh="榆次区", en="Yuci District"))
    batch = prepare([{"event": region_item(renamed), "expected_version": 1}], Reference(store.db), store)
    stale = prepare([{"event": region_item(renamed), "expected_version": 0}], Reference(store.db), store)
    with pytest.raises(ConcurrencyError):
        store.append([*batch, *stale])
    assert Reference(store.db).region("140702") == YUCI
    store.append(batch)
    assert Reference(store.db).region("140702").name.en == "Yuci District"
    assert [e.version for e in store.read_stream("region-140702")] == [1, 2]


def test_a_source_registered_with_its_text_keeps_it_archived(any_store: EventStore) -> None:
    store = any_store  # SQLite, then PostgreSQL
    doc = SourceDocument(
        id="county-report",
        title=Text(zh="县报告", en="County report"),
        publisher=Text(zh="县卫健局", en="County health bureau"),
        published="2021-05",
        kind="report",
    )
    digest = hashlib.sha256(TEXT.encode()).hexdigest()
    event = {"type": "source_registered", "source": msgspec.to_builtins(doc), "text": TEXT}
    with pytest.raises(InvalidEvent, match="is not the SHA-256 of `text`"):
        prepare([{**event, "text_sha256": "0" * 64}], Reference(store.db), store)
    store.append(prepare([{**event, "text_sha256": digest}], Reference(store.db), store))
    text = Reference(store.db).source_text("county-report")
    assert text is not None and (text.sha256, text.text) == (digest, TEXT)
    # Metadata changed later, without the text: the archived text stays.
    retitled = msgspec.structs.replace(doc, title=Text(zh="县报告", en="The county report"))
    store.append(
        prepare(
            [{"type": "source_registered", "source": msgspec.to_builtins(retitled)}],
            Reference(store.db),
            store,
        )
    )
    assert Reference(store.db).source("county-report") == retitled
    assert Reference(store.db).source_text("county-report") == text
    assert Reference(store.db).source_text("test-doc") is None


def test_define_catalogue_appends_only_what_is_new_or_changed(tmp_path: Path) -> None:
    store = EventStore.open(tmp_path / "t.db")
    first = define_catalogue(store, [*reversed(REGIONS), *PROGRAMMES, *SOURCES])
    assert first is not None and len(first.event_ids) == len(REGIONS) + len(PROGRAMMES) + len(SOURCES)
    logged = list(store.read_all())
    assert [type(e.event) for e in logged[:5]] == [RegionDefined] * 5
    assert logged[0].event.region.code == "140000"  # parents before children, whatever the order given
    assert {e.stream for e in logged} >= {"region-140781", "programme-dip-payment", "source-test-doc"}
    assert define_catalogue(store, [*REGIONS, *PROGRAMMES, *SOURCES]) is None
    moved = msgspec.structs.replace(REGIONS[2], parent="140100")
    again = define_catalogue(store, [*REGIONS[:2], moved, *REGIONS[3:]])
    assert again is not None and len(again.event_ids) == 1
    assert [e.version for e in store.read_stream("region-140781")] == [1, 2]
    assert Reference(store.db).region("140781").parent == "140100"
    assert isinstance(store.read_stream("programme-dip-payment")[0].event, ProgrammeDefined)
    assert isinstance(store.read_stream("source-test-doc")[0].event, SourceRegistered)


def test_seeds_are_loaded_through_catalogue_events(tmp_path: Path) -> None:
    store = EventStore.open(tmp_path / "t.db")
    seeds = write_seeds(tmp_path / "seeds")
    report = load_seeds(store, seeds)
    types = [e.type for e in store.read_all()]
    assert types[:4] == ["region_defined", "region_defined", "programme_defined", "source_registered"]
    assert report.defined == 4 and Reference(store.db).region("140781").name.en == "Jiexiu"
    head = store.head().position
    assert load_seeds(store, seeds).defined == 0 and store.head().position == head
    renamed = (seeds / "programmes.toml").read_text().replace("Grassroots pilot zone", "Grassroots pilot")
    changed = load_seeds(store, write_seeds(seeds, **{"programmes.toml": renamed}))
    assert changed.defined == 1 and store.head().position == head + 1
    assert Reference(store.db).programme("grassroots-pilot").name.en == "Grassroots pilot"


def test_entries_written_outside_the_log_are_defined_by_the_next_load(tmp_path: Path) -> None:
    """A database from before catalogue events: tables without a `position` column."""
    path = tmp_path / "old.db"
    EventStore.open(path).close()
    conn = sqlite3.connect(path)
    for table in ("regions", "programmes", "sources"):
        conn.execute(f"DROP TABLE {table}")
        key = {"regions": "code", "programmes": "slug", "sources": "id"}[table]
        conn.execute(f"CREATE TABLE {table} ({key} TEXT PRIMARY KEY, data TEXT NOT NULL)")
    conn.execute("INSERT INTO regions VALUES ('140000', ?)", [msgspec.json.encode(REGIONS[0])])
    conn.commit()
    conn.close()
    store = EventStore.open(path, create=False)
    assert Reference(store.db).region("140000") == REGIONS[0]
    assert Reference(store.db).logged(Region) == {}
    report = load_seeds(store, write_seeds(tmp_path / "seeds"))
    assert report.defined == 4
    assert set(Reference(store.db).logged(Region)) == {"140000", "140781"}


def test_a_region_defined_over_http_can_be_cited_in_the_same_batch(store: EventStore, db_path: Path) -> None:
    for client in open_client(seeded_settings(store, db_path)):
        batch = [region_item(YUCI), citing("140702")]
        response = client.post("/events", json=batch, headers=AUTH)
        assert response.status_code == 201, response.text
        assert client.get("/regions/140702").json()["code"] == "140702"
        types = [e["type"] for e in client.get("/events?limit=500").json()["events"]]
        assert types[-2:] == ["region_defined", "meeting_held"]


def test_catalogue_dates_must_be_edtf_like_every_other_date(store: EventStore, db_path: Path) -> None:
    # Found by schemathesis: a source published "0" was appended (only milestones checked dates).
    source = {"id": "odd-date", "title": {"zh": "文", "en": "Text"}, "publisher": {"zh": "社", "en": "Desk"}}
    bad_region = {"code": "140799", "name": {"zh": "某县", "en": "Mou"}, "kind": "county", "parent": "140700"}
    cases = [
        (
            {
                "type": "source_registered",
                "sources": [],
                "source": source | {"kind": "news", "published": "0"},
            },
            "$[0].source.published",
        ),
        (
            {"type": "region_defined", "sources": [], "region": bad_region | {"valid_from": "2019-02-30"}},
            "$[0].region.valid_from",
        ),
    ]
    for client in open_client(seeded_settings(store, db_path)):
        head = client.get("/health").json()["head"]
        for event, path in cases:
            response = client.post("/events", json=[event], headers=AUTH)
            assert response.status_code == 422, response.text
            assert [e["path"] for e in response.json()["errors"]] == [path]
        assert client.get("/health").json()["head"] == head


def test_the_log_command_shows_definitions(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    result = CliRunner().invoke(main, ["load", str(write_seeds(tmp_path / "seeds")), "--db", db])
    assert result.exit_code == 0 and "Catalogue definitions: 4 appended." in result.output
    shown = CliRunner().invoke(main, ["log", "--db", db]).output
    assert "defines region 140781: Jiexiu" in shown and "defines source doc-a: Document A" in shown


def test_programme_struct_round_trips_through_its_event() -> None:
    event = ProgrammeDefined(programme=PROGRAMMES[0])
    raw = msgspec.json.encode(event)
    assert msgspec.json.decode(raw, type=ProgrammeDefined) == event
    assert event.stream == "programme-county-integration"
    assert isinstance(PROGRAMMES[0], Programme)
