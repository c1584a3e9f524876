"""Every example in the README, run as a newcomer would: the service started with `scripts/serve`
(options passed through, writes enabled with TIMELINE_TOKENS), each JSON event file appended over
HTTP, each `$ command` run by bash with its shown output's fields checked; and `scripts/serve`
installing only when `pyproject.toml` changed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLE_URL = "http://127.0.0.1:8000"
# The webhook example's receiver (a reserved name that resolves nowhere) becomes the test server,
# allowed as a private address, so any delivery stays on this machine.
EXAMPLE_RECEIVER = "https://news.example"
TOKEN = "s3cret"  # the README's token
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(README.read_text(encoding="utf-8"))]


def shell_examples(text: str) -> list[tuple[str, str]]:
    """(command, shown output) for each `$ ` line; a command goes on while a quote is open or a
    line ends with a backslash."""
    examples: list[tuple[str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        command = lines[i][2:]
        i += 1
        while i < len(lines) and (command.endswith("\\") or command.count("'") % 2):
            command += "\n" + lines[i]
            i += 1
        shown = []
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        examples.append((command, "\n".join(shown)))
    return examples


def top_level_keys(shown: str) -> set[str]:
    """The keys of the outermost object in a shown (possibly elided) JSON answer."""
    keys, depth, in_string, start = set(), 0, False, 0
    for i, char in enumerate(shown):
        if in_string:
            if char == '"' and shown[i - 1] != "\\":
                in_string = False
                if depth == 1 and shown[i + 1 : i + 2] == ":":
                    keys.add(shown[start + 1 : i])
        elif char == '"':
            in_string, start = True, i
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return keys


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: bytes) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    request = urllib.request.Request(f"{url}/events", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`scripts/serve --db … --port …` with writes enabled; (URL, the folder holding timeline.db)."""
    folder = tmp_path_factory.mktemp("readme")
    port = free_port()
    env = {
        **os.environ,
        "TIMELINE_TOKENS": TOKEN,
        "TIMELINE_BACKUP_DIR": str(folder / "backups"),
        "TIMELINE_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    log = (folder / "serve.log").open("wb")
    command = [str(ROOT / "scripts" / "serve"), "--db", str(folder / "timeline.db"), "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a first run installs
    while time.monotonic() < deadline:
        assert process.poll() is None, (folder / "serve.log").read_text()
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5):
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail((folder / "serve.log").read_text())
    yield url, folder
    process.send_signal(signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:  # pragma: no cover
        process.kill()
        process.wait()
    log.close()


def test_the_readme_has_examples_to_run() -> None:
    kinds = [kind for kind, _ in blocks()]
    assert kinds.count("json") >= 2
    assert sum(len(shell_examples(text)) for _, text in blocks()) >= 4


def test_every_json_event_example_appends(served: tuple[str, Path]) -> None:
    url, _ = served
    event_id = None
    for kind, text in blocks():
        if kind != "json":
            continue
        if "EVENT-ID" in text:
            assert event_id, "an example amends an event no earlier example created"
            text = text.replace("EVENT-ID", event_id)
        status, answer = post(url, text.encode())
        assert status == 201, (text, answer)
        event_id = answer["event_ids"][0]


def test_every_shell_example_runs_and_answers_with_the_fields_shown(served: tuple[str, Path]) -> None:
    url, folder = served
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    ran = 0
    for _, text in blocks():
        for command, shown in shell_examples(text):
            # An event stream stays open: read its start for a few seconds (curl's exit 28).
            streaming = command.startswith("curl -N ")
            if streaming:
                command = command.replace("curl -N ", "curl -sN --max-time 3 ", 1)
            result = subprocess.run(
                ["bash", "-c", command.replace(EXAMPLE_URL, url).replace(EXAMPLE_RECEIVER, url)],
                cwd=folder,  # where the served timeline.db is, as beside a running service
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == (28 if streaming else 0), (command, result.stdout, result.stderr)
            assert result.stdout.strip(), command
            if streaming:
                assert result.stdout.startswith(shown.splitlines()[0]), (command, result.stdout)
            if shown.lstrip().startswith("{"):
                answer = json.loads(result.stdout)
                assert top_level_keys(shown) <= set(answer), (command, sorted(answer))
            ran += 1
    assert ran >= 4


def test_serve_says_where_to_look_and_how_to_write(served: tuple[str, Path]) -> None:
    url, folder = served
    printed = (folder / "serve.log").read_text()
    assert f"Home: {url}/" in printed and "Writes enabled for 1 token(s)" in printed


def fake_checkout(tmp_path: Path) -> Path:
    """scripts/serve and pyproject.toml beside a .venv whose python and timeline only record calls."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "serve", repo / "scripts" / "serve")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    bin_dir = repo / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, line in (("python", 'echo "python $*" >> "$0.calls"'), ("timeline", 'echo "timeline $*"')):
        (bin_dir / name).write_text(f"#!/usr/bin/env bash\n{line}\n")
        (bin_dir / name).chmod(0o755)
    return repo


def test_scripts_serve_installs_only_when_pyproject_changes(tmp_path: Path) -> None:
    repo = fake_checkout(tmp_path)
    calls = repo / ".venv" / "bin" / "python.calls"

    def serve() -> str:
        run = subprocess.run(
            [str(repo / "scripts" / "serve"), "--port", "8123"], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    first = serve()
    assert "installing…" in first and "timeline serve --port 8123" in first  # options pass through
    assert calls.read_text().count("pip install") == 1
    stamp = (repo / ".venv" / ".installed-pyproject.sha256").read_text().strip()
    assert stamp == hashlib.sha256((repo / "pyproject.toml").read_bytes()).hexdigest()
    again = serve()
    assert "installing" not in again and calls.read_text().count("pip install") == 1
    with (repo / "pyproject.toml").open("a") as f:
        f.write("\n# a changed dependency\n")
    assert "installing…" in serve() and calls.read_text().count("pip install") == 2


def test_the_licence_is_an_spdx_expression() -> None:
    import tomllib

    from packaging.licenses import canonicalize_license_expression

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    licence = project["project"]["license"]
    assert isinstance(licence, str) and canonicalize_license_expression(licence) == "MIT"
