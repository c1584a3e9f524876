"""Webhooks against a real server and a real receiver that verifies Standard Webhooks signatures."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from events import deliveries
from events.reference import Reference
from events.store import EventStore
from events.webhooks import SubscriptionRequest, subscription_of
from events.webhooks import subscribe as subscribe_in
from tests.conftest import new
from timeline.cli import main
from timeline.settings import Settings, load_settings
from timeline.webhooks import MAX_DELAY, retry_delay, run

from .server import AUTH, LiveServer, free_port, meeting, post_event

RECEIVER = Path(__file__).with_name("receiver.py")


class Receiver:
    """`receiver.py` as its own process, so a test can kill it and start it again."""

    def __init__(self, folder: Path, secret: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.secret = secret
        self.log = folder / f"received-{self.port}.jsonl"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Receiver:
        command = [sys.executable, str(RECEIVER), str(self.port), self.secret, str(self.log)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"
        return self

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def received(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def receivers(tmp_path: Path) -> Iterator[Callable[[str], Receiver]]:
    made: list[Receiver] = []

    def make(secret: str) -> Receiver:
        made.append(Receiver(tmp_path, secret))
        return made[-1]

    yield make
    for receiver in made:
        receiver.kill()


def wait_until(check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


def subscribe(base: str, **fields: Any) -> dict[str, Any]:
    response = httpx.post(f"{base}/webhooks", json=fields, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def test_token_holders_subscribe_list_and_remove_and_subscriptions_are_log_events(live: LiveServer) -> None:
    assert httpx.post(f"{live.base}/webhooks", json={"url": "https://example.org/h"}).status_code == 401
    assert httpx.get(f"{live.base}/webhooks").status_code == 401
    # An IP literal on the public internet needs no DNS look-up, and nothing is sent to it here.
    created = subscribe(
        live.base, url="https://93.184.215.14/hook", regions=["140700"], types=["meeting_held"]
    )
    webhook, secret = created["webhook"], created["secret"]
    assert secret.startswith("whsec_") and webhook["status"] == "active"
    listed = httpx.get(f"{live.base}/webhooks", headers=AUTH).json()["webhooks"]
    assert [w["id"] for w in listed] == [webhook["id"]] and "secret" not in listed[0]
    log = httpx.get(f"{live.base}/events?after={webhook['position'] - 1}&limit=1").json()["events"]
    assert log[0]["type"] == "webhook_subscribed" and log[0]["stream"] == f"webhook-{webhook['id']}"
    assert secret not in json.dumps(log)  # the log is public: only the secret's hash is in it
    assert httpx.delete(f"{live.base}/webhooks/{webhook['id']}", headers=AUTH).status_code == 204
    listed = httpx.get(f"{live.base}/webhooks", headers=AUTH).json()["webhooks"]
    assert listed[0]["status"] == "removed" and listed[0]["ended_at"]
    assert httpx.delete(f"{live.base}/webhooks/wh_{'0' * 32}", headers=AUTH).status_code == 404
    assert httpx.get(f"{live.base}/webhooks/wh_{'0' * 32}/deliveries", headers=AUTH).status_code == 404
    # A subscription cannot be forged through POST /events.
    forged = {"type": "webhook_removed", "subscription": webhook["id"]}
    assert httpx.post(f"{live.base}/events", json=forged, headers=AUTH).status_code == 422


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("ftp://example.org/hook", "$.url"),
        ("http://127.0.0.1:9/hook", "$.url"),
        ("http://10.1.2.3/hook", "$.url"),
        ("http://169.254.169.254/latest", "$.url"),
        ("http://[::1]:8000/hook", "$.url"),
        ("https://user:pw@93.184.215.14/hook", "$.url"),
    ],
)
def test_only_public_http_urls_are_accepted(live: LiveServer, url: str, path: str) -> None:
    response = httpx.post(f"{live.base}/webhooks", json={"url": url}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["path"] == path


def test_unknown_filters_are_refused_by_path(live: LiveServer) -> None:
    body = {"url": "https://93.184.215.14/h", "regions": ["999999"], "types": ["nope"]}
    response = httpx.post(f"{live.base}/webhooks", json=body, headers=AUTH)
    assert response.status_code == 422
    assert {e["path"] for e in response.json()["errors"]} == {"$.regions[0]", "$.types[0]"}


def test_deliveries_are_signed_retried_and_sent_exactly_once(
    tmp_path: Path, receivers: Callable[[str], Receiver]
) -> None:
    settings = {"webhook_allow_private": "true", "webhook_retry_seconds": 0.3, "webhook_seconds": 0.2}
    with LiveServer(tmp_path, **settings) as server:
        secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        receiver = receivers(secret).start()
        created = subscribe(server.base, url=receiver.url, regions=["140700"], lang="en", secret=secret)
        webhook = created["webhook"]["id"]
        first = post_event(server.base, meeting("Webhook one", region="140781"))
        post_event(server.base, meeting("Elsewhere", region="140100"))  # Taiyuan: not subscribed
        wait_until(lambda: receiver.received(), what="the first delivery")

        receiver.kill()
        second = post_event(server.base, meeting("Webhook two", region="140781"))

        def failures() -> int:
            log = httpx.get(f"{server.base}/webhooks/{webhook}/deliveries", headers=AUTH).json()
            return sum(
                d["outcome"] == "failed" and d["position"] == second["last_position"]
                for d in log["deliveries"]
            )

        wait_until(lambda: failures() >= 2, what="retries while the receiver is down")
        receiver.start()
        wait_until(lambda: len(receiver.received()) >= 2, what="the delivery after the receiver returned")
        server.stop()  # a restart must not send a delivered webhook-id again
        server.start()
        post_event(server.base, meeting("Webhook three", region="140781"))
        wait_until(lambda: len(receiver.received()) >= 3, what="a delivery after the restart")
        time.sleep(1.5)  # several job runs
        log = httpx.get(f"{server.base}/webhooks/{webhook}/deliveries", headers=AUTH).json()["deliveries"]
    got = receiver.received()
    assert not [line for line in got if "bad" in line], got  # every signature verified
    assert [line["title"] for line in got] == ["Webhook one", "Webhook two", "Webhook three"]
    assert len({line["id"] for line in got}) == 3  # each webhook-id once
    assert [line["position"] for line in got[:2]] == [first["last_position"], second["last_position"]]
    assert all(line["type"] == "added" for line in got)
    second_attempts = [d for d in log if d["position"] == second["last_position"]]
    assert second_attempts[0]["outcome"] == "delivered"  # newest first
    assert {d["outcome"] for d in second_attempts[1:]} == {"failed"}
    assert all(d["state"] == "delivered" for d in log)


def _job_settings(log_db: str, tmp_path: Path, **overrides: Any) -> Settings:
    return load_settings(
        environ={},
        db=log_db,
        signing_key=str(tmp_path / "signing.key"),
        webhook_allow_private=True,
        webhook_retry_seconds=0.05,
        **overrides,
    )


def _meeting(store: EventStore, title: str, region: str = "140781") -> int:
    event = new(f"m-{title}", title={"zh": title, "en": title}, regions=[region])
    return store.append([event]).last_position


def test_the_delivery_job_signs_retries_and_sends_each_change_once_on_each_backend(
    any_store: EventStore, log_db: str, tmp_path: Path, receivers: Callable[[str], Receiver]
) -> None:
    """The `webhooks` job itself (`timeline.webhooks.run`), on SQLite and on PostgreSQL, against
    a receiver that verifies every signature."""
    settings = _job_settings(log_db, tmp_path)
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver = receivers(secret).start()
    request = SubscriptionRequest(url=receiver.url, regions=("140700",), lang="en", secret=secret)
    webhook = subscribe_in(any_store, Reference(any_store.db), request, allow_private=True).subscription.id
    first = _meeting(any_store, "Webhook one")
    _meeting(any_store, "Elsewhere", region="140100")  # Taiyuan: not subscribed
    assert run(settings) == "queued 1, delivered 1, failed 0"
    assert run(settings) == "queued 0, delivered 0, failed 0"  # queued once, delivered once

    receiver.kill()
    second = _meeting(any_store, "Webhook two")

    def failures() -> int:
        run(settings)
        return sum(d.outcome == "failed" for d in deliveries.deliveries(any_store, webhook))

    wait_until(lambda: failures() >= 2, what="retries while the receiver is down")
    receiver.start()
    wait_until(lambda: run(settings) and len(receiver.received()) >= 2, what="the delivery after the return")
    third = _meeting(any_store, "Webhook three")
    wait_until(lambda: run(settings) and len(receiver.received()) >= 3, what="the third delivery")
    assert run(settings) == "queued 0, delivered 0, failed 0"
    got = receiver.received()
    assert not [line for line in got if "bad" in line], got  # every signature verified
    assert [line["title"] for line in got] == ["Webhook one", "Webhook two", "Webhook three"]
    assert [line["position"] for line in got] == [first, second, third]
    assert len({line["id"] for line in got}) == 3  # each webhook-id once
    log = deliveries.deliveries(any_store, webhook)
    second_attempts = [d for d in log if d.position == second]
    assert second_attempts[0].outcome == "delivered"  # newest first
    assert {d.outcome for d in second_attempts[1:]} == {"failed"}
    assert [d.attempt for d in second_attempts] == list(range(len(second_attempts), 0, -1))
    assert all(d.state == "delivered" for d in log)


def test_the_delivery_job_disables_a_subscription_failing_in_a_row_on_each_backend(
    any_store: EventStore, log_db: str, tmp_path: Path
) -> None:
    settings = _job_settings(log_db, tmp_path, webhook_max_failures=3, webhook_connect_timeout=1)
    request = SubscriptionRequest(url=f"http://127.0.0.1:{free_port()}/nobody-listens")
    webhook = subscribe_in(any_store, Reference(any_store.db), request, allow_private=True).subscription.id
    _meeting(any_store, "Nobody hears this")
    wait_until(
        lambda: run(settings) and subscription_of(any_store, webhook).status == "disabled",
        what="the subscription to be disabled",
    )
    log = deliveries.deliveries(any_store, webhook)
    assert [d.outcome for d in log] == ["failed"] * 3 and log[0].state == "abandoned"
    assert log[0].error is not None and "ConnectError" in log[0].error
    disabled = [e for e in any_store.read_stream(f"webhook-{webhook}") if e.type == "webhook_disabled"]
    assert len(disabled) == 1 and disabled[0].event.failures == 3  # type: ignore[attr-defined]
    assert run(settings) == "queued 0, delivered 0, failed 0"


def test_a_subscription_failing_in_a_row_is_disabled(tmp_path: Path) -> None:
    settings = {
        "webhook_allow_private": "true",
        "webhook_retry_seconds": 0.05,
        "webhook_seconds": 0.2,
        "webhook_max_failures": 3,
        "webhook_connect_timeout": 1,
    }
    with LiveServer(tmp_path, **settings) as server:
        created = subscribe(server.base, url=f"http://127.0.0.1:{free_port()}/nobody-listens")
        webhook = created["webhook"]["id"]
        post_event(server.base, meeting("Nobody hears this"))

        def status() -> str:
            listed = httpx.get(f"{server.base}/webhooks", headers=AUTH).json()["webhooks"]
            return next(w["status"] for w in listed if w["id"] == webhook)

        wait_until(lambda: status() == "disabled", what="the subscription to be disabled")
        log = httpx.get(f"{server.base}/webhooks/{webhook}/deliveries", headers=AUTH).json()["deliveries"]
        events = httpx.get(f"{server.base}/events?after={created['webhook']['position']}").json()["events"]
    assert [d["outcome"] for d in log] == ["failed"] * 3 and log[0]["state"] == "abandoned"
    assert "ConnectError" in log[0]["error"]
    disabled = [e for e in events if e["type"] == "webhook_disabled"]
    assert disabled and disabled[0]["event"]["failures"] == 3


def test_the_cli_adds_lists_and_removes(any_store: EventStore, log_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    db = log_db
    env = {"TIMELINE_WEBHOOK_ALLOW_PRIVATE": "true", "TIMELINE_SIGNING_KEY": str(tmp_path / "k")}
    added = runner.invoke(
        main, ["webhooks", "add", "http://127.0.0.1:9/h", "--type", "meeting_held", "--db", db], env=env
    )
    assert added.exit_code == 0, added.output
    subscription = added.output.split()[1]
    assert "secret: whsec_" in added.output
    listed = runner.invoke(main, ["webhooks", "list", "--db", db], env=env)
    assert f"{subscription}  active" in listed.output and "types=meeting_held" in listed.output
    strict = env | {"TIMELINE_WEBHOOK_ALLOW_PRIVATE": "false"}
    refused = runner.invoke(main, ["webhooks", "add", "http://127.0.0.1:9/h", "--db", db], env=strict)
    assert refused.exit_code == 1 and "webhook_allow_private" in refused.output
    removed = runner.invoke(main, ["webhooks", "remove", subscription, "--db", db], env=env)
    assert removed.exit_code == 0 and f"{subscription}: removed" in removed.output
    assert "removed" in runner.invoke(main, ["webhooks", "list", "--db", db], env=env).output


def test_retry_delays_grow_exponentially_with_jitter_up_to_a_day() -> None:
    import random

    rng = random.Random(7)
    for attempt in range(1, 40):
        full = min(MAX_DELAY, 10 * 2 ** (attempt - 1))
        delay = retry_delay(attempt, 10, rng)
        assert full / 2 <= delay <= full
    assert retry_delay(30, 10, rng) <= MAX_DELAY
