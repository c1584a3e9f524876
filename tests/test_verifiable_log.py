"""The log as a transparency log, attacked: every attack of issue 16 is caught by `timeline
verify`, by the scheduled verification and by `timeline audit` run from outside against a real
`timeline serve`; an honest, growing log passes `audit` run after run."""

from __future__ import annotations

import json
import stat
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from events.errors import ChainBroken
from events.heads import read_head_file
from tests.conftest import new
from tests.faults.attacks import ATTACKS, replace_old_row
from tests.faults.damage import run_cli
from tests.faults.serving import Server
from tests.test_server import get
from timeline import jobs
from timeline.audit import audit
from timeline.database import open_store
from timeline.settings import Settings


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    yield running
    running.stop()


def settings_of(server: Server, **overrides: object) -> Settings:
    return Settings(db=str(server.db), scheduler=False, **overrides)  # type: ignore[arg-type]


def test_the_key_is_a_private_file_and_every_append_signs_a_head(server: Server) -> None:
    key = Path(f"{server.db}.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = read_head_file(f"{server.db}.head")
    server.append("A meeting")
    after = read_head_file(f"{server.db}.head")
    assert first is not None and after is not None and after.size == first.size + 1
    served = json.loads(get(f"{server.base}/log/head")[2])
    assert (served["size"], served["root"], served["signature"]) == (after.size, after.root, after.signature)


def test_an_honest_growing_log_passes_audit_run_after_run(server: Server, tmp_path: Path) -> None:
    state = tmp_path / "witness.json"
    first = audit(server.base, state)
    assert first.previous_size is None
    ids = []
    for run in range(3):
        ids += [server.append(f"Meeting {run}.{i}") for i in range(run + 1)]
        report = audit(server.base, state, tuple(ids), full=run == 2)
        assert report.previous_size is not None and report.head.size > report.previous_size
        assert report.events_checked == len(ids)
    again = audit(server.base, state)
    assert again.head.size == again.previous_size == report.head.size
    result = run_cli("audit", server.base, "--state", str(state), "--event", ids[0])
    assert result.returncode == 0 and result.stdout.startswith("OK:"), result.stderr


@pytest.mark.parametrize("name", list(ATTACKS))
def test_every_attack_is_caught_by_verify_the_scheduled_check_and_audit(
    server: Server, tmp_path: Path, name: str
) -> None:
    state = tmp_path / "witness.json"
    audit(server.base, state)
    ids = [server.append(f"Acknowledged {i}") for i in range(3)]
    audit(server.base, state, tuple(ids))
    jobs.verify(settings_of(server))  # the incremental check has now seen the whole log
    position = ATTACKS[name](server.db)
    tampered = _event_at(server, position)

    # From outside, against the running server: a full audit (and for a rewritten event, the
    # inclusion proof of that event alone) fails with exit code 3.
    if name.startswith("WAL"):
        server.stop()  # its connections saw the WAL vanish; a restart serves what the file holds
        server = Server(tmp_path, port=server.port)
    result = run_cli(
        "audit", server.base, "--state", str(state), "--full", *(["--event", tampered] if tampered else [])
    )
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "error: " in result.stderr and "Traceback" not in result.stderr
    server.stop()

    verified = run_cli("verify", "--db", str(server.db))
    assert verified.returncode == 3, verified.stderr
    assert f"position {position}" in verified.stderr or name.startswith("history"), verified.stderr

    # The scheduled full walk finds it too, records a break and holds writes.
    with pytest.raises(Exception, match="chain broken"):
        jobs.verify_full(settings_of(server))
    store = open_store(settings_of(server))
    assert not store.integrity().ok
    with pytest.raises(ChainBroken):
        store.append([new("after-the-attack")])
    store.close()


def test_the_scheduled_full_walk_turns_health_red_within_verify_full_seconds(tmp_path: Path) -> None:
    """The incremental check starts from the last verified position and never rereads an old
    row; the full walk, every `verify_full_seconds`, does."""
    server = Server(tmp_path, TIMELINE_VERIFY_FULL_SECONDS="2")
    try:
        server.append("Before the attack")
        replace_old_row(server.db, 3)
        deadline = time.monotonic() + 40
        health = json.loads(get(f"{server.base}/health")[2])
        while health["status"] == "ok" and time.monotonic() < deadline:
            time.sleep(0.5)
            health = json.loads(get(f"{server.base}/health")[2])
        assert health["status"] == "degraded" and "position 3" in health["integrity"], health
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.post("After the attack"), timeout=10)
        refused.value.close()
        assert refused.value.code == 503
    finally:
        server.stop()


def _event_at(server: Server, position: int) -> str | None:
    status, _, body = get(f"{server.base}/events?after={position - 1}&limit=1")
    events = json.loads(body)["events"] if status == 200 else []
    return events[0]["event_id"] if events else None
