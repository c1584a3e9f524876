"""Schemathesis against a real `timeline serve` process: no 5xx, every answer as documented.

    python bench/schemathesis_run.py                  # 30 examples per operation, random seed
    python bench/schemathesis_run.py --max-time 120   # fuzz for two minutes (random seed, printed)
    python bench/schemathesis_run.py --max-examples 100 --seed 7     # reproduce a run

The server runs on a temporary database loaded with the bundled seeds and a bearer token, so
the write routes are exercised past authentication. Every schemathesis check runs
(`--checks all`): no server error; status codes, content types, headers and bodies that match
/schema/openapi.json; invalid data refused and valid data accepted; unsupported methods
answered 405 with `Allow`. The seed is random unless given, and printed so a failure can be
reproduced.
Prints schemathesis's summary (with the number of generated test cases) and exits non-zero on
any failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the standard library's `http` package: keep this folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

CHECKS = "all"
TOKEN = "schemathesis-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=30, help="per operation (default 30)")
    parser.add_argument("--seed", type=int, default=None, help="generation seed (default: random, printed)")
    parser.add_argument(
        "--max-time", type=int, default=None, help="time budget in seconds (fuzz until spent)"
    )
    parser.add_argument("--checks", default=CHECKS, help=f"schemathesis checks (default {CHECKS})")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    print(f"schemathesis seed {seed} (reproduce with --seed {seed})", flush=True)
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as tmp:
        folder, port = Path(tmp), free_port()
        env = {**os.environ, "TIMELINE_TOKENS": TOKEN, "TIMELINE_LOG_LEVEL": "WARNING"}
        command = ["timeline", "serve", "--db", str(folder / "timeline.db"), "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--no-access-log"],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/health")
            run = [
                "schemathesis",
                "run",
                f"{base}/schema/openapi.json",
                "--checks",
                args.checks,
                "--max-examples",
                str(args.max_examples),
                "--seed",
                str(seed),
                *(["--max-time", str(args.max_time)] if args.max_time else []),
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--no-color",
                # Event streams never end: `tests/live/` tests them with an SSE client.
                "--exclude-path-regex",
                "/stream$",
            ]
            return subprocess.run(run, cwd=folder, check=False).returncode
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    sys.exit(main())
