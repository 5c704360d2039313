"""A session's plan order: the depth-first post-order networkx gives on the reversed wiring."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from engine import Graph, Session


def _random_dag(seed: int) -> Graph:
    """Sums of two earlier nodes (or of one node with itself) over a few constants."""
    rng = random.Random(seed)
    graph = Graph()
    nodes = [graph.add_node("constant", value=float(i), name=f"c{i}") for i in range(4)]
    for i in range(40):
        a, b = rng.choice(nodes), rng.choice(nodes[-6:])
        nodes.append(graph.add_node("add", [a, b], name=f"n{i}"))
    return graph


def _networkx_order(graph: Graph, fetches: list[str]) -> list[str]:
    reverse, order = graph.nx.reverse(copy=False), []
    for fetch in fetches:
        order += [n.name for n in nx.dfs_postorder_nodes(reverse, graph.get_node(fetch))
                  if n.name not in order]
    return order


@pytest.mark.parametrize("seed", range(6))
def test_the_plan_order_is_networkx_depth_first_post_order(seed):
    graph = _random_dag(seed)
    fetches = [f"n{i}" for i in random.Random(seed).sample(range(40), 3)]
    order = [node.name for node in Session(graph).evaluation_order(fetches)]
    assert order == _networkx_order(graph, fetches)
    assert len(set(order)) == len(order)
    place = {name: i for i, name in enumerate(order)}
    for name in order:  # inputs first
        assert all(place[i.name] < place[name] for i in graph.get_node(name).inputs)
