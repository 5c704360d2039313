"""What failures block, kept across evaluations and found again only where an edit rewired:
always what a search of the whole graph finds."""

from __future__ import annotations

import random

import networkx as nx
from test_frontier import small_graph, unwire_or_rewire

from editor.compute.blocked import BlockedPaths


def test_blocked_nodes_follow_edits_as_a_search_of_the_whole_graph_would() -> None:
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
        expected: set = set()
        for culprit, failed in pairs:
            expected |= ((nx.ancestors(graph.nx, failed) | {failed})
                         & nx.descendants(graph.nx, culprit))
        assert paths.blocked(pairs) == expected, f"turn {turn}: {what}"
