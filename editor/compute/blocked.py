"""What a failure blocks: the nodes between its culprit and the failed node. A big graph's
previews fail the same way evaluation after evaluation (say, a placeholder without a value
above each of a hundred chains): the nodes between are kept per failure, and found again only
for the failures an edit rewired. Paths that overlap much (a long trunk under a hundred
heads) would hold the product of their lengths: past a limit the failures are walked
together, once per culprit, and nothing is kept."""

from __future__ import annotations

from collections.abc import Iterable

from engine.graph import STRUCTURAL, GraphEvent, Node, inputs_first

Path = tuple[frozenset[Node], frozenset[Node]]
"""The failed node and its ancestors; those of them below the culprit."""


class BlockedPaths:
    """The nodes blocked by failures of a graph whose events :meth:`follow` hears."""

    def __init__(self) -> None:
        self._paths: dict[tuple[Node, Node], Path] = {}
        self._touched: set[Node] = set()

    def follow(self, events: list[GraphEvent]) -> None:
        """Note the nodes whose inputs changed (or that went): the paths through them are
        found again."""
        self._touched.update(event.node for event in events if event.kind in STRUCTURAL)

    def blocked(self, failures: Iterable[tuple[Node, Node]], limit: int) -> set[Node]:
        """The nodes between each culprit and its failed node (the failed node too, if below
        its culprit; never the culprit), for ``(culprit, failed)`` pairs; paths of failures
        not asked about again are forgotten, and none is kept once together they would hold
        more than ``limit`` nodes (the compute service allows twice its graph's)."""
        touched, self._touched = self._touched, set()
        kept, self._paths = self._paths, {}
        failures = list(failures)
        blocked: set[Node] = set()
        held = 0
        for key in failures:
            path = kept.get(key)
            if path is None or not path[0].isdisjoint(touched):
                path = _path(*key)
            held += len(path[0])
            if held > limit:
                self._paths = {}
                return _together(failures)
            self._paths[key] = path
            blocked |= path[1]
        return blocked


def _path(culprit: Node, failed: Node) -> Path:
    """``failed`` and its ancestors, and those of them below ``culprit``."""
    order = inputs_first([failed])
    return frozenset(order), frozenset(_below(culprit, order))


def _together(failures: list[tuple[Node, Node]]) -> set[Node]:
    """What the failures block, walking the ancestors of each culprit's failed nodes once."""
    by_culprit: dict[Node, list[Node]] = {}
    for culprit, failed in failures:
        by_culprit.setdefault(culprit, []).append(failed)
    blocked: set[Node] = set()
    for culprit, failed_nodes in by_culprit.items():
        blocked |= _below(culprit, inputs_first(failed_nodes))
    return blocked


def _below(culprit: Node, order: list[Node]) -> set[Node]:
    """The nodes of ``order`` (inputs before consumers) below ``culprit``, in one pass."""
    below = {culprit}
    for node in order:
        if not below.isdisjoint(node.inputs):
            below.add(node)
    below.discard(culprit)
    return below
