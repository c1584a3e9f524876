"""Crash during writes: a writer process is SIGKILLed at random moments, twenty times over.

Every acknowledged append must be in the log whole, no batch may be there in part, positions
run 1..N without a gap, the hash chain verifies, and the projections caught up incrementally
through the crashes equal a rebuild from zero, row by row. The log part runs on PostgreSQL too.
`bench/faults.py` runs hundreds.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from events.store import EventStore
from tests.faults.crash import CrashReport, audit, compare_projections, kill_writers, read_acks
from tests.faults.logdb import make_batch, make_db

pytestmark = pytest.mark.slow


def test_killed_writers_lose_no_acknowledged_append_and_leave_no_partial_batch(tmp_path: Path) -> None:
    db = tmp_path / "crashed.db"
    report = kill_writers(db, tmp_path, kills=20, rng=random.Random(20260101))
    assert report.kills == 20
    assert report.kills_in_transaction > 0  # some kills did land inside an open transaction
    assert report.acknowledged > 20
    assert report.found == report.acknowledged  # every acknowledged append, at its positions
    assert report.partial == 0
    assert report.gaps == 0 and report.events > 0
    assert report.chain_error is None
    # Caught up through twenty crashes, the views equal a rebuild from zero.
    assert compare_projections(db) is None


def test_killed_writers_on_postgresql_lose_no_acknowledged_append_and_leave_no_partial_batch(
    pg_url: str, tmp_path: Path
) -> None:
    """The same crashes against a PostgreSQL server: the killed client's transaction is rolled
    back by the server, the head row lock freed, and the next writer carries on."""
    report = kill_writers(pg_url, tmp_path, kills=12, rng=random.Random(20260102))
    assert report.kills == 12
    assert report.kills_in_transaction > 0
    assert report.acknowledged > 12
    assert report.found == report.acknowledged
    assert report.partial == 0
    assert report.gaps == 0 and report.events > 0
    assert report.chain_error is None


def test_the_audit_counts_a_lost_a_partial_and_an_unacknowledged_batch(tmp_path: Path) -> None:
    """The audit is itself tested, so a clean report above means something."""
    db = tmp_path / "t.db"
    make_db(db)
    store = EventStore.open(db, create=False)
    rng = random.Random(1)
    whole = store.append(make_batch("a", 5, rng))
    store.append(make_batch("b", 6, rng)[:3])  # half of batch b, as a broken store would leave it
    store.append(make_batch("c", 2, rng))  # written, but the kill came before the acknowledgement
    store.close()
    acks = tmp_path / "acks.txt"
    # Batch z was acknowledged but is missing; the last line was cut off by the kill.
    acks.write_text(f"a {whole.first_position} {whole.last_position} 5\nz 99 100 2\nc 12 13")
    report = audit(db, read_acks(acks), CrashReport())
    assert (report.acknowledged, report.found, report.partial, report.unacknowledged) == (2, 1, 1, 1)
    assert report.gaps == 0 and report.chain_error is None
