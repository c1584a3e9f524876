"""The webhook delivery job: milestone changes become signed POSTs to the subscribers.

Each run turns the log's new milestone changes into outbox messages (one per matching active
subscription; `events.deliveries`), then sends what is due, oldest first and one at a time per
subscription, so a subscriber sees its changes in log order. Deliveries follow the Standard
Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`, signed by the
`standardwebhooks` package). A failure is retried with exponential backoff and jitter, capped at
24 h; after `webhook_max_failures` failures in a row the subscription is disabled (an event in
the log). A delivered `webhook-id` is never sent again, across restarts too.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import httpx
import msgspec
from standardwebhooks import Webhook

from api.widget.entries import widget_entry
from events import deliveries
from events.deliveries import Attempt, Message
from events.errors import InvalidEvent
from events.reference import Reference
from events.store import EventStore
from events.webhooks import Subscription, check_url, end, secret_of, subscriptions
from projections.live import DoubtLog, MilestoneChange, ViewFilter, milestone_change
from timeline.database import open_store
from timeline.settings import Settings

MAX_DELAY = 24 * 3600.0
CHUNK = 500  # log events turned into messages per read
RUN_SECONDS = 30.0  # one run sends for at most this long; the next run goes on
_encode = msgspec.json.Encoder().encode
# The scheduler process runs this job on one database for its lifetime: keep what was read.
_DOUBTS: dict[str, DoubtLog] = {}


class Body(msgspec.Struct, frozen=True):
    """What a subscriber receives: the change, as the region streams send it."""

    type: str  # added | corrected | retracted
    timestamp: datetime
    position: int
    data: msgspec.Raw  # the widget entry, in the subscription's language


def retry_delay(attempt: int, base: float, rng: random.Random | None = None) -> float:
    """Seconds before attempt `attempt + 1`: base·2^(attempt-1), capped at 24 h, half of it jittered."""
    delay = min(MAX_DELAY, base * 2 ** min(attempt - 1, 40))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def run(settings: Settings) -> str:
    """The scheduled job: queue new changes, then deliver what is due."""
    store = open_store(settings)
    try:
        queued = queue_changes(store)
        sent, failed = deliver_due(store, settings)
    finally:
        store.close()
    return f"queued {queued}, delivered {sent}, failed {failed}"


def queue_changes(store: EventStore) -> int:
    """Messages for every milestone change since the last run, for the subscriptions it matches."""
    active = [s for s in subscriptions(store) if s.status == "active"]
    if not active:
        return 0  # nobody to tell (and nothing written: an idle service stays idle)
    head = store.head().position
    # Nothing before the oldest active subscription concerns anyone.
    after = max(deliveries.cursor(store), min(s.position for s in active))
    reference = Reference(store.db)
    filters = {s.id: _filters(s) for s in active}
    # Dates as the timeline's: each run reads only the doubts logged since the last one.
    doubts = _DOUBTS.setdefault(store.path, DoubtLog()).until(store, head) if after < head else None
    queued = 0
    while after < head:
        upto = min(head, after + CHUNK)
        messages = []
        for recorded in store.read_all(after=after, limit=upto - after):
            change = milestone_change(store, recorded, doubts)
            if change is not None:
                messages += _messages(change, recorded.recorded_at, active, filters, reference)
        queued += deliveries.enqueue(store, messages, upto, time.time())
        after = upto
    return queued


def _filters(subscription: Subscription) -> list[ViewFilter]:
    types = frozenset(subscription.types) or None
    programmes = frozenset(subscription.programmes) or None
    regions: Iterable[str | None] = subscription.regions or [None]
    return [ViewFilter(region=r, descendants=True, types=types, programmes=programmes) for r in regions]


def _messages(
    change: MilestoneChange,
    recorded_at: datetime,
    active: list[Subscription],
    filters: dict[str, list[ViewFilter]],
    reference: Reference,
) -> list[Message]:
    found = []
    entries: dict[str, bytes] = {}
    for subscription in active:
        if change.position <= subscription.position:
            continue  # subscribed after this change
        kinds = {f.affected(change, reference) for f in filters[subscription.id]} - {None}
        if not kinds:
            continue
        kind = "retracted" if "retracted" in kinds else "added" if kinds == {"added"} else "corrected"
        lang = subscription.lang
        if lang not in entries:
            entries[lang] = _encode(widget_entry(change.entry, reference, lang))
        body = Body(
            type=kind, timestamp=recorded_at, position=change.position, data=msgspec.Raw(entries[lang])
        )
        found.append(
            Message(
                webhook_id=deliveries.webhook_id(change.position, subscription.id),
                subscription=subscription.id,
                position=change.position,
                event=kind,
                body=_encode(body).decode(),
            )
        )
    return found


def deliver_due(store: EventStore, settings: Settings) -> tuple[int, int]:
    """Send the due messages; returns (delivered, failed) counts for this run."""
    by_id = {s.id: s for s in subscriptions(store)}
    timeout = httpx.Timeout(settings.webhook_read_timeout, connect=settings.webhook_connect_timeout)
    sent = failed = 0
    stop_at = time.monotonic() + RUN_SECONDS
    if not deliveries.due(store, time.time(), limit=1):
        return sent, failed
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        while time.monotonic() < stop_at:
            batch = deliveries.due(store, time.time())
            if not batch:
                break
            for message in batch:
                subscription = by_id.get(message.subscription)
                if subscription is None or subscription.status != "active":
                    deliveries.abandon(store, message.subscription)
                    continue
                attempt = send(client, subscription, message, secret_of(store, subscription.id), settings)
                retry_at = time.time() + retry_delay(message.attempts + 1, settings.webhook_retry_seconds)
                streak = deliveries.record(store, message, attempt, retry_at)
                if attempt.ok:
                    sent += 1
                    continue
                failed += 1
                if streak >= settings.webhook_max_failures:
                    by_id[subscription.id] = end(store, subscription.id, failures=streak)
                    deliveries.abandon(store, subscription.id)
    return sent, failed


def send(
    client: httpx.Client, subscription: Subscription, message: Message, secret: str, settings: Settings
) -> Attempt:
    """One signed POST; any 2xx is a delivery, anything else (or no answer in time) a failure."""
    started = time.perf_counter()
    try:
        check_url(subscription.url, allow_private=settings.webhook_allow_private)  # DNS may have moved
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": "reform-timeline-webhooks",
            "webhook-id": message.webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(message.webhook_id, now, message.body),
        }
        response = client.post(subscription.url, content=message.body.encode(), headers=headers)
    except InvalidEvent as e:
        return _attempt(False, None, e.problems[0].message, started)
    except httpx.HTTPError as e:
        return _attempt(False, None, f"{type(e).__name__}: {e}"[:500], started)
    ok = 200 <= response.status_code < 300
    return _attempt(ok, response.status_code, None if ok else f"HTTP {response.status_code}", started)


def _attempt(ok: bool, status: int | None, error: str | None, started: float) -> Attempt:
    return Attempt(ok=ok, status=status, error=error, duration_ms=(time.perf_counter() - started) * 1000)
