"""The tampering table of `bench/faults.py`: each attack of issue 16 against a real server, and
which check catches it, how long the check took, and when it runs.

For each attack: a fresh `timeline serve` on the seeds, a witness's first audit, acknowledged
appends, a second audit and an incremental verification (so every check has seen the honest
log), then the attack; then every detector, in the order an operator would meet them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from events.errors import TimelineError
from tests.faults.attacks import ATTACKS
from tests.faults.serving import Server
from timeline import jobs
from timeline.audit import audit
from timeline.database import open_store
from timeline.settings import Settings


class Detection(msgspec.Struct):
    attack: str
    detector: str
    caught: bool
    seconds: float
    when: str
    message: str


def _timed(check: Callable[[], object]) -> tuple[bool, float, str]:
    started = time.perf_counter()
    try:
        check()
    except TimelineError as e:
        return True, time.perf_counter() - started, str(e)
    return False, time.perf_counter() - started, "passed"


def attack_once(work: Path, name: str) -> list[Detection]:
    work.mkdir(parents=True)
    server = Server(work)
    state = work / "witness.json"
    settings = Settings(db=str(server.db), scheduler=False)
    try:
        audit(server.base, state)
        ids = tuple(server.append(f"Acknowledged {i}") for i in range(3))
        audit(server.base, state, ids)
        jobs.verify(settings)
        ATTACKS[name](server.db)
        if name.startswith("WAL"):
            server.stop()
            server = Server(work, port=server.port)
        checks: list[tuple[str, str, Callable[[], object]]] = [
            ("`timeline audit` (head + consistency)", "each witness run", lambda: audit(server.base, state)),
            (
                "`timeline audit --event` (the 3 appended)",
                "each witness run",
                lambda: audit(server.base, state, ids),
            ),
            ("`timeline audit --full`", "each witness run", lambda: audit(server.base, state, full=True)),
        ]
        found: list[Detection] = []
        for detector, when, check in checks:
            caught, seconds, message = _timed(check)
            found.append(Detection(name, detector, caught, seconds, when, message))
    finally:
        server.stop()
    for detector, when, check in (
        ("scheduled `verify` (new events)", "every `verify_seconds` (1 h)", lambda: jobs.verify(settings)),
        (
            "scheduled `verify_full`",
            "every `verify_full_seconds` (1 day)",
            lambda: jobs.verify_full(settings),
        ),
    ):
        caught, seconds, message = _timed(check)
        found.append(Detection(name, detector, caught, seconds, when, message))
    caught, seconds, message = _timed(lambda: _verify_cli(settings))
    found.append(Detection(name, "`timeline verify`", caught, seconds, "when run", message))
    return found


def _verify_cli(settings: Settings) -> None:
    store = open_store(settings)
    try:
        store.verify(catalogues=True)
    finally:
        store.close()


def tampering_table(work: Path) -> str:
    rows = []
    for number, name in enumerate(ATTACKS):
        for found in attack_once(work / f"attack-{number}", name):
            verdict = "**caught**" if found.caught else "not caught"
            reason = found.message if len(found.message) < 140 else found.message[:137] + "..."
            rows.append(
                f"| {found.attack} | {found.detector} | {verdict} | {found.seconds * 1000:,.0f} ms | "
                f"{found.when} | {reason} |"
            )
    header = "| attack | detector | result | check took | runs | what it said |\n|---|---|---|---|---|---|"
    return "\n".join([header, *rows])
