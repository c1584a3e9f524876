"""The `timeline` group imports a command's module only when that command is asked for."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click
from click.testing import CliRunner

import timeline.cli
from timeline.cli import COMMANDS, main


def test_every_command_module_registers_exactly_the_commands_listed() -> None:
    for info in pkgutil.iter_modules(timeline.cli.__path__):
        importlib.import_module(f"timeline.cli.{info.name}")
    registered = {name: cmd.callback.__module__ for name, cmd in main.commands.items() if cmd.callback}
    assert registered == {name: f"timeline.cli.{module}" for name, module in COMMANDS.items()}


def test_help_lists_every_command_with_its_help() -> None:
    shown = CliRunner().invoke(main, ["--help"]).output
    for name in COMMANDS:
        command = main.get_command(click.Context(main), name)
        assert command is not None
        assert f"  {name} " in shown, name
        assert " ".join((command.help or "").split()[:3]) in shown, name


def test_serve_does_not_import_the_other_commands() -> None:
    code = (
        "import json, sys, click; from timeline.cli import main; "
        "main.get_command(click.Context(main), 'serve'); "
        "names = ('timeline.cli.', 'jinja2', 'timeline.audit'); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(names))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded) == ["timeline.cli.options", "timeline.cli.serve"]
