"""The real service as a separate process: `timeline serve` on a database built for the tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import msgspec

from events.envelope import NewEvent
from events.reference import Reference
from events.types import Event
from timeline.database import open_store
from timeline.seeds import load_seeds
from timeline.settings import PACKAGE_SEEDS, Settings

from . import data
from .servers import free_port


def build_database(path: Path) -> None:
    """The bundled seeds, plus the tests' own regions and milestones (XSS title, 2,000 entries)."""
    store = open_store(Settings(db=str(path)), create=True)
    try:
        load_seeds(store, PACKAGE_SEEDS)
        Reference(store.db).upsert(data.catalogue())
        store.import_events(
            NewEvent(stream=f"widget-test-{i}", event=msgspec.convert(fields, type=Event))
            for i, fields in enumerate(data.all_events())
        )
    finally:
        store.close()


class Service:
    """`timeline serve --db DB --port PORT` on 127.0.0.1, stopped on exit."""

    def __init__(self, db: Path, log: Path) -> None:
        self.db = db
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Service:
        command = [
            sys.executable,
            "-m",
            "timeline",
            "serve",
            "--db",
            str(self.db),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
        ]
        env = {**os.environ, "TIMELINE_SCHEDULER": "false", "TIMELINE_LOG_LEVEL": "WARNING"}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=Path(__file__).resolve().parents[2],
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"timeline serve exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.origin}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"timeline serve did not answer in {timeout}s:\n{self.log.read_text()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.process.kill()
            self.process.wait()
