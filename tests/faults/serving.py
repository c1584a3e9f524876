"""A real `timeline serve` on the bundled seeds, with a write token: the server the verifiable-log
tests and `bench/faults.py` attack."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.test_server import free_port, get, seeds_folder, stop

TOKEN = "witness-test-token"
SOURCE = "jinzhong-daily-report-2021-05-19"  # in the bundled seeds


class Server:
    def __init__(self, tmp_path: Path, port: int | None = None, **env: str) -> None:
        self.db = tmp_path / "log.db"
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "TIMELINE_SEEDS_DIR": str(seeds_folder(tmp_path)),
            "TIMELINE_BACKUP_DIR": str(tmp_path / "backups"),
            "TIMELINE_TOKENS": TOKEN,
            "TIMELINE_VERIFY_SECONDS": "3600",
            **env,
        }
        self.log = (tmp_path / "serve.log").open("wb")
        command = ["timeline", "serve", "--db", str(self.db), "--port", str(self.port), "--no-access-log"]
        self.process = subprocess.Popen(
            command, cwd=tmp_path, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if get(f"{self.base}/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("timeline serve did not answer within 60 s")

    def post(self, title: str) -> urllib.request.Request:
        event = {
            "type": "meeting_held",
            "occurred": "2024-09",
            "regions": ["140700"],
            "title": {"zh": "推进会", "en": title},
            "summary": {"zh": "召开推进会。", "en": "A progress meeting was held."},
            "sources": [{"document": SOURCE}],
        }
        return urllib.request.Request(
            f"{self.base}/events",
            data=json.dumps(event).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )

    def append(self, title: str) -> str:
        with urllib.request.urlopen(self.post(title), timeout=10) as response:
            return json.loads(response.read())["event_ids"][0]

    def stop(self) -> None:
        if self.process.poll() is None:
            stop(self.process)
        self.log.close()
