"""What failures block, kept across evaluations and found again only where an edit rewired:
always what a search of the whole graph finds."""

from __future__ import annotations

import random
import tracemalloc

import networkx as nx
import pytest
from test_frontier import small_graph, unwire_or_rewire

from editor.compute.blocked import BlockedPaths
from engine import Graph


def whole_graph_search(graph: Graph, pairs: list) -> set:
    """What the failures block, by networkx over the whole graph."""
    expected: set = set()
    for culprit, failed in pairs:
        expected |= ((nx.ancestors(graph.nx, failed) | {failed})
                     & nx.descendants(graph.nx, culprit))
    return expected


@pytest.mark.parametrize("limit", [10**9, 40, 0], ids=["kept", "some kept", "walked together"])
def test_blocked_nodes_follow_edits_as_a_search_of_the_whole_graph_would(limit: int) -> None:
    rng = random.Random(5)
    graph = small_graph()
    paths = BlockedPaths()
    graph.subscribe(paths.follow, batched=True)
    undo: list = []
    last: list = []
    for turn in range(150):
        what = rng.choice(["remove", "reinsert", "unwire", "rewire", "none"])
        nodes = graph.nodes
        if what == "remove" and len(nodes) > 4:
            undo.append(graph.remove_nodes(rng.sample(nodes, 1)))
        elif what == "reinsert" and undo:
            graph.reinsert(undo.pop())
        elif what in ("unwire", "rewire"):
            unwire_or_rewire(graph, rng, what, undo)
        nodes = graph.nodes
        pairs = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(rng.randint(0, 3))]
        if turn % 3:  # the same failures again, as evaluation after evaluation
            pairs = pairs[:1] + [(c, f) for c, f in last if c in graph.nx
                                 and f in graph.nx]
        last = pairs
        expected = whole_graph_search(graph, pairs)
        assert paths.blocked(pairs, limit) == expected, f"turn {turn}: {what}"


def test_failures_under_one_long_trunk_keep_memory_of_the_graph_s_size() -> None:
    """A placeholder without a value above a trunk of 2,000 nodes and 200 heads hanging from
    its end: each head's path is the whole trunk. Kept apart, the paths would hold 400,000
    nodes (≈ 20 MB); walked together they hold none, and block what a search finds."""
    graph = Graph()
    top = graph.add_node("placeholder", name="x", attrs={"shape": [2], "dtype": "float64"})
    node = top
    for i in range(2000):
        node = graph.add_node("negative", [node], name=f"t{i}")
    heads = [graph.add_node("negative", [node], name=f"h{i}") for i in range(200)]
    pairs = [(top, head) for head in heads]
    paths = BlockedPaths()
    graph.subscribe(paths.follow, batched=True)
    tracemalloc.start()
    try:
        first = paths.blocked(pairs, 2 * len(graph))
        again = paths.blocked(pairs, 2 * len(graph))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first == again == whole_graph_search(graph, pairs)
    assert held < 2_000_000  # (the two results: ≈ 0.3 MB)
