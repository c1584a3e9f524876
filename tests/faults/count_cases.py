"""A pytest plugin that counts the cases schemathesis sends, so `bench/faults.py` can report the
API's own schemathesis run (`tests/test_api_schema.py`) instead of duplicating it:

    FAULTS_CASE_COUNT=out.txt python -m pytest -p tests.faults.count_cases tests/test_api_schema.py
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis

_sent: list[str] = []
# Every case's answer is validated once, whether the test calls `call_and_validate` or sends the
# request itself and calls `validate_response`.
_validate_response = schemathesis.Case.validate_response


def _counted(case: schemathesis.Case, *args: Any, **kwargs: Any) -> Any:
    _sent.append(case.operation.label)  # "GET /regions/{code}"
    return _validate_response(case, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    schemathesis.Case.validate_response = _counted  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    out = os.environ.get("FAULTS_CASE_COUNT")
    if out:
        Path(out).write_text(f"{len(_sent)} {len(set(_sent))}\n")
