"""The log as a transparency log over HTTP: the signed head, the public key, and proofs.

Everything here is computed by `events` (the tree, the heads); these functions only look up
what a request names and shape the answer. Hashes are lower-case hex.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from api.caching import Reader
from api.errors import BadParameter
from api.eventlog import normal_id
from events.errors import UnknownReference
from events.heads import ORIGIN, SignedHead, checkpoint, public_key_pem


class TreeHead(msgspec.Struct, frozen=True, kw_only=True):
    """The latest signed tree head: `size` events whose Merkle root (RFC 9162) is `root`."""

    size: int
    root: str
    timestamp: int  # milliseconds since the Unix epoch
    signed_at: datetime
    key_id: str
    signature: str  # base64 Ed25519 signature of `checkpoint`
    checkpoint: str  # the signed text (C2SP tlog-checkpoint: origin, size, base64 root, timestamp)


class LogKey(msgspec.Struct, frozen=True, kw_only=True):
    """The Ed25519 public key heads are signed with."""

    key_id: str
    algorithm: str
    origin: str
    public_key_pem: str


class InclusionProof(msgspec.Struct, frozen=True, kw_only=True):
    """That the event at `position` is leaf `position - 1` of the tree of `tree_size` events."""

    event_id: str
    position: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    leaf: str  # the bytes the leaf hashes (SHA-256 of 0x00 and these): the event's columns as logged
    root: str
    proof: list[str]


class ConsistencyProof(msgspec.Struct, frozen=True, kw_only=True):
    """That the tree of `first` events is a prefix of the tree of `second` events."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


def tree_head(head: SignedHead) -> TreeHead:
    return TreeHead(
        size=head.size,
        root=head.root,
        timestamp=head.timestamp,
        signed_at=head.signed_at,
        key_id=head.key_id,
        signature=head.signature,
        checkpoint=checkpoint(head.size, head.root, head.timestamp).decode(),
    )


def latest_head(r: Reader) -> TreeHead:
    head = r.store.tree_head()
    if head is None:
        raise UnknownReference("signed head", "latest (nothing signed yet)")
    return tree_head(head)


def log_key(r: Reader) -> LogKey:
    signer = r.store.signer
    if signer is None:
        raise UnknownReference("signing key", "(this server has none)")
    return LogKey(
        key_id=signer.key_id, algorithm="Ed25519", origin=ORIGIN, public_key_pem=public_key_pem(signer.public)
    )


def _size(r: Reader, name: str, size: int | None) -> int:
    """A tree size the request may ask about: at most the log head; default the signed head."""
    if size is None:
        head = r.store.tree_head()
        if head is None:
            raise UnknownReference("signed head", "latest (nothing signed yet)")
        return head.size
    if size > r.state.head:
        raise BadParameter(name, f"the log has {r.state.head} events, not {size}")
    return size


def inclusion(r: Reader, event: str, size: int | None) -> InclusionProof:
    recorded = r.store.get(normal_id(event))
    tree_size = _size(r, "size", size)
    if recorded.position > tree_size:
        raise BadParameter(
            "size", f"event {event} is at position {recorded.position}, after the tree of {tree_size}"
        )
    proof = r.store.inclusion_proof(recorded.position, tree_size)
    return InclusionProof(
        event_id=str(recorded.event_id),
        position=recorded.position,
        leaf_index=recorded.position - 1,
        tree_size=tree_size,
        leaf_hash=r.store.leaf_hash(recorded.position).hex(),
        leaf=r.store.canonical(recorded.position).decode(),
        root=r.store.tree_root(tree_size).hex(),
        proof=[h.hex() for h in proof],
    )


def consistency(r: Reader, first: int, second: int | None) -> ConsistencyProof:
    second = _size(r, "to", second)
    if first > second:
        raise BadParameter("from", f"must not be larger than `to` ({second})")
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=r.store.tree_root(first).hex(),
        second_root=r.store.tree_root(second).hex(),
        proof=[h.hex() for h in r.store.consistency_proof(first, second)],
    )
