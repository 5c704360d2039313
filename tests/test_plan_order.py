"""A plan computes its nodes in the order of networkx's depth-first post-order over the
reversed wiring (found without its views): inputs before their consumers, as the series
teaches."""

from __future__ import annotations

import random

import networkx as nx

from engine.session import _postorder_from


def test_the_order_is_networkx_postorder_of_the_reversed_wiring() -> None:
    rng = random.Random(2)
    for _ in range(200):
        nodes = [object() for _ in range(rng.randint(1, 30))]
        graph: nx.DiGraph = nx.DiGraph()
        graph.add_nodes_from(nodes)
        graph.add_edges_from((a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]
                             if rng.random() < 0.2)
        order = list(nodes)
        rng.shuffle(order)  # wires need not follow the order nodes were added in
        graph = nx.relabel_nodes(graph, dict(zip(nodes, order, strict=True)))
        fetch = rng.choice(order)
        assert _postorder_from(graph._pred, fetch) == list(
            nx.dfs_postorder_nodes(graph.reverse(copy=False), fetch))
