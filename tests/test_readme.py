"""The README documents every CLI command and names the test command CI runs."""

from __future__ import annotations

from pathlib import Path

from timeline.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_readme_with_help():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"`timeline {name}" in readme, f"timeline {name} is not documented"
        assert command.help, f"timeline {name} has no help text"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.splitlines()[4].startswith("scripts/test")
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
