"""`timeline serve` as a real process on 127.0.0.1 for the live tests, with a write token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from timeline.settings import PACKAGE_SEEDS

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "live-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The service on a database in `folder`, or on the PostgreSQL database `db` names (seeded on
    first start), stopped on exit."""

    def __init__(self, folder: Path, *, workers: int = 1, db: str | None = None, **settings: Any) -> None:
        self.folder = folder
        self.db = db or str(folder / "live.db")
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "TIMELINE_SEEDS_DIR": str(PACKAGE_SEEDS),
            "TIMELINE_TOKENS": TOKEN,
            "TIMELINE_BACKUP_DIR": str(folder / "backups"),
            "TIMELINE_LOG_LEVEL": "WARNING",
            **{f"TIMELINE_{k.upper()}": str(v) for k, v in settings.items()},
        }
        self.log = folder / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        command = [
            sys.executable,
            "-m",
            "timeline",
            "serve",
            "--db",
            self.db,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"timeline serve exited:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"timeline serve did not answer in time:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def meeting(title: str, *, region: str = "140781", occurred: str = "2024-09") -> dict[str, Any]:
    """A new milestone to POST, citing a bundled source document."""
    return {
        "type": "meeting_held",
        "occurred": occurred,
        "regions": [region],
        "title": {"zh": title, "en": title},
        "summary": {"zh": f"{title}。", "en": f"{title}."},
        "sources": [{"document": "jinzhong-daily-report-2021-05-19"}],
    }


def post_event(base: str, event: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{base}/events", json=event, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()
