"""The region tree as projections need it: parents, children and a fingerprint, built once.

`Reference.descendants` walks the whole catalogue per level; with thousands of regions the
queries need constant-time steps, so the tree is indexed here and cached per `Reference`
until that reference reloads its catalogue.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable, Iterator

from events.reference import Programme, Reference, Region
from projections.status_rules import StatusRules


class RegionTree:
    def __init__(self, regions: list[Region], programmes: Iterable[Programme] = ()) -> None:
        # The programmes' status rules travel with the tree: both are catalogue data the
        # projections need while they apply events.
        self.rules = StatusRules(programmes)
        self.regions = {region.code: region for region in regions}
        self.parents = {region.code: region.parent for region in regions}
        self.children: dict[str, list[str]] = {}
        for region in regions:
            if region.parent is not None:
                self.children.setdefault(region.parent, []).append(region.code)
        pairs = sorted((code, parent or "") for code, parent in self.parents.items())
        self.fingerprint = hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]
        self._lineage: dict[str, tuple[str, ...]] = {}
        self._spans: dict[str, tuple[str, str]] = {}

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Codes above `code`, nearest first (unknown codes have none)."""
        chain = self._lineage.get(code)
        if chain is None:
            found: list[str] = []
            parent = self.parents.get(code)
            while parent is not None and parent not in found:
                found.append(parent)
                parent = self.parents.get(parent)
            chain = self._lineage[code] = tuple(found)
        return chain

    def has_children(self, code: str) -> bool:
        return code in self.children

    def descendants(self, code: str) -> Iterator[str]:
        """Every code below `code`, depth first."""
        stack = list(reversed(self.children.get(code, [])))
        while stack:
            child = stack.pop()
            yield child
            stack.extend(reversed(self.children.get(child, [])))

    def span(self, root: str) -> tuple[str, str]:
        """The lowest and highest code of `root` and the codes below it. GB/T 2260 codes
        nest, so the span of a city holds little more than its counties; codes that do not
        nest only widen it, so a query filtering on it must still check `within`."""
        found = self._spans.get(root)
        if found is None:
            codes = [root, *self.descendants(root)]
            found = self._spans[root] = (min(codes), max(codes))
        return found

    def within(self, code: str, root: str) -> bool:
        """Whether `code` is `root` or lies below it."""
        return code == root or root in self.ancestors(code)


_TREES: weakref.WeakKeyDictionary[Reference, tuple[Region | None, int, RegionTree]] = (
    weakref.WeakKeyDictionary()
)


def tree_of(reference: Reference) -> RegionTree:
    """The tree of `reference`'s regions, rebuilt when the reference has reloaded them."""
    regions = reference.regions()
    first = regions[0] if regions else None
    cached = _TREES.get(reference)
    # Reference re-decodes every entry after an upsert, so identity of an entry tells staleness.
    if cached is not None and cached[0] is first and cached[1] == len(regions):
        return cached[2]
    tree = RegionTree(regions, reference.programmes())
    _TREES[reference] = (first, len(regions), tree)
    return tree
