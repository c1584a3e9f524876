"""Fault scenarios shared by the fault tests and `bench/faults.py`.

Each scenario runs real processes on a real SQLite file (writers killed with SIGKILL,
projectors killed mid-way, racing writers, readers polling under load) and returns a report
Struct; the tests assert on small runs, the benchmark prints large ones. Child processes are
started as `python -m tests.faults.<module>` from the repository root.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
