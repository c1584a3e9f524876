"""`timeline serve` as a real process: an empty database is seeded and served over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline.cli.serve import settings_environment
from timeline.settings import PACKAGE_SEEDS, Settings, load_settings

SMALL_SEEDS = {
    "regions.toml": """
[[region]]
code = "140000"
name = { zh = "山西省", en = "Shanxi" }
kind = "province"

[[region]]
code = "140700"
name = { zh = "晋中市", en = "Jinzhong" }
kind = "prefecture"
parent = "140000"
""",
    "programmes.toml": """
[[programme]]
slug = "county-medical-integration"
name = { zh = "县域医共体", en = "County medical communities" }
description = { zh = "县域医疗卫生一体化。", en = "County health integration." }
statuses = ["designated"]
""",
    "sources.toml": """
[[source]]
id = "test-doc"
title = { zh = "测试文件", en = "Test document" }
publisher = { zh = "测试", en = "Test" }
published = "2024-08-28"
kind = "news"
""",
    "milestones/jinzhong.toml": """
[[milestone]]
id = "jinzhong-meeting"
type = "meeting_held"
occurred = "2021-05-07"
regions = ["140700"]
title = { zh = "晋中会议", en = "Jinzhong meeting" }
summary = { zh = "晋中召开会议。", en = "Jinzhong held a meeting." }
sources = [{ document = "test-doc" }]
""",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def seeds_folder(tmp_path: Path) -> Path:
    """The bundled seeds when they are there, else a small folder written here."""
    if (PACKAGE_SEEDS / "regions.toml").exists():
        return PACKAGE_SEEDS
    folder = tmp_path / "seeds"
    for name, text in SMALL_SEEDS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "TIMELINE_SEEDS_DIR": str(seeds_folder(tmp_path)),
        "TIMELINE_BACKUP_DIR": str(tmp_path / "backups"),
    }
    command = ["timeline", "serve", "--db", str(tmp_path / "new.db"), "--port", str(port), "--no-access-log"]
    log = (tmp_path / "serve.log").open("wb")  # a file, not a pipe: a full pipe would stall it
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"timeline serve exited with {process.returncode}: {output(tmp_path)}")
        try:
            if get(f"{base}/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("timeline serve did not answer within 60 s")
    yield base, process
    stop(process)
    log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def output(folder: Path) -> str:
    return (folder / "serve.log").read_text(encoding="utf-8", errors="replace")


def test_serve_seeds_an_empty_database_and_answers_over_http(
    server: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    base, process = server
    port = base.rsplit(":", 1)[1]
    status, _, body = get(f"{base}/health")
    health = json.loads(body)
    assert health["head"] > 0 and all(p["lag"] == 0 for p in health["projections"])
    assert health["scheduler"]["status"] == "running"
    status, headers, body = get(f"{base}/regions/140700")
    assert status == 200 and headers["etag"]
    region = json.loads(body)
    assert region["name"]["en"] == "Jinzhong"
    assert region["links"]["webcal"] == f"webcal://127.0.0.1:{port}/feeds/regions/140700.ics"
    timeline = json.loads(get(f"{base}/regions/140700/timeline?descendants=1")[2])
    assert timeline["entries"] and timeline["basis"]["position"] == health["head"]
    status, headers, body = get(f"{base}/nope")
    assert status == 404 and headers["content-type"] == "application/problem+json"
    assert get(f"{base}/schema")[0] == 200
    stop(process)
    printed = output(tmp_path)
    assert f"Docs: {base}/schema" in printed
    assert f"Feed: {base}/feeds/regions/140700.ics" in printed
    assert "loaded the seeds" in printed


def test_workers_get_the_settings_serve_was_given(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "x.db"), tokens=["a", "b"], port=9000, base_url="https://t.example")
    environ = dict(settings_environment(settings))
    assert load_settings(environ=environ) == settings
