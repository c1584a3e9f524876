"""RFC 9162 Merkle tree hashing, proofs and their verification, over stored subtree hashes.

Leaves are SHA-256(0x00 || data), interior nodes SHA-256(0x01 || left || right), and the tree of
n leaves splits at the largest power of two below n (RFC 9162, 2.1.1). Every hash a proof needs
is the hash of a range of leaves, and every such range is a run of *perfect* subtrees (2^level
leaves starting at a multiple of 2^level); those never change once complete, so the log stores
them (`events.tree`) and a proof at any size reads O(log n) of them.

Why not pymerkle: it recomputes subtree roots from the leaves and caches them per process, so a
cold proof at a million events reads half a million leaves. The functions here are tested
against pymerkle and the RFC 6962 reference vectors (`tests/test_merkle.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
Range = tuple[int, int]  # leaves [start, end)
Node = tuple[int, int]  # (level, index): the perfect subtree over leaves [index·2^level, (index+1)·2^level)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up leaves [start, end), left to right."""
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start & ((1 << level) - 1):  # align: a block starts at a multiple of its size
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its perfect subtrees' hashes (left to right): each split of the
    RFC's recursion puts the largest perfect subtree on the left."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes make up the inclusion proof of leaf `index` in a tree of `size`
    leaves, leaf-side first (RFC 9162, 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    start, end, outer = 0, size, []
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            outer.append((start + k, end))
            end = start + k
        else:
            outer.append((start, start + k))
            start += k
    return outer[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes make up the consistency proof from a tree of `first` leaves to
    one of `second` leaves (RFC 9162, 2.1.4.1)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second} leaves")
    start, end, whole, outer = 0, second, True, []
    while first != end:
        k = _split(end - start)
        if first - start <= k:
            outer.append((start + k, end))
            end = start + k
        else:
            outer.append((start, start + k))
            start += k
            whole = False
    if not whole:
        outer.append((start, end))
    return outer[::-1]


NodeReader = Callable[[list[Node]], dict[Node, bytes]]


def range_hashes(ranges: list[Range], read: NodeReader) -> list[bytes]:
    """The hash of each range, reading every perfect subtree they need in one call."""
    parts = [perfect_subtrees(start, end) for start, end in ranges]
    found = read(sorted({node for nodes in parts for node in nodes}))
    return [fold([found[node] for node in nodes]) for nodes in parts]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162, 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162, 2.1.4.2 (equal sizes: an empty proof and equal roots)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


class Frontier:
    """The right edge of a growing tree: the perfect subtrees covering its leaves, largest first.

    Appending a leaf completes at most log n new perfect subtrees; they are returned so the log
    can store them.
    """

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.nodes: list[tuple[int, bytes]] = [
            (level, h) for (level, _), h in zip(perfect_subtrees(0, size), hashes, strict=True)
        ]

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        index = self.size
        self.size += 1
        nodes = self.nodes
        level, h = 0, leaf
        completed = [((0, index), leaf)]
        while nodes and nodes[-1][0] == level:
            h = node_hash(nodes.pop()[1], h)
            level += 1
            completed.append(((level, index >> level), h))
        nodes.append((level, h))
        return completed

    def root(self) -> bytes:
        return fold([h for _, h in self.nodes])
