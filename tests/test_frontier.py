"""Live evaluation's frontier (the last previewed nodes) kept up to date by what changed: after
any edit it is what a search of the whole graph finds."""

from __future__ import annotations

import random

import numpy as np

from editor.compute.frontier import Frontier, last_nodes
from editor.compute.service import train_steps_and_below
from engine import Graph
from engine.registry import TRAIN_STEP, ops_with_role


def small_graph() -> Graph:
    graph = Graph()
    heads = [graph.add_node("variable", name=f"v{i}", value=np.ones(2)) for i in range(4)]
    for k in range(80):
        a, b = heads[k % 4], heads[(k + 1) % 4]
        heads[k % 4] = graph.add_node("add", [a, b], name=f"n{k}")
    return graph


def unwire_or_rewire(graph: Graph, rng: random.Random, what: str, undo: list) -> None:
    """A random edit of the wiring: ``"unwire"`` a wired input, or ``"rewire"`` a free one from
    a node before it (``undo``'s removals are forgotten: one goes back only onto the graph it
    left)."""
    nodes = graph.nodes
    if what == "unwire":
        wired = [(t, p) for t in nodes for p, s in enumerate(t.inputs) if s is not None]
        if wired:
            undo.clear()
            graph.disconnect(*rng.choice(wired))
    elif what == "rewire":
        free = [(t, p) for t in nodes for p, s in enumerate(t.inputs) if s is None]
        order = graph.topological_order()
        if free:
            target, port = rng.choice(free)
            if sources := order[: order.index(target)]:
                undo.clear()
                graph.connect(rng.choice(sources), target, port)


def test_the_frontier_follows_edits_as_a_search_of_the_whole_graph_would() -> None:
    rng = random.Random(11)
    graph = small_graph()
    step_type = ops_with_role(TRAIN_STEP)[0].type
    chosen = set(graph.nodes)
    frontier = Frontier()

    def follow(events: list) -> None:  # (held weakly by the graph: kept here)
        frontier.touch([n for e in events for n in (e.node, e.source) if n is not None])

    graph.subscribe(follow, batched=True)
    undo: list = []
    for round in range(120):
        what = rng.choice(["remove", "reinsert", "unwire", "rewire", "step", "choose", "drop"])
        nodes = graph.nodes
        if what == "remove" and len(nodes) > 3:
            undo.append(graph.remove_nodes(rng.sample(nodes, rng.randint(1, 3))))
        elif what == "reinsert" and undo:
            removal = undo.pop()
            graph.reinsert(removal)
            chosen |= set(rng.sample(removal.nodes, rng.randint(0, len(removal.nodes))))
        elif what in ("unwire", "rewire"):
            unwire_or_rewire(graph, rng, what, undo)
        elif what == "step":
            undo.clear()
            graph.add_node(step_type, [rng.choice(nodes)])
        elif what == "choose":
            chosen.add(picked := rng.choice(nodes))
            frontier.touch([picked])
        elif what == "drop" and chosen:
            dropped = set(rng.sample(sorted(chosen, key=lambda n: n.name),
                                     rng.randint(1, min(3, len(chosen)))))
            chosen -= dropped
            frontier.touch(dropped)
        chosen &= set(graph.nodes)
        frontier.update(chosen, graph)
        expected = last_nodes(chosen - train_steps_and_below(graph), graph)
        assert set(frontier.nodes) == set(expected), f"round {round}: {what}"


def test_train_steps_and_below_are_found_from_the_steps_the_graph_keeps() -> None:
    graph = small_graph()
    assert train_steps_and_below(graph) == set()
    step_type = ops_with_role(TRAIN_STEP)[0].type
    step = graph.add_node(step_type, [graph.get_node("n5")], name="step")
    after = graph.add_node("negative", [step], name="after")
    assert train_steps_and_below(graph) == {step, after}
    removal = graph.remove_nodes([step])
    assert train_steps_and_below(graph) == set() and graph.stateful_nodes() == []
    graph.reinsert(removal)
    assert train_steps_and_below(graph) == {step, after}
    assert graph.copy().stateful_nodes()[0].name == "step"
