"""Walking the log to prove it: the hash chain, the Merkle tree, the signed heads, the catalogues.

`walk` recomputes, from the rows alone, every link of the chain, every leaf and node of the tree
and the root at each signed head's size, and compares them with what is stored. The heads are
the part an attacker with write access to the file cannot forge (no private key), so a history
rewritten with every hash recomputed still fails at the first head it no longer matches; a log
shorter than a head it signed has lost acknowledged events.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from events import merkle
from events.envelope import GENESIS_HASH, canonical_bytes, chain_hash
from events.errors import ChainBroken
from events.heads import SignedHead, head_is_signed, read_head_file
from events.reference import Programme, Region, SourceDocument
from events.tree import MissingNodes, SqliteTree, level_range
from events.types import TYPES_BY_TAG, CatalogueEvent, ProgrammeDefined, RegionDefined, SourceRegistered

PAGE = 5000
_CATALOGUE_TAGS = {tag for tag, cls in TYPES_BY_TAG.items() if issubclass(cls, CatalogueEvent)}
_decode_definition = msgspec.json.Decoder(RegionDefined | ProgrammeDefined | SourceRegistered).decode
_TABLES = {
    "region": ("regions", "code", Region),
    "programme": ("programmes", "slug", Programme),
    "source": ("sources", "id", SourceDocument),
}


class Definition(msgspec.Struct):
    position: int
    entry: msgspec.Struct
    text_sha256: str | None = None


def walk(
    conn: sqlite3.Connection,
    *,
    after: int = 0,
    public: Ed25519PublicKey | None = None,
    head_file: Path | None = None,
    catalogues: bool = False,
) -> int:
    """Verify positions after `after` (everything with 0) and return the last position.

    Raises ChainBroken naming the first position found wrong. With `after`, the stored tree at
    that size is trusted as the starting point (the scheduled check); a full walk trusts nothing.
    With `catalogues` (full walks), the catalogue tables must equal what the log defines.
    """
    tree = SqliteTree(conn)
    heads = _signed_heads(tree, head_file, public)
    prev_hash, edge = _start(conn, tree, after)
    definitions: dict[tuple[str, str], Definition] = {}
    position = after
    sha256 = hashlib.sha256
    for rows in _pages(conn, after):
        leaves = []
        for row in rows:
            position += 1
            if row[0] != position:
                raise ChainBroken(position, f"position missing (next is {row[0]})")
            if row[10] != prev_hash:
                raise ChainBroken(position, "prev_hash does not match the previous hash")
            canonical = canonical_bytes(*row[:10])
            if chain_hash(prev_hash, canonical) != row[11]:
                raise ChainBroken(position, "the row's content does not match its hash")
            prev_hash = row[11]
            leaves.append(sha256(b"\x00" + canonical).digest())
            if catalogues and row[4] in _CATALOGUE_TAGS:
                _remember(definitions, position, row[8])
        _grow(tree, edge, heads, rows[0][0] - 1, leaves)
    _check_heads(tree, heads, position, after)
    if catalogues:
        _check_catalogues(conn, definitions)
    return position


def _grow(
    tree: SqliteTree, edge: dict[int, bytes], heads: dict[int, SignedHead], first: int, leaves: list[bytes]
) -> None:
    """Add a page of leaves (the first is leaf `first`) to the right edge `edge` (level -> the
    perfect subtree waiting for its right sibling), level by level, holding every completed
    node to the stored one and the root at each signed head's size to the head."""
    cuts = sorted({size - first for size in heads if first < size <= first + len(leaves)} | {len(leaves)})
    done = 0
    for cut in cuts:
        _grow_level_by_level(tree, edge, first + done, leaves[done:cut])
        done = cut
        head = heads.get(first + cut)
        if (
            head is not None
            and merkle.fold([edge[level] for level in sorted(edge, reverse=True)]).hex() != head.root
        ):
            raise ChainBroken(_first_since(heads, first + cut), _rewritten(head))


def _grow_level_by_level(tree: SqliteTree, edge: dict[int, bytes], index: int, hashes: list[bytes]) -> None:
    level = 0
    sha256 = hashlib.sha256
    while hashes:
        _compare_level(tree, level, index, hashes)
        if index & 1:  # the first node is a right child: its left sibling waited on the edge
            hashes = [edge.pop(level), *hashes]
            index -= 1
        if len(hashes) & 1:
            edge[level] = hashes[-1]
        hashes = [sha256(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes) - 1, 2)]
        index //= 2
        level += 1


def _compare_level(tree: SqliteTree, level: int, index: int, hashes: list[bytes]) -> None:
    """The stored nodes of `level` from `index` on must be `hashes`: proofs are served from them."""
    low, high = level_range(level, index, index + len(hashes))
    stored = [
        row[0]
        for row in tree.conn.execute(
            "SELECT hash FROM merkle_nodes WHERE id >= ? AND id < ? ORDER BY id", [low, high]
        )
    ]
    if stored == hashes:
        return
    offset = next(
        (i for i, (a, b) in enumerate(zip(stored, hashes, strict=False)) if a != b),
        min(len(stored), len(hashes)),
    )
    node = index + offset
    first, last = (node << level) + 1, (node + 1) << level
    where = f"leaf of position {first}" if level == 0 else f"node over positions {first}-{last}"
    state = "missing" if offset >= len(stored) else "different from the recomputed one"
    raise ChainBroken(first, f"the stored Merkle {where} is {state}")


def _signed_heads(
    tree: SqliteTree, head_file: Path | None, public: Ed25519PublicKey | None
) -> dict[int, SignedHead]:
    """The heads to hold the rows to, by size: every head in the database and the head file's.
    A head that is not signed by the log's key is itself the finding."""
    heads = {head.size: head for head in tree.heads()}
    try:
        from_file = read_head_file(head_file) if head_file is not None else None
    except ValueError as e:
        raise ChainBroken(1, str(e)) from None
    if from_file is not None:
        known = heads.get(from_file.size)
        if known is not None and known.root != from_file.root:
            raise ChainBroken(
                1, f"the head file and the database disagree on the root of size {from_file.size}"
            )
        heads.setdefault(from_file.size, from_file)
    if public is not None:
        latest = [max(heads.values(), key=lambda h: h.size)] if heads else []
        for head in [*latest, *([from_file] if from_file else [])]:
            if not head_is_signed(public, head):
                raise ChainBroken(1, f"the signed head of size {head.size} is not signed by this log's key")
    return heads


def _start(conn: sqlite3.Connection, tree: SqliteTree, after: int) -> tuple[str, dict[int, bytes]]:
    if not after:
        return GENESIS_HASH, {}
    row = conn.execute("SELECT hash FROM events WHERE position = ?", [after]).fetchone()
    if row is None:
        raise ChainBroken(after, "the position to resume from is missing")
    try:
        return row[0], dict(tree.frontier(after).nodes)
    except MissingNodes as e:
        raise ChainBroken(after, f"{e}; run a full `timeline verify`") from None


def _pages(conn: sqlite3.Connection, after: int) -> Iterator[list[tuple]]:
    columns = (
        "position, event_id, stream, version, type, schema_version, occurred, recorded_at, "
        "payload, source, prev_hash, hash"
    )
    while True:
        try:
            rows = conn.execute(
                f"SELECT {columns} FROM events WHERE position > ? ORDER BY position LIMIT ?", [after, PAGE]
            ).fetchall()
        except sqlite3.DatabaseError as e:  # a damaged page: what lies beyond cannot be proven
            raise ChainBroken(after + 1, f"the database file is damaged ({e}); restore a backup") from e
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


def _first_since(heads: dict[int, SignedHead], size: int) -> int:
    """The first position after the last head (below `size`) that the rows still matched."""
    earlier = [s for s in heads if s < size]
    return max(earlier) + 1 if earlier else 1


def _rewritten(head: SignedHead) -> str:
    return (
        f"the first {head.size} events do not match the head signed at {head.signed_at:%Y-%m-%dT%H:%M:%SZ} "
        f"for size {head.size}: an event up to position {head.size} was rewritten with its hashes recomputed"
    )


def _check_heads(tree: SqliteTree, heads: dict[int, SignedHead], size: int, after: int) -> None:
    for head in sorted(heads.values(), key=lambda h: h.size):
        if head.size > size:
            raise ChainBroken(
                size + 1,
                f"the log ends at position {size}, but a signed head covers {head.size} events: "
                "acknowledged events are missing (a truncated WAL or an old copy of the file)",
            )
    # The latest head at or below the resume point of an incremental walk: held to the stored tree.
    below = [head for head in heads.values() if 0 < head.size <= after]
    if below:
        head = max(below, key=lambda h: h.size)
        if tree.root(head.size).hex() != head.root:
            raise ChainBroken(_first_since(heads, head.size), _rewritten(head))


def _remember(definitions: dict[tuple[str, str], Definition], position: int, payload: str) -> None:
    event = _decode_definition(payload)
    key = (event.KIND, event.key)
    sha = getattr(event, "text_sha256", None)
    if sha is None and getattr(event, "text", None) is not None:
        sha = hashlib.sha256(event.text.encode()).hexdigest()  # type: ignore[union-attr]
    earlier = definitions.get(key)
    if sha is None and earlier is not None:
        sha = earlier.text_sha256
    definitions[key] = Definition(position, event.entry, sha)


def _check_catalogues(conn: sqlite3.Connection, definitions: dict[tuple[str, str], Definition]) -> None:
    """Every catalogue row is its latest definition in the log; once the log defines catalogues,
    no row may come from anywhere else."""
    for kind, (table, key, cls) in _TABLES.items():
        text = ", text_sha256, text" if table == "sources" else ", NULL, NULL"
        for row in conn.execute(f"SELECT {key}, data, position{text} FROM {table} ORDER BY {key}"):
            ident, data, position, sha, archived = row
            defined = definitions.get((kind, ident))
            if defined is None:
                if definitions and position is None:
                    raise ChainBroken(1, f"the {table} table holds {ident!r}, which no event defines")
                if position is None:
                    continue  # a database whose catalogues predate catalogue events
                raise ChainBroken(position, f"the {table} table's {ident!r} names a definition the log lacks")
            if position != defined.position or msgspec.json.decode(data, type=cls) != defined.entry:
                raise ChainBroken(
                    defined.position, f"the {table} table's {ident!r} differs from its definition in the log"
                )
            if sha != defined.text_sha256 or (
                archived is not None and hashlib.sha256(archived.encode()).hexdigest() != sha
            ):
                raise ChainBroken(defined.position, f"the archived text of source {ident!r} was changed")
