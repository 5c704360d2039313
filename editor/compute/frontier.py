"""The last nodes of the previewed ones: what live evaluation asks for (their inputs come
along), kept up to date by what an edit or an evaluation changed, not found again in the whole
graph after each edit."""

from __future__ import annotations

from collections.abc import Iterable

from editor.compute.service import train_steps_and_below
from engine.graph import Graph, Node


def last_nodes(nodes: set[Node], graph: Graph) -> list[Node]:
    """The nodes of ``nodes`` none of whose consumers is in ``nodes``. Most of a big graph (at
    a document's start, all but the train steps and below) is walked by its complement: the
    nodes without consumers are networkx's (its out-degrees), those whose every consumer is
    left out lie above a node left out."""
    topology = graph.nx
    others = set(topology) - nodes
    if len(nodes) <= len(others):
        return [n for n in nodes if not any(c in nodes for c in topology.successors(n))]
    last = [n for n, degree in topology.out_degree if degree == 0 and n in nodes]
    above = {p for node in others for p in topology.predecessors(node) if p in nodes}
    return last + [n for n in above if not any(c in nodes for c in topology.successors(n))]


class Frontier:
    """The last nodes of a set of nodes, leaving out train steps and the nodes below them
    (:func:`last_nodes` of the rest). Told which nodes were touched — added, removed, wired,
    unwired, put in or out of the set — :meth:`update` looks again only at those and their
    inputs; the first update, a change of the train steps' part or many nodes touched (a big
    graph's first values dropped) find them all again."""

    def __init__(self) -> None:
        self.nodes: dict[Node, None] = {}
        """The last nodes, in the order found."""
        self._touched: set[Node] | None = None
        """The nodes touched since the last update (None: look at every node)."""
        self._below: set[Node] = set()

    def touch(self, nodes: Iterable[Node]) -> None:
        """``nodes`` were added, removed, wired or unwired, or put in or out of the set."""
        if self._touched is not None:
            self._touched.update(nodes)

    def update(self, chosen: set[Node], graph: Graph) -> bool:
        """Bring the last nodes of ``chosen`` up to date; true if they changed."""
        below = train_steps_and_below(graph)
        touched = self._touched
        if touched is None or below != self._below or len(touched) > len(graph) // 8:
            found = dict.fromkeys(last_nodes(chosen - below, graph))  # (in C, mostly)
        else:
            found = dict(self.nodes)
            topology = graph.nx
            pred, succ = topology.pred, topology.succ
            near = set(touched)
            for node in touched:
                if node in topology:
                    near.update(pred[node])
            for node in near:
                if (node in topology and node in chosen and node not in below
                        and not any(c in chosen and c not in below for c in succ[node])):
                    found.setdefault(node)
                else:
                    found.pop(node, None)
        self._touched, self._below = set(), below
        changed = found.keys() != self.nodes.keys()
        self.nodes = found
        return changed
