"""Webhook subscriptions: made, listed and removed through the log; their secrets kept beside it.

A subscription is the events of its stream `webhook-<id>`: `webhook_subscribed`, then perhaps
`webhook_removed` or `webhook_disabled`. Its signing secret is a credential, not a fact: the
log (which anyone may read) holds only its SHA-256, the secret itself sits in the table
`webhook_secrets`. `subscriptions` folds the webhook events of the log into the current list,
keeping a table of them up to date from the log position it last saw (cheap to call often).
The SQL is portable (`events.dialect`): the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
import socket
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
from msgspec import Meta

from events.dialect import begin_write, create_tables
from events.envelope import NewEvent, RecordedEvent
from events.errors import FieldProblem, InvalidEvent, UnknownReference
from events.reference import Reference
from events.store import EventStore
from events.times import format_time, parse_time
from events.types import (
    MILESTONE_TYPES,
    WEBHOOK_TYPES,
    RegionCode,
    Slug,
    TypeTag,
    WebhookDisabled,
    WebhookRemoved,
    WebhookSubscribed,
    decode_event,
    encode_event,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_secrets (subscription TEXT PRIMARY KEY, secret TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    subscription TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    event TEXT NOT NULL,
    status TEXT NOT NULL,
    ended_at TEXT
);
CREATE TABLE IF NOT EXISTS webhook_sync (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL);
INSERT INTO webhook_sync VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
"""
# Folding the subscriptions queues on this advisory lock on PostgreSQL (`events.dialect.begin_write`),
# as on SQLite's write lock: a fixed 64-bit key of its own ("webhooks").
WRITE_LOCK = 0x7765_6268_6F6F_6B73
WEBHOOK_TAGS = tuple(cls.__struct_config__.tag for cls in WEBHOOK_TYPES)
MILESTONE_TAGS = frozenset(cls.__struct_config__.tag for cls in MILESTONE_TYPES)
Status = Literal["active", "removed", "disabled"]
SYNC_STRETCH = 1000  # events without a webhook event after which the sync position is written


class SubscriptionRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a token holder sends to subscribe (`POST /webhooks`, `timeline webhooks add`)."""

    url: Annotated[str, Meta(min_length=8, max_length=2000)]
    regions: Annotated[tuple[RegionCode, ...], Meta(max_length=100)] = ()
    programmes: Annotated[tuple[Slug, ...], Meta(max_length=100)] = ()
    types: Annotated[tuple[TypeTag, ...], Meta(max_length=20)] = ()
    lang: Literal["zh", "en"] = "zh"
    secret: Annotated[str, Meta(pattern=r"^whsec_[A-Za-z0-9+/=]{32,120}$")] | None = None


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription as it stands (its secret is never part of it)."""

    id: str
    url: str
    regions: tuple[str, ...]
    programmes: tuple[str, ...]
    types: tuple[str, ...]
    lang: str
    status: Status
    position: int  # where it was subscribed: it receives changes after this position
    created_at: datetime
    ended_at: datetime | None = None


class Created(msgspec.Struct, frozen=True, kw_only=True):
    subscription: Subscription
    secret: str  # shown once, to whoever subscribed


def ensure_schema(conn: Any) -> None:
    """Create the tables once (a look at the catalogue is cheaper than the script, and writes nothing)."""
    create_tables(conn, WRITE_LOCK, "webhook_sync", SCHEMA)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str, *, allow_private: bool, path: str = "$.url") -> None:
    """Only http(s) URLs whose host resolves to public addresses (unless `allow_private`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidEvent([FieldProblem(path, "Expected an http:// or https:// URL with a host")])
    if parts.username or parts.password:
        raise InvalidEvent([FieldProblem(path, "A webhook URL may not carry a user name or password")])
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as e:
        raise InvalidEvent([FieldProblem(path, f"The host {parts.hostname!r} does not resolve ({e})")]) from e
    for *_, address in found:
        ip = ipaddress.ip_address(address[0].split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            message = (
                f"{parts.hostname} resolves to {ip}, a private, loopback, link-local or reserved "
                "address: refused (set webhook_allow_private to allow it)"
            )
            raise InvalidEvent([FieldProblem(path, message)])


def subscribe(
    store: EventStore, reference: Reference, request: SubscriptionRequest, *, allow_private: bool
) -> Created:
    """Check the request, keep its secret and append `webhook_subscribed`."""
    check_url(request.url, allow_private=allow_private)
    problems = [
        FieldProblem(f"$.regions[{i}]", f"No region with code {code!r}")
        for i, code in enumerate(request.regions)
        if not reference.contains("region", code)
    ]
    problems += [
        FieldProblem(f"$.programmes[{i}]", f"No programme {slug!r}")
        for i, slug in enumerate(request.programmes)
        if not reference.contains("programme", slug)
    ]
    problems += [
        FieldProblem(f"$.types[{i}]", f"No milestone type {tag!r}")
        for i, tag in enumerate(request.types)
        if tag not in MILESTONE_TAGS
    ]
    if problems:
        raise InvalidEvent(problems)
    secret = request.secret or new_secret()
    subscription_id = "wh_" + uuid.uuid4().hex
    event = WebhookSubscribed(
        subscription=subscription_id,
        url=request.url,
        regions=request.regions,
        programmes=request.programmes,
        types=request.types,
        lang=request.lang,
        secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
    )
    ensure_schema(store.conn)
    # Kept before the append: a failed append leaves an unused secret, never a missing one.
    store.conn.execute("INSERT INTO webhook_secrets VALUES (?, ?)", [subscription_id, secret])
    store.append([NewEvent(stream=f"webhook-{subscription_id}", event=event, expected_version=0)])
    return Created(subscription=subscription_of(store, subscription_id), secret=secret)


def end(store: EventStore, subscription_id: str, *, failures: int | None = None) -> Subscription:
    """Remove a subscription (or, with `failures`, disable it); ending it twice changes nothing."""
    current = subscription_of(store, subscription_id)
    if current.status != "active":
        return current
    event: WebhookRemoved | WebhookDisabled = (
        WebhookRemoved(subscription=subscription_id)
        if failures is None
        else WebhookDisabled(subscription=subscription_id, failures=failures)
    )
    store.append([NewEvent(stream=f"webhook-{subscription_id}", event=event)])
    return subscription_of(store, subscription_id)


def subscription_of(store: EventStore, subscription_id: str) -> Subscription:
    for subscription in subscriptions(store):
        if subscription.id == subscription_id:
            return subscription
    raise UnknownReference("webhook", subscription_id)


def secret_of(store: EventStore, subscription_id: str) -> str:
    ensure_schema(store.conn)
    row = store.conn.execute(
        "SELECT secret FROM webhook_secrets WHERE subscription = ?", [subscription_id]
    ).fetchone()
    if row is None:
        raise UnknownReference("webhook secret", subscription_id)
    return row[0]


def subscriptions(store: EventStore) -> list[Subscription]:
    """Every subscription, oldest first, as the log stands now."""
    conn = store.conn
    ensure_schema(conn)
    _sync(store)
    rows = conn.execute(
        "SELECT subscription, position, created_at, event, status, ended_at "
        "FROM webhook_subscriptions ORDER BY position"
    ).fetchall()
    found = []
    for subscription, position, created_at, raw, status, ended_at in rows:
        event = decode_event(raw)
        assert isinstance(event, WebhookSubscribed)
        found.append(
            Subscription(
                id=subscription,
                url=event.url,
                regions=event.regions,
                programmes=event.programmes,
                types=event.types,
                lang=event.lang,
                status=status,
                position=position,
                created_at=parse_time(created_at),
                ended_at=parse_time(ended_at) if ended_at else None,
            )
        )
    return found


def _sync(store: EventStore) -> None:
    """Fold the webhook events appended since the last look into `webhook_subscriptions`.

    Where it got to is written only with a webhook event to fold or a long stretch of others,
    so that a service without webhook activity writes nothing here."""
    conn = store.conn
    after = conn.execute("SELECT position FROM webhook_sync WHERE id = 1").fetchone()[0]
    head = store.head().position
    found = store.read_types(WEBHOOK_TAGS, after=after, upto=head) if head > after else []
    if not found and head - after < SYNC_STRETCH:
        return
    with store._lock:  # the store's connection: its users serialise on this lock
        begin_write(conn, WRITE_LOCK)
        try:
            if conn.execute("SELECT position FROM webhook_sync WHERE id = 1").fetchone()[0] == after:
                for recorded in found:
                    _apply(conn, recorded)
                conn.execute("UPDATE webhook_sync SET position = ? WHERE id = 1", [head])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _apply(conn: Any, recorded: RecordedEvent) -> None:
    event, recorded_at = recorded.event, format_time(recorded.recorded_at)
    if isinstance(event, WebhookSubscribed):
        conn.execute(
            "INSERT INTO webhook_subscriptions VALUES (?, ?, ?, ?, 'active', NULL) "
            "ON CONFLICT (subscription) DO NOTHING",
            [event.subscription, recorded.position, recorded_at, encode_event(event).decode()],
        )
    elif isinstance(event, WebhookRemoved | WebhookDisabled):
        status = "removed" if isinstance(event, WebhookRemoved) else "disabled"
        conn.execute(
            "UPDATE webhook_subscriptions SET status = ?, ended_at = ? "
            "WHERE subscription = ? AND status = 'active'",
            [status, recorded_at, event.subscription],
        )
