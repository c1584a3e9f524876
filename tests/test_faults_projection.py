"""Crash during projection: catch-up and rebuild processes are SIGKILLed part-way, the log
grows between kills, and once catch-up completes the views equal a rebuild from zero (on both backends)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from events.store import EventStore
from projections import catch_up
from projections.runner import PROJECTIONS
from tests.faults.crash import compare_projections
from tests.faults.logdb import copy_db, first_difference, make_batch, make_db, projection_rows
from tests.faults.projector import kill_projectors

pytestmark = pytest.mark.slow


def test_projectors_killed_mid_way_end_with_the_tables_of_a_rebuild(tmp_path: Path, log_db: str) -> None:
    """On each backend (log_db: a SQLite file, then a PostgreSQL database)."""
    db = log_db
    report = kill_projectors(db, tmp_path, kills=8, rng=random.Random(7), initial=6000, per_round=600)
    assert report.rounds == 8
    assert report.landed >= 2  # kills that hit a job still running (usually most: 5 to 7 of 8)
    assert report.events > 6000
    assert compare_projections(db) is None


def test_the_comparison_names_a_table_that_differs(tmp_path: Path) -> None:
    """The row-by-row comparison is itself tested, so 'identical' above means something."""
    db, copy = tmp_path / "a.db", tmp_path / "b.db"
    make_db(db)
    store = EventStore.open(db, create=False)
    store.append(make_batch("one", 8, random.Random(1)))
    catch_up(store)
    store.close()
    copy_db(db, copy)
    assert first_difference(projection_rows(db), projection_rows(copy)) is None
    dump = projection_rows(copy)
    table = next(t for p in PROJECTIONS for t in p.tables if dump[t])
    conn = sqlite3.connect(copy)
    conn.execute(f"DELETE FROM {table}")
    conn.commit()
    conn.close()
    assert (first_difference(projection_rows(db), projection_rows(copy)) or "").startswith(table)
