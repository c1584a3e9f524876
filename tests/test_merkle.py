"""RFC 9162 hashing and proofs against the RFC 6962 reference vectors and against pymerkle."""

from __future__ import annotations

import random

import pytest
from pymerkle import InmemoryTree

from events import merkle

# The Certificate Transparency reference test data (RFC 6962's reference implementation): eight
# leaf inputs, the tree heads of sizes 0..8, and some inclusion and consistency proofs.
DATA = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, proof)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [  # (first size, second size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


class MemoryTree:
    """Leaves in a list and every perfect subtree in a dict, as `events.tree` stores them."""

    def __init__(self, data: list[bytes]) -> None:
        self.leaves = [merkle.leaf_hash(d) for d in data]
        self.frontier = merkle.Frontier()
        self.nodes: dict[merkle.Node, bytes] = {}
        for leaf in self.leaves:
            self.nodes.update(self.frontier.append(leaf))

    def read(self, wanted: list[merkle.Node]) -> dict[merkle.Node, bytes]:
        return {node: self.nodes[node] for node in wanted}

    def root(self, size: int) -> bytes:
        return merkle.range_hashes([(0, size)], self.read)[0] if size else merkle.EMPTY_ROOT

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return merkle.range_hashes(merkle.inclusion_ranges(index, size), self.read)

    def consistency(self, first: int, second: int) -> list[bytes]:
        return merkle.range_hashes(merkle.consistency_ranges(first, second), self.read)


def test_roots_match_the_reference_tree_heads() -> None:
    tree = MemoryTree(DATA)
    assert [tree.root(n).hex() for n in range(9)] == ROOTS
    assert tree.frontier.root().hex() == ROOTS[8]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_reference(index: int, size: int, proof: list[str]) -> None:
    tree = MemoryTree(DATA)
    assert [h.hex() for h in tree.inclusion(index, size)] == proof
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(index, size, tree.leaves[index], [bytes.fromhex(p) for p in proof], root)
    assert not merkle.verify_inclusion(index, size, tree.leaves[index - 1], tree.inclusion(index, size), root)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(first: int, second: int, proof: list[str]) -> None:
    tree = MemoryTree(DATA)
    assert [h.hex() for h in tree.consistency(first, second)] == proof
    old, new = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert merkle.verify_consistency(first, second, [bytes.fromhex(p) for p in proof], old, new)


def test_roots_and_inclusion_paths_agree_with_pymerkle() -> None:
    rng = random.Random(9162)
    data = [rng.randbytes(rng.randint(0, 40)) for _ in range(70)]
    ours = MemoryTree(data)
    theirs = InmemoryTree(algorithm="sha256")
    for item in data:
        theirs.append_entry(item)
    for size in range(1, len(data) + 1):
        assert ours.root(size) == theirs.get_root(size)
        for index in range(size):
            # pymerkle's path starts with the leaf itself; RFC 9162's path is what follows it.
            path = [bytes.fromhex(h) for h in theirs.prove_inclusion(index + 1, size).serialize()["path"]]
            assert ours.inclusion(index, size) == path[1:]


def test_every_proof_of_every_size_verifies_and_a_changed_hash_fails() -> None:
    data = [bytes([i, i * 7 % 256]) for i in range(37)]
    tree = MemoryTree(data)
    roots = [tree.root(n) for n in range(len(data) + 1)]
    for size in range(1, len(data) + 1):
        for index in range(size):
            proof = tree.inclusion(index, size)
            assert merkle.verify_inclusion(index, size, tree.leaves[index], proof, roots[size])
            other = tree.leaves[index - 1] if index else merkle.leaf_hash(b"not in the log")
            assert not merkle.verify_inclusion(index, size, other, proof, roots[size])
        for first in range(1, size + 1):
            proof = tree.consistency(first, size)
            assert merkle.verify_consistency(first, size, proof, roots[first], roots[size])
            if first < size:
                assert not merkle.verify_consistency(first, size, proof, roots[first - 1] or b"", roots[size])
                bent = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
                assert not merkle.verify_consistency(first, size, bent, roots[first], roots[size])


def test_a_history_rewritten_from_one_leaf_on_is_not_consistent() -> None:
    honest = MemoryTree(DATA)
    forged = MemoryTree([*DATA[:3], b"rewritten", *DATA[4:]])
    proof = forged.consistency(5, 8)
    assert not merkle.verify_consistency(5, 8, proof, honest.root(5), forged.root(8))
    assert merkle.verify_consistency(3, 8, forged.consistency(3, 8), honest.root(3), forged.root(8))
