"""A backward pass visits its nodes in the order networkx's ``topological_sort`` gives their
induced subgraph (found without its views): the order its gradients are summed in."""

from __future__ import annotations

import random

import networkx as nx

from engine.autodiff import _topological


def test_the_order_is_networkx_topological_sort_of_the_subgraph() -> None:
    rng = random.Random(1)
    for _ in range(200):
        nodes = [object() for _ in range(rng.randint(1, 30))]
        graph: nx.DiGraph = nx.DiGraph()
        graph.add_nodes_from(nodes)
        graph.add_edges_from((a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]
                             if rng.random() < 0.2)
        order = list(nodes)
        rng.shuffle(order)  # wires need not follow the order nodes were added in
        graph = nx.relabel_nodes(graph, dict(zip(nodes, order, strict=True)))
        chosen = set(rng.sample(order, rng.randint(0, len(order))))  # fewer or more than half
        assert _topological(graph, chosen) == list(nx.topological_sort(graph.subgraph(chosen)))
