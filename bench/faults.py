"""Fault scenarios at scale: killed writers and projectors, racing writers, readers under load,
hostile requests and the API's schemathesis run, with one table of what survived; and the
tampering table: each attack on the verifiable log, which check catches it and how fast.

    python bench/faults.py                 # about four minutes on two cores
    python bench/faults.py --quick         # under a minute (what bench/all.sh runs)
    python bench/faults.py --kills 500 --seconds 300 --seed 7 --fuzz-seconds 600

The seed is random unless given and printed with the results; the random-input runs (the
hostile-input fuzz test and schemathesis with every check) take it too, so a failure found
once can be run again.

The scenarios are the ones the fault tests run (tests/faults/), with more kills, writers,
attempts and events. Every figure comes from auditing the database file afterwards against what
the processes acknowledged; "views = rebuild" compares every projection table row by row
between the incrementally caught-up file and a rebuild from zero.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

REPO = Path(__file__).resolve().parents[1]
# The repository root instead of bench/ (where a script named like a stdlib module would shadow
# it): tests.faults holds the scenarios shared with the tests.
sys.path[:] = [str(REPO), *(p for p in sys.path if Path(p or ".").resolve() != REPO / "bench")]

from tests.faults.crash import compare_projections, kill_writers  # noqa: E402
from tests.faults.projector import kill_projectors  # noqa: E402
from tests.faults.racer import race  # noqa: E402
from tests.faults.readers import read_under_load  # noqa: E402
from tests.faults.tampering import tampering_table  # noqa: E402


class Scale(msgspec.Struct, frozen=True):
    kills: int
    seconds: float  # cap of each kill loop
    max_delay: float  # a writer runs up to this long before its kill
    projector_kills: int
    projector_events: int
    writers: int
    attempts: int
    readers: int
    long_appends: int
    long_batch: int


FULL = Scale(300, 90, 0.25, 40, 20_000, 8, 150, 3, 4, 30_000)
QUICK = Scale(20, 20, 0.25, 6, 5_000, 4, 40, 2, 2, 5_000)


class Row(msgspec.Struct):
    scenario: str
    kills: str = "-"
    acknowledged: str = "-"
    found: str = "-"
    partial: str = "-"
    conflicts: str = "-"
    lost: str = "-"
    views: str = "-"
    seconds: str = "-"


HEADERS = (
    "scenario",
    "kills survived",
    "appends acknowledged",
    "appends found",
    "partial batches found",
    "concurrency conflicts",
    "lost events",
    "views = rebuild",
    "s",
)


def timed(fn: Callable[[], Row]) -> Row:
    started = time.monotonic()
    row = fn()
    row.seconds = f"{time.monotonic() - started:.0f}"
    return row


def crash_writes(work: Path, scale: Scale, rng: random.Random) -> Row:
    db = work / "crash.db"
    r = kill_writers(db, work, scale.kills, rng, max_delay=scale.max_delay, seconds=scale.seconds)
    same = compare_projections(db, work) is None
    assert r.chain_error is None and r.gaps == 0, r
    return Row(
        f"writer SIGKILLed mid-append ({r.kills_in_transaction} kills inside a transaction, "
        f"{r.events:,} events)",
        kills=f"{r.kills}",
        acknowledged=f"{r.acknowledged:,}",
        found=f"{r.found:,}",
        partial=f"{r.partial}",
        lost=f"{r.acknowledged - r.found}",
        views="yes" if same else "NO",
    )


def crash_projection(work: Path, scale: Scale, rng: random.Random) -> Row:
    db = work / "projection.db"
    r = kill_projectors(
        db, work, scale.projector_kills, rng, initial=scale.projector_events, seconds=scale.seconds
    )
    same = compare_projections(db, work) is None
    return Row(
        f"catch-up/rebuild SIGKILLed mid-way ({r.rounds} rounds, {r.events:,} events)",
        kills=f"{r.landed}",
        views="yes" if same else "NO",
    )


def racing_writers(work: Path, scale: Scale, rng: random.Random) -> Row:
    r = race(work / "race.db", work, scale.writers, scale.attempts, streams=4, rng=rng)
    assert r.versions_won_twice == 0 and r.unexplained == 0 and r.false_conflicts == 0, r
    return Row(
        f"{r.writers} writers racing with expected versions on 4 streams",
        acknowledged=f"{r.wins:,}",
        found=f"{r.wins - r.lost:,}",
        partial=f"{r.partial}",
        conflicts=f"{r.conflicts:,}",
        lost=f"{r.lost}",
    )


def readers(work: Path, scale: Scale, rng: random.Random) -> str:
    r = read_under_load(work / "load.db", work, scale.readers, scale.long_appends, scale.long_batch, rng)
    return (
        f"readers under load: {r.readers} reader processes, {r.polls:,} polls, "
        f"{r.polls_during_long_appends:,} inside {r.long_appends} appends of {scale.long_batch:,} events "
        f"(mean {r.long_append_ms / 1000:.1f} s each; {r.polls_while_write_locked:,} while the write "
        f"lock was held), long appends without a read: {r.windows_without_reads}, half batches seen: "
        f"{r.half_batches_seen}, slowest poll {r.max_poll_ms:.0f} ms"
    )


def hostile(work: Path) -> str:
    from litestar.testing import TestClient

    from api.app import create_app
    from tests.faults.damage import log_state
    from tests.faults.hostile import app_settings, make_app_db, problems_with, send
    from tests.faults.hostile_cases import CASES

    db = work / "hostile.db"
    make_app_db(db)
    before = log_state(db)
    documented, known, unexpected = 0, 0, []
    logging.disable(logging.CRITICAL)  # the 500s of the known bugs log their tracebacks
    with TestClient(app=create_app(app_settings(db))) as client:
        for case in CASES:
            wrong = problems_with(send(client, case), case)
            if not wrong:
                documented += 1
            elif case.known_bug:
                known += 1
            else:
                unexpected.append(case.name)
    logging.disable(logging.NOTSET)
    after = log_state(db)
    kept = after[: len(before)] == before
    return (
        f"hostile input: {len(CASES)} requests, {documented} answered with their documented problem, "
        f"{known} known bug(s) (strict xfail in tests/test_hostile_input.py), "
        f"unexpected: {unexpected or 'none'}; "
        f"log {'untouched' if kept else 'ALTERED'}, {len(after) - len(before)} event(s) added by the known "
        "bug(s) that accept what they should refuse"
    )


def schemathesis_run(work: Path) -> str:
    test = REPO / "tests" / "test_api_schema.py"
    if not test.exists():
        return "schemathesis: tests/test_api_schema.py not found, not run"
    count = work / "cases.txt"
    result = subprocess.run(
        # The unraisable-exception warning (an anyio stream left unclosed between tests) would
        # stop the run at set-up under `filterwarnings = error`; it says nothing about the API.
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.faults.count_cases",
            str(test),
            "-W",
            "ignore::pytest.PytestUnraisableExceptionWarning",
        ],
        cwd=REPO,
        env={**os.environ, "FAULTS_CASE_COUNT": str(count)},
        capture_output=True,
        text=True,
    )
    cases, distinct = count.read_text().split() if count.exists() else ("0", "0")
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-200:]
    return (
        f"schemathesis (the API's tests/test_api_schema.py, derandomized, reused, not duplicated): "
        f"{int(cases):,} cases over {distinct} operations; pytest: {summary}"
    )


def schemathesis_fuzz(work: Path, seconds: int, seed: int) -> str:
    """Every schemathesis check against a real server, random data for `seconds`."""
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "schemathesis_run.py"),
            "--seed",
            str(seed),
            "--max-time",
            str(seconds),
        ],
        cwd=work,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
    )
    lines = result.stdout.splitlines()
    found = [
        line.strip()
        for line in lines
        if line.strip().startswith(("❌ ST", "✅", "❌", "Test cases")) or "generated" in line
    ]
    failures = [line.strip("❌ ").strip() for line in lines if line.strip().startswith("❌ ST")]
    cases = next((line.strip() for line in lines if "generated" in line), "no summary")
    return (
        f"schemathesis --checks all, random data for {seconds} s (seed {seed}, rerun with "
        f"`bench/schemathesis_run.py --seed {seed} --max-time {seconds}`): {cases}; "
        f"failures: {', '.join(failures) or 'none'} (exit {result.returncode})"
        + ("" if found else f"; output: {result.stdout[-300:]}{result.stderr[-300:]}")
    )


def hostile_fuzz(seconds: int, seed: int) -> str:
    """The random hostile-input test (tests/test_hostile_fuzz.py) for a longer budget."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "tests/test_hostile_fuzz.py"],
        cwd=REPO,
        env={**os.environ, "FUZZ_SEED": str(seed), "FUZZ_SECONDS": str(seconds)},
        capture_output=True,
        text=True,
    )
    sent = next((line for line in result.stdout.splitlines() if line.endswith(" requests")), "? requests")
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-200:]
    return f"hostile fuzz (seed {seed}, FUZZ_SEED={seed} to rerun, {seconds} s): {sent}; pytest: {summary}"


def table(rows: list[Row]) -> str:
    cells = [list(HEADERS), *([getattr(r, f) for f in Row.__struct_fields__] for r in rows)]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("---" for _ in HEADERS) + "|")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small scale, under a minute")
    parser.add_argument("--kills", type=int, default=None, help="writer kills (default 300, quick 20)")
    parser.add_argument("--seconds", type=float, default=None, help="time cap of each kill loop")
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed")
    parser.add_argument(
        "--fuzz-seconds",
        type=int,
        default=None,
        help="budget of each random-input run (default 120, quick 20)",
    )
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**31)
    fuzz_seconds = args.fuzz_seconds or (20 if args.quick else 120)
    scale = QUICK if args.quick else FULL
    scale = msgspec.structs.replace(
        scale, kills=args.kills or scale.kills, seconds=args.seconds or scale.seconds
    )
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        work = Path(tmp)
        rows = []
        for name, scenario in (
            ("crash", crash_writes),
            ("projection", crash_projection),
            ("race", racing_writers),
        ):
            folder = work / name
            folder.mkdir()
            rows.append(timed(lambda s=scenario, f=folder: s(f, scale, rng)))
        (work / "load").mkdir()
        notes = [
            readers(work / "load", scale, rng),
            hostile(work),
            hostile_fuzz(fuzz_seconds, args.seed),
            schemathesis_run(work),
            schemathesis_fuzz(work, fuzz_seconds, args.seed),
        ]
        tampering = tampering_table(work / "tampering")
    print(
        f"Fault scenarios (seed {args.seed}, {'quick' if args.quick else 'full'} scale, "
        f"{time.monotonic() - started:.0f} s in all)\n"
    )
    print(table(rows))
    print()
    for note in notes:
        print(f"- {note}")
    print("\nTampering (issue 16): each attack against a real `timeline serve`, then every detector\n")
    print(tampering)


if __name__ == "__main__":
    main()
