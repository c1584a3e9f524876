"""Crash during projection: catch-up and rebuild processes are SIGKILLed part-way, the log
grows between kills, and once catch-up completes the views equal a rebuild from zero."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.faults.crash import compare_projections
from tests.faults.projector import kill_projectors

pytestmark = pytest.mark.slow


def test_projectors_killed_mid_way_end_with_the_tables_of_a_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "projected.db"
    report = kill_projectors(db, tmp_path, kills=8, rng=random.Random(7), initial=6000, per_round=600)
    assert report.rounds == 8
    assert report.landed >= 2  # kills that hit a job still running (usually most: 5 to 7 of 8)
    assert report.events > 6000
    assert compare_projections(db, tmp_path) is None
