"""The runner: checkpoints, catch-up in batches, rebuild and swap, version bumps."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.dialect import is_sqlite
from events.envelope import NewEvent
from events.errors import UnknownReference
from events.reference import Reference
from events.store import EventStore
from events.types import Event
from projections import catch_up, ensure_projections, projection_states, rebuild, timeline_page
from projections.base import read_snapshot
from projections.errors import ProjectionUnavailable, RebuildSuperseded
from projections.log import LogEvent
from projections.runner import PROJECTIONS
from projections.timeline import TimelineProjection
from tests.conftest import PROGRAMMES, REGIONS, SOURCES, RawLog, milestone, new
from tests.test_projections_support import (
    INHERITING,
    add,
    correct,
    correction,
    doubt,
    retraction,
    table_rows,
)


@pytest.fixture
def store_db(log_db: str) -> str:
    """Each test here runs on SQLite and on PostgreSQL."""
    return log_db


# -- rebuild from zero == incremental catch-up ----------------------------------------------

DATES = ["2017-10", "2017-10-15", "2017", "../2017-10-20", "2017-11-01", "2018-02", "2017-09-30/2017-11-02"]
CODES = [r.code for r in REGIONS]
SLUGS = ["county-integration", "dip-payment", "dip-city"]
KIND = st.sampled_from(["meeting_held", "pilot_designated", "rating_awarded", "designation_ended"])


@st.composite
def milestones(draw: st.DrawFn) -> Event:
    kind = draw(KIND)
    fields: dict[str, Any] = {
        "type": kind,
        "occurred": draw(st.sampled_from(DATES)),
        "regions": draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True)),
        "participants": draw(st.lists(st.sampled_from(CODES), max_size=2, unique=True)),
        "title": {"zh": "标题", "en": draw(st.sampled_from(["Pilot", "Meeting", "Rating"]))},
    }
    needs = kind in ("pilot_designated", "designation_ended")
    fields["programmes"] = draw(
        st.lists(st.sampled_from(SLUGS), min_size=int(needs), max_size=2, unique=True)
    )
    if kind == "pilot_designated":
        fields["status"] = draw(st.sampled_from(["designated", "ended", "planned"]))
    elif kind == "rating_awarded":
        fields |= {"grade": "excellent", "rating": {"zh": "优秀", "en": "Excellent"}, "period": "2017"}
    elif kind == "designation_ended":
        fields["reason"] = "completed"
    return milestone(**fields)


CHANGES = st.one_of(
    st.fixed_dictionaries({"occurred": st.sampled_from(DATES)}),
    st.fixed_dictionaries({"regions": st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True)}),
    st.fixed_dictionaries({"programmes": st.lists(st.sampled_from(SLUGS), max_size=2, unique=True)}),
    st.fixed_dictionaries({"title": st.just({"zh": "更正", "en": "Corrected"})}),
)
# ("m", milestone) | ("c", target index, changes) | ("r", target index) | ("d", printed, reading);
# then where to pause.
STEP = st.one_of(
    st.tuples(st.just("m"), milestones()),
    st.tuples(st.just("c"), st.integers(0, 30), CHANGES),
    st.tuples(st.just("r"), st.integers(0, 30)),
    st.tuples(st.just("d"), st.sampled_from(["2017", "2017-10"]), st.sampled_from(["2016", "2015/2016"])),
)


def _open(folder: Path, name: str) -> EventStore:
    store = EventStore.open(folder / name)
    reference = Reference(store.db)
    reference.ensure_schema()
    reference.upsert([*REGIONS, *PROGRAMMES, INHERITING, *SOURCES])
    return store


def _events(steps: list[tuple[Any, ...]]) -> list[Event]:
    """Steps as events; an amendment points at an earlier event (milestone or not)."""
    events: list[Event] = []
    for step in steps:
        if step[0] == "m":
            events.append(step[1])
        elif step[0] == "d":  # the test document's printed dates doubted
            events.append(doubt(printed=step[1], reading=step[2]))
        elif events:
            target = f"00000000-0000-4000-8000-{step[1] % len(events):012d}"
            events.append(correction(target, **step[2]) if step[0] == "c" else retraction(target))
    return events


def _append_all(store: EventStore, events: list[Event], pauses: set[int], batch: int) -> None:
    for index, event in enumerate(events):
        event_id = f"00000000-0000-4000-8000-{index:012d}"
        store.append([NewEvent(stream=f"s{index}", event=event, event_id=event_id)])  # type: ignore[arg-type]
        if index in pauses:
            catch_up(store, batch_size=batch)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(STEP, min_size=1, max_size=25),
    pauses=st.sets(st.integers(0, 25)),
    batch=st.integers(1, 7),
)
def test_rebuild_from_zero_equals_incremental_catch_up(
    steps: list[tuple[Any, ...]], pauses: set[int], batch: int
) -> None:
    events = _events(steps)
    with tempfile.TemporaryDirectory() as folder:
        store = _open(Path(folder), "timeline.db")
        try:
            _append_all(store, events, pauses, batch)
            catch_up(store, batch_size=batch)
            incremental = table_rows(store.conn)
            rebuild(store, progress=False)
            assert table_rows(store.conn) == incremental
        finally:
            store.close()


# -- checkpoints -----------------------------------------------------------------------------


class Exploding(TimelineProjection):
    """The timeline projection, failing after writing part of a batch."""

    fail_at: ClassVar[int] = 0

    def apply(
        self, conn: sqlite3.Connection, names: dict[str, str], events: list[LogEvent], ctx: Any
    ) -> None:
        super().apply(conn, names, [e for e in events if e.position < self.fail_at], ctx)
        if any(e.position >= self.fail_at for e in events):
            raise RuntimeError("crash in the middle of a batch")


def test_a_failure_mid_batch_leaves_rows_and_checkpoint_unchanged(store: EventStore) -> None:
    add(store, occurred="2020-01-01")
    catch_up(store)
    before = table_rows(store.conn)
    for day in range(2, 6):
        add(store, occurred=f"2020-01-0{day}")
    Exploding.fail_at = 4
    with pytest.raises(RuntimeError, match="middle of a batch"):
        catch_up(store, projections=[Exploding(), PROJECTIONS[1]], batch_size=10)
    assert table_rows(store.conn) == before
    assert catch_up(store) == 4  # after the fix, each event is applied exactly once
    page = timeline_page(store, Reference(store.db), "140781")
    assert [e.position for e in page.entries] == [1, 2, 3, 4, 5]


CRASHING_CHILD = """
import os, sys
from events.backends import open_log
from projections.runner import PROJECTIONS, catch_up
from projections.timeline import TimelineProjection


class Crash(TimelineProjection):
    def apply(self, conn, names, events, ctx):
        super().apply(conn, names, events, ctx)  # rows written, checkpoint not yet
        os._exit(7)

catch_up(open_log(sys.argv[1], create=False), projections=[Crash(), PROJECTIONS[1]])
"""


def test_a_process_killed_between_rows_and_checkpoint_applies_nothing(
    store: EventStore, store_db: str
) -> None:
    add(store, occurred="2020-01-01")
    catch_up(store)
    before = table_rows(store.conn)
    add(store, occurred="2020-02-01")
    child = subprocess.run([sys.executable, "-c", CRASHING_CHILD, store_db], check=False)
    assert child.returncode == 7
    other = RawLog(store_db)
    assert table_rows(other.conn) == before
    other.close()
    assert catch_up(store) == 1
    assert projection_states(store)[0].checkpoint == 2


def test_catch_up_in_small_batches_matches_one_pass(store: EventStore, tmp_path: Path) -> None:
    for month in range(1, 10):
        add(store, occurred=f"2020-0{month}", regions=["140781", "140100"])
    first = add(store, occurred="2019-05-05")
    correct(store, first, occurred="2021-05-05")
    assert catch_up(store, batch_size=2) == 11
    assert catch_up(store) == 0
    one_pass = table_rows(store.conn)
    rebuild(store, progress=False, batch_size=3)
    assert table_rows(store.conn) == one_pass


def test_projection_states_report_checkpoint_and_lag(store: EventStore) -> None:
    assert [(s.name, s.version, s.checkpoint) for s in projection_states(store)] == [
        ("timeline", 0, 0),
        ("programme_status", 0, 0),
    ]
    add(store)
    catch_up(store)
    add(store)
    states = projection_states(store)
    assert [(s.name, s.version, s.checkpoint, s.lag) for s in states] == [
        (p.name, p.version, 1, 1) for p in PROJECTIONS
    ]
    assert [p.name for p in PROJECTIONS] == ["timeline", "programme_status"]


def test_queries_say_when_a_projection_was_never_built(store: EventStore) -> None:
    with pytest.raises(ProjectionUnavailable, match="timeline rebuild"):
        timeline_page(store, Reference(store.db), "140781")


# -- rebuild and version bumps ---------------------------------------------------------------


class TimelineV2(TimelineProjection):
    version: ClassVar[int] = TimelineProjection.version + 1


def test_a_version_bump_rebuilds_at_start_up(store: EventStore) -> None:
    add(store, occurred="2020-01-01")
    catch_up(store)
    assert ensure_projections(store) == []
    projections = [TimelineV2(), PROJECTIONS[1]]
    assert ensure_projections(store, projections=projections) == ["timeline"]
    states = projection_states(store, projections=projections)
    assert [(s.name, s.version, s.checkpoint) for s in states] == [
        ("timeline", TimelineV2.version, 1),
        ("programme_status", PROJECTIONS[1].version, 1),
    ]
    assert ensure_projections(store, projections=projections) == []


def test_a_changed_region_tree_rebuilds_the_timeline(store: EventStore) -> None:
    add(store, occurred="2020-01-01", regions=["140781"])
    catch_up(store)
    Reference(store.db).upsert([msgspec.structs.replace(REGIONS[2], parent="140100")])  # Jiexiu moves
    assert ensure_projections(store) == ["timeline"]
    taiyuan = timeline_page(store, Reference(store.db), "140100", descendants=True)
    assert [e.position for e in taiyuan.entries] == [1]


class FailingRebuild(TimelineProjection):
    version: ClassVar[int] = 3

    def apply(
        self, conn: sqlite3.Connection, names: dict[str, str], events: list[LogEvent], ctx: Any
    ) -> None:
        super().apply(conn, names, events, ctx)
        if names["timeline_scope"].endswith("__new") and events[-1].position >= 4:
            raise RuntimeError("rebuild crashed")


def test_a_failed_rebuild_leaves_the_old_view_serving(store: EventStore) -> None:
    for day in range(1, 7):
        add(store, occurred=f"2020-01-0{day}")
    catch_up(store)
    reference = Reference(store.db)
    served = timeline_page(store, reference, "140781")
    with pytest.raises(RuntimeError, match="rebuild crashed"):
        rebuild(store, "timeline", progress=False, projections=[FailingRebuild()], batch_size=2)
    assert timeline_page(store, reference, "140781") == served
    assert projection_states(store)[0].version == TimelineProjection.version
    rebuild(store, "timeline", progress=False)  # leftovers of the failed build are replaced
    assert timeline_page(store, reference, "140781") == served


class Superseding(TimelineProjection):
    """Simulates another process starting the same rebuild while this one runs."""

    def apply(
        self, conn: sqlite3.Connection, names: dict[str, str], events: list[LogEvent], ctx: Any
    ) -> None:
        super().apply(conn, names, events, ctx)
        conn.execute("UPDATE projection_builds SET token = 'someone-else' WHERE name = 'timeline'")


def test_an_older_concurrent_rebuild_stops_when_superseded(store: EventStore) -> None:
    for day in range(1, 5):
        add(store, occurred=f"2020-01-0{day}")
    catch_up(store)
    before = table_rows(store.conn)
    with pytest.raises(RebuildSuperseded):
        rebuild(store, "timeline", progress=False, projections=[Superseding()], batch_size=2)
    assert table_rows(store.conn) == before


def test_rebuilding_an_unknown_projection_is_refused(store: EventStore) -> None:
    with pytest.raises(UnknownReference):
        rebuild(store, "nope", progress=False)


def test_the_swap_is_atomic_for_a_reader_on_another_connection(store: EventStore, store_db: str) -> None:
    """A reader on another connection, reading rows and checkpoint in one snapshot while a
    rebuild runs, sees the old tables with the old checkpoint or the new with the new: never a
    half-built table, never rows and checkpoint that disagree."""
    for day in range(1, 4):
        add(store, occurred=f"2020-01-0{day}")
    catch_up(store)
    add(store, occurred="2020-01-09")  # in the log, not yet in the views
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def read() -> None:
        reader = RawLog(store_db)  # (a SQLite connection is used in the thread that opened it)
        try:
            while True:
                last = done.is_set()
                with read_snapshot(reader.conn):  # as the queries read
                    own_rows = reader.scalar("SELECT count(*) FROM timeline_scope WHERE scope % 2 = 0")
                    mark = reader.scalar(
                        "SELECT position FROM projection_checkpoints WHERE name = 'timeline'"
                    )
                seen.append((own_rows, mark))
                if last:
                    return
        finally:
            reader.close()

    thread = threading.Thread(target=read)
    thread.start()
    try:
        while len(seen) < 3 and thread.is_alive():  # the reader reads before the rebuild starts
            time.sleep(0.001)
        rebuild(store, progress=False)
    finally:
        done.set()
        thread.join(30)
    assert set(seen) == {(3, 3), (4, 4)}
    assert seen == sorted(seen)  # once the new view is in, the old one never comes back


def test_a_rebuild_frees_the_swapped_out_tables_after_it_returns(store: EventStore) -> None:
    """The old tables go in a thread of their own once the new ones are in place; until then
    they are not what anyone reads, and the next swap would drop a leftover itself."""
    store.append([new("pilot"), new("meeting")])
    catch_up(store)
    threads_before = set(threading.enumerate())
    assert rebuild(store, progress=False) == 2
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(30)

    def tables(suffix: str) -> list[str]:
        catalogue = (
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if is_sqlite(store.conn)
            else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        return [row[0] for row in store.conn.execute(catalogue).fetchall() if row[0].endswith(suffix)]

    assert tables("__old") == [] and tables("__new") == []
    assert set(PROJECTIONS[0].tables) <= set(tables(""))
    assert timeline_page(store, Reference(store.db), "140781").entries
