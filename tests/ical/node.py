"""Running tests/ical/check.mjs (Mozilla's ical.js, strict mode) on feed files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


def node_or_skip() -> str:
    """The node binary; skips locally, fails in CI, when it or ical.js is not installed."""
    node = shutil.which("node")
    if node and (HERE / "node_modules" / "ical.js" / "package.json").exists():
        return node
    message = "node and tests/ical/node_modules are needed: run .ci/install-node.sh"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def ical_js(files: list[Path]) -> dict[str, dict[str, Any]]:
    """ical.js's reading of each file, by file name; fails the test on any parse problem."""
    node = node_or_skip()
    done = subprocess.run(
        [node, str(HERE / "check.mjs"), *map(str, files)],
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"ical.js refused a feed (exit {done.returncode}):\n{done.stderr}")
    results = [json.loads(line) for line in done.stdout.split("\n") if line]  # not splitlines: U+2028
    return {Path(result["file"]).name: result for result in results}
