"""Concurrent writers racing with expected versions, and readers polling under write load,
all in separate processes on one file (the race on a PostgreSQL server too)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.faults.racer import race
from tests.faults.readers import read_under_load

pytestmark = pytest.mark.slow


def test_each_stream_version_is_won_exactly_once_and_losers_are_told(tmp_path: Path) -> None:
    report = race(tmp_path / "race.db", tmp_path, writers=4, attempts=50, streams=3, rng=random.Random(3))
    assert report.attempts == 200
    assert report.wins + report.conflicts == report.attempts
    assert report.conflicts > 0  # the race was real: some writers expected a stale version
    assert report.false_conflicts == 0
    assert report.versions_won_twice == 0
    assert report.lost == 0  # every win is in the log at the stream and version it won
    assert report.unexplained == 0  # and nothing else is
    assert report.partial == 0  # a two-stream batch that lost on one stream wrote neither


def test_on_postgresql_too_each_stream_version_is_won_exactly_once(tmp_path: Path, pg_url: str) -> None:
    report = race(pg_url, tmp_path, writers=4, attempts=50, streams=3, rng=random.Random(3))
    assert report.attempts == 200
    assert report.wins + report.conflicts == report.attempts
    assert report.conflicts > 0
    assert report.false_conflicts == 0
    assert report.versions_won_twice == 0
    assert report.lost == 0
    assert report.unexplained == 0
    assert report.partial == 0


def test_readers_keep_answering_during_long_appends_and_never_see_half_a_batch(tmp_path: Path) -> None:
    report = read_under_load(
        tmp_path / "load.db", tmp_path, readers=2, rounds=3, big=12_000, rng=random.Random(5)
    )
    assert report.long_appends == 3
    assert report.half_batches_seen == 0
    assert report.behind_head == 0
    # WAL: reads started and finished inside every long append, while its transaction held the lock.
    assert report.windows_without_reads == 0
    assert report.polls_while_write_locked > 0
