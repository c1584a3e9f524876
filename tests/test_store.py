"""The event store: appends, optimistic concurrency, idempotency, immutability, the hash chain.

Every test runs on both backends (`store` is the `any_store` fixture: SQLite, then PostgreSQL).
"""

from __future__ import annotations

import time
from pathlib import Path
from uuid import RFC_4122, UUID

import pytest

from events.backends import open_log
from events.envelope import GENESIS_HASH
from events.errors import (
    ChainBroken,
    ConcurrencyError,
    IdempotencyConflict,
    StoreUnavailable,
    UnknownReference,
)
from events.store import EventStore
from events.types import IncentiveAwarded, MeetingHeld
from events.upcasting import register_upcaster, unregister_upcaster
from tests.conftest import RawLog, new


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    return any_store


def test_append_assigns_positions_versions_and_a_chain(store: EventStore):
    first = store.append([new("a", 0), new("a"), new("b", 0)])
    assert (first.first_position, first.last_position) == (1, 3)
    events = list(store.read_all())
    assert [(e.position, e.stream, e.version) for e in events] == [
        (1, "a", 1),
        (2, "a", 2),
        (3, "b", 1),
    ]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert isinstance(events[0].event, MeetingHeld)
    assert store.head().position == 3 and store.head().hash == events[-1].hash


def test_stale_expected_version_writes_nothing(store: EventStore):
    store.append([new("a", 0)])
    head = store.head()
    with pytest.raises(ConcurrencyError) as info:
        store.append([new("b", 0), new("a", 0)])
    assert (info.value.expected, info.value.current) == (0, 1)
    assert "at version 1" in str(info.value)
    assert store.head() == head  # the valid first item was not written either


def test_a_failing_batch_is_not_half_written(store: EventStore, raw_log: RawLog):
    store.append([new("a", 0)])
    bad = new("a", 0)
    with pytest.raises(ConcurrencyError):
        store.append([new("c", 0), new("d", 0), bad])
    assert raw_log.scalar("SELECT count(*) FROM events") == 1
    store.append([new("c", 0)])  # the store is usable after the failed batch
    assert raw_log.scalar("SELECT count(*) FROM events") == 2


def test_idempotent_retry_returns_original_positions(store: EventStore):
    batch = [new("a", 0), new("b", 0)]
    first = store.append(batch, idempotency_key="k")
    again = store.append(batch, idempotency_key="k")
    assert again.replayed and not first.replayed
    assert (again.first_position, again.last_position) == (
        first.first_position,
        first.last_position,
    )
    assert again.event_ids == first.event_ids
    assert store.head().position == 2
    with pytest.raises(IdempotencyConflict):
        store.append([new("z", 0)], idempotency_key="k")


def test_reads_by_stream_id_and_page(store: EventStore):
    store.append([new(f"s{i % 3}") for i in range(12)])
    assert [e.version for e in store.read_stream("s1")] == [1, 2, 3, 4]
    assert [e.position for e in store.read_all(after=5, limit=4)] == [6, 7, 8, 9]
    some = next(store.read_all(after=10))
    assert store.get(some.event_id) == some
    with pytest.raises(UnknownReference):
        store.get("00000000-0000-0000-0000-000000000000")


def test_update_and_delete_are_refused_by_triggers(store: EventStore, raw_log: RawLog):
    store.append([new("a", 0)])
    with pytest.raises(raw_log.refused, match="append-only: UPDATE refused"):
        raw_log.execute("UPDATE events SET payload = '{}' WHERE position = 1")
    with pytest.raises(raw_log.refused, match="append-only: DELETE refused"):
        raw_log.execute("DELETE FROM events")
    if raw_log.postgres:  # SQLite has no TRUNCATE; its unqualified DELETE is refused above
        with pytest.raises(raw_log.refused, match="append-only: TRUNCATE refused"):
            raw_log.execute("TRUNCATE events")
        with pytest.raises(raw_log.refused, match="Merkle tree is append-only: TRUNCATE refused"):
            raw_log.execute("TRUNCATE merkle_nodes")
    with pytest.raises(raw_log.refused):  # no second row at a position, whatever the syntax
        raw_log.execute(
            "INSERT INTO events SELECT * FROM events WHERE position = 1 ON CONFLICT (position) "
            "DO UPDATE SET payload = '{}'"
        )
    assert raw_log.scalar("SELECT count(*) FROM events") == 1
    assert store.verify() == 1


def test_verify_names_the_first_altered_position(store: EventStore, raw_log: RawLog):
    store.append([new("a", title={"zh": f"会议{i}", "en": f"Meeting {i}"}) for i in range(6)])
    assert store.verify() == 6
    raw_log.drop_update_trigger()
    payload = raw_log.scalar("SELECT payload FROM events WHERE position = 4")
    raw_log.execute(
        "UPDATE events SET payload = ? WHERE position = 4",
        [payload.replace("Meeting 3", "Meeting 8")],
    )
    with pytest.raises(ChainBroken) as info:
        store.verify()
    assert info.value.position == 4
    assert store.verify(after=4) == 6  # the rest of the chain still links up


def test_recorded_at_never_runs_backwards(store: EventStore):
    for _ in range(5):
        store.append([new()])
    times = [e.recorded_at for e in store.read_all()]
    assert times == sorted(times)
    assert store.position_at(times[2]) >= 3


def test_upcaster_reads_an_old_schema_version_as_current(store: EventStore, raw_log: RawLog):
    # A hypothetical v0 of incentive_awarded stored the amount in units of 10,000 yuan.
    raw = raw_log
    payload = (
        '{"type":"incentive_awarded","occurred":"2022","regions":["140781"],'
        '"title":{"zh":"奖励","en":"Award"},"summary":{"zh":"奖励","en":"An award"},'
        '"sources":[{"document":"test-doc"}],"amount_wan":500,'
        '"awarding_body":{"zh":"国务院","en":"State Council"}}'
    )
    raw.execute(
        "INSERT INTO events VALUES (1, '11111111-1111-1111-1111-111111111111', 'old', 1, "
        "'incentive_awarded', 0, '2022', '2020-01-01T00:00:00.000000Z', ?, '[]', ?, 'x')",
        [payload, GENESIS_HASH],
    )

    @register_upcaster("incentive_awarded", 0)
    def wan_to_yuan(data: dict) -> dict:
        data["amount_cny"] = data.pop("amount_wan") * 10_000
        return data

    try:
        event = store.get("11111111-1111-1111-1111-111111111111").event
    finally:
        unregister_upcaster("incentive_awarded", 0)
    assert isinstance(event, IncentiveAwarded) and event.amount_cny == 5_000_000


def test_missing_or_damaged_file_is_refused_clearly(tmp_path: Path):
    with pytest.raises(StoreUnavailable, match="no such file"):
        EventStore.open(tmp_path / "absent.db", create=False)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="not a usable SQLite database"):
        EventStore.open(junk)
    with pytest.raises(StoreUnavailable, match="does not exist"):
        EventStore.open(tmp_path / "no" / "dir.db")


def test_an_unreachable_or_empty_postgresql_database_is_refused_clearly(pg_url: str):
    with pytest.raises(StoreUnavailable, match="no event log in this database"):
        open_log(pg_url, create=False)
    closed = pg_url.rsplit(":", 1)[0] + ":1/nowhere"
    with pytest.raises(StoreUnavailable, match="cannot connect"):
        open_log(closed)


def test_ids_drawn_for_a_batch_are_distinct_time_ordered_uuids(store: EventStore) -> None:
    """One clock read and one random draw per batch still give each event a UUID version 7
    of its own, later batches sorting after earlier ones."""
    first = store.append([new(f"id-{i}", expected=0) for i in range(500)])
    time.sleep(0.002)
    second = store.append([new("id-late", expected=0)])
    ids = [UUID(event_id) for event_id in first.event_ids + second.event_ids]
    assert len(set(ids)) == 501
    assert all(u.version == 7 and u.variant == RFC_4122 for u in ids)
    assert max(str(u) for u in ids[:500]) < str(ids[500])
