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

A `schemathesis.toml` beside the server gives the fuzzer known values (region
codes, programme slugs, sources, milestone ids read from the running server) so "valid data is
accepted" is tested past the 400/404 that an unknown code or id rightly gets; and a body over
the size limit counts as rejected (413) like any other invalid body.
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
import json  # noqa: E402
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


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def config(base: str) -> str:
    """schemathesis.toml: known values for the parameters that name a region, programme, source
    or milestone (an unknown one is a 400/404 by design, tested in tests/test_hostile_*.py)."""
    codes = [r["code"] for r in get(f"{base}/regions?limit=100")["regions"]]
    slugs = [p["slug"] for p in get(f"{base}/programmes")["programmes"]]
    sources = [s["id"] for s in get(f"{base}/sources")["sources"]]
    head = get(f"{base}/health")["head"]  # milestones come after the catalogues: read the end
    events = get(f"{base}/events?after={max(0, head - 500)}&limit=500")["events"]
    milestones = [e["event_id"] for e in events if "regions" in e.get("event", {})][:50]
    found = {"codes": codes, "slugs": slugs, "sources": sources, "milestones": milestones}
    dictionaries = {name: values for name, values in found.items() if values}
    bound = {
        "path.code": "codes",
        "query.parent": "codes",
        "query.within": "codes",
        "path.slug": "slugs",
        "path.source_id": "sources",
        "path.event_id": "milestones",
        "query.programmes": "slugs",
    }
    lines = [f"[dictionaries.{name}]\nvalues = {json.dumps(values)}" for name, values in dictionaries.items()]
    lines.append("[parameters]")
    lines += [
        f'"{key}" = {{ dictionary = "{name}", probability = 1.0 }}'
        for key, name in bound.items()
        if name in dictionaries
    ]
    rejected = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
    lines.append(f"[checks.negative_data_rejection]\nexpected-statuses = {json.dumps(rejected)}")
    return "\n".join(lines) + "\n"


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
            (folder / "schemathesis.toml").write_text(config(base))
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
