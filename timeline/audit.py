"""`timeline audit`: a witness of a log served over HTTP, run by anyone, as often as they like.

Each run fetches the signed head, checks its signature with the key pinned on the first run,
and checks that the log it saw last time (kept in a state file) is a prefix of the log now:
a consistency proof (RFC 9162) from the old head to the new. Events named on the command line
are checked for inclusion, with the leaf's bytes naming the event. Any inconsistency raises
`LogInconsistent`; the state file only moves forward after a clean run.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from events import merkle
from events.envelope import canonical_bytes
from events.errors import LogInconsistent, TimelineError
from events.heads import SignedHead, head_is_signed, key_id, load_public_key
from events.reference import SourceDocument
from events.times import format_time
from events.types import Event, encode_event

if TYPE_CHECKING:  # httpx costs every CLI command a tenth of a second: imported where a request is made
    import httpx


class AuditState(msgspec.Struct, kw_only=True):
    url: str
    key_id: str
    public_key_pem: str
    head: SignedHead


class AuditReport(msgspec.Struct, kw_only=True):
    head: SignedHead
    previous_size: int | None
    events_checked: int


def audit(
    url: str,
    state_path: str | Path,
    events: tuple[str, ...] = (),
    *,
    full: bool = False,
    client: httpx.Client | None = None,
) -> AuditReport:
    """Check the log at `url` against the state in `state_path` (created on the first run).

    With `full`, also read every event the server serves, recompute the tree from them and hold
    it to the signed root, and hold the served source documents to their registrations."""
    url = url.rstrip("/")
    state_path = Path(state_path)
    state = _read_state(state_path)
    if state is not None and state.url != url:
        raise TimelineError(f"{state_path} is the state of {state.url}, not {url}")
    owned = client is None
    if client is None:
        import httpx

        client = httpx.Client(timeout=30)
    try:
        public_pem = state.public_key_pem if state else _get(client, f"{url}/log/key")["public_key_pem"]
        public = load_public_key(public_pem)
        head = msgspec.convert(_get(client, f"{url}/log/head"), type=SignedHead, strict=False)
        if not head_is_signed(public, head):
            raise LogInconsistent(
                f"the head of size {head.size} is not signed by the log's key {key_id(public)}"
            )
        if state is not None:
            _check_consistent(client, url, state.head, head)
        for event in events:
            _check_included(client, url, event, head)
        if full:
            _check_everything(client, url, head)
    finally:
        if owned:
            client.close()
    _write_state(state_path, AuditState(url=url, key_id=key_id(public), public_key_pem=public_pem, head=head))
    return AuditReport(
        head=head, previous_size=state.head.size if state else None, events_checked=len(events)
    )


def _get(client: httpx.Client, url: str) -> dict:
    import httpx

    try:
        response = client.get(url)
    except httpx.HTTPError as e:
        raise TimelineError(f"cannot reach {url}: {e}") from e
    if response.status_code != 200:
        raise TimelineError(f"{url} answered {response.status_code}: {response.text[:300]}")
    return response.json()


def _check_consistent(client: httpx.Client, url: str, old: SignedHead, new: SignedHead) -> None:
    if new.size < old.size:
        raise LogInconsistent(f"the log shrank: its head covered {old.size} events, now {new.size}")
    if new.size == old.size:
        if new.root != old.root:
            raise LogInconsistent(f"two different roots signed for size {new.size}: history was rewritten")
        return
    answer = _get(client, f"{url}/log/proof/consistency?from={old.size}&to={new.size}")
    proof = [bytes.fromhex(h) for h in answer["proof"]]
    if not merkle.verify_consistency(
        old.size, new.size, proof, bytes.fromhex(old.root), bytes.fromhex(new.root)
    ):
        raise LogInconsistent(
            f"the log of {new.size} events does not extend the one of {old.size} seen before: "
            f"an event up to position {old.size} was changed, removed or reordered"
        )


def _check_included(client: httpx.Client, url: str, event: str, head: SignedHead) -> None:
    answer = _get(client, f"{url}/log/proof/inclusion?event={event}&size={head.size}")
    leaf = answer["leaf"].encode()
    header, _ = json.JSONDecoder().raw_decode(answer["leaf"])
    if header[1] != event.lower() or header[0] != answer["position"]:
        raise LogInconsistent(f"the leaf served for event {event} is another event's ({header[1]})")
    proof = [bytes.fromhex(h) for h in answer["proof"]]
    if not merkle.verify_inclusion(
        answer["position"] - 1, head.size, merkle.leaf_hash(leaf), proof, bytes.fromhex(head.root)
    ):
        raise LogInconsistent(f"event {event} is not in the signed log of {head.size} events as served")


def _check_everything(client: httpx.Client, url: str, head: SignedHead) -> None:
    """Recompute the root of the first `head.size` events from the events as served."""
    frontier = merkle.Frontier()
    sources: dict[str, SourceDocument] = {}
    while frontier.size < head.size:
        limit = min(500, head.size - frontier.size)
        page = _get(client, f"{url}/events?after={frontier.size}&limit={limit}")["events"]
        if not page:
            raise LogInconsistent(
                f"the server serves {frontier.size} events, but signed a head of {head.size}"
            )
        for record in page:
            if record["position"] != frontier.size + 1:
                raise LogInconsistent(f"position {frontier.size + 1} is missing from the events served")
            frontier.append(merkle.leaf_hash(_canonical(record)))
            if record["type"] == "source_registered":
                sources[record["event"]["source"]["id"]] = msgspec.convert(
                    record["event"]["source"], SourceDocument
                )
    if frontier.root().hex() != head.root:
        raise LogInconsistent(f"the events served do not hash to the root signed for size {head.size}")
    for served in _get(client, f"{url}/sources")["sources"]:
        logged = sources.get(served["id"])
        if logged is None or _source_fields(served) != _source_fields(msgspec.to_builtins(logged)):
            raise LogInconsistent(
                f"source {served['id']!r} as served differs from its registration in the log"
            )


def _canonical(record: dict) -> bytes:
    """An event's canonical bytes, rebuilt from its record as `/events` serves it."""
    event = msgspec.convert(record["event"], type=Event)
    occurred = record["occurred"]["edtf"] if record["occurred"] else None
    recorded_at = format_time(msgspec.convert(record["recorded_at"], type=datetime, strict=False))
    return canonical_bytes(
        record["position"],
        record["event_id"],
        record["stream"],
        record["version"],
        record["type"],
        record["schema_version"],
        occurred,
        recorded_at,
        encode_event(event).decode(),
        msgspec.json.encode(event.sources).decode(),
    )


def _source_fields(source: dict) -> tuple:
    published = source["published"]["edtf"] if isinstance(source["published"], dict) else source["published"]
    url = source.get("document_url", source.get("url"))
    return (source["title"], source["publisher"], published, source["kind"], url, source.get("locator_hint"))


def _read_state(path: Path) -> AuditState | None:
    try:
        return msgspec.json.decode(path.read_bytes(), type=AuditState)
    except FileNotFoundError:
        return None
    except (msgspec.DecodeError, OSError) as e:
        raise TimelineError(f"cannot read the audit state {path}: {e}") from e


def _write_state(path: Path, state: AuditState) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(msgspec.json.format(msgspec.json.encode(state)) + b"\n")
    os.replace(temporary, path)
