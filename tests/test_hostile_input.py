"""Hostile input through the real app: every malformed, oversized, invalid, unauthorised or
injected request gets the documented RFC 9457 problem, and the log is exactly as before
(head and every hash compared). The cases live in `tests/faults/hostile_cases.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.app import create_app
from tests.faults.damage import log_state
from tests.faults.hostile import Case, app_settings, make_app_db, problems_with, send
from tests.faults.hostile_cases import CASES


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "timeline.db"
    make_app_db(path)
    return path


@pytest.fixture(scope="module")
def client(app_db: Path) -> Iterator[TestClient]:
    with TestClient(app=create_app(app_settings(app_db))) as client:
        yield client


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.known_bug)] if case.known_bug else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_a_hostile_request_gets_its_problem_and_writes_nothing(
    client: TestClient, app_db: Path, case: Case
) -> None:
    before = log_state(app_db)
    response = send(client, case)
    assert problems_with(response, case) == []
    assert log_state(app_db) == before


def test_the_cases_cover_every_kind_of_attack_asked_for() -> None:
    names = " ".join(c.name for c in CASES).lower()
    for word in (
        "truncated",
        "nested",
        "over the limit",
        "huge string",
        "utf-8",
        "nul",
        "unknown event type",
        "as text",
        "30 february",
        "unknown region",
        "unknown programme",
        "negative limit",
        "text limit",
        "forged token",
        "no token",
        "cr/lf in idempotency-key",
    ):
        assert word in names, word
