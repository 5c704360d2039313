"""Undoing a deletion puts the nodes back in their places in the graph's order (files stay the
same), whichever nodes went."""

from __future__ import annotations

import random

import numpy as np

from engine import Graph


def test_removed_nodes_go_back_to_their_places_whichever_went() -> None:
    rng = random.Random(3)
    graph = Graph()
    for i in range(40):
        graph.add_node("constant", name=f"c{i}", value=np.float64(i))
    before = [n.name for n in graph.nodes]
    for size in (1, 2, 7, 39, 40):
        chosen = rng.sample(before, size)
        places = graph.places_of(chosen)
        assert list(places) == [n for n in before if n in chosen]  # in the graph's order
        assert all(before[i] == name for name, i in places.items())
        graph.reinsert(graph.remove_nodes(chosen))
        assert [n.name for n in graph.nodes] == before
    assert graph.places_of([]) == {}
