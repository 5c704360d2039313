"""A graph keeps its nodes by op role through every edit, copy and undo, and answers the
questions a big graph's tools ask without a walk in Python over every node."""

from __future__ import annotations

import gc
import pickle
import threading

import networkx as nx

import engine as ts
from engine.gcpause import gc_paused
from engine.registry import LOSS, TRAIN_STEP, has_role


def by_walk(graph: ts.Graph, role: str) -> list[ts.Node]:
    """The nodes with ``role``, found the slow way: every node asked."""
    return [node for node in graph.nodes if has_role(node, role)]


def trained_graph() -> tuple[ts.Graph, ts.Node, ts.Node, ts.Node]:
    with ts.Graph().as_default() as g:
        w = ts.Variable([1.0, 2.0], name="w")
        t = ts.placeholder(shape=[2], name="t")
        loss = ts.reduce_sum(ts.square(w - t), name="loss")
        first = ts.train.add_train_node(g, loss, {"learning_rate": 0.5})
        ts.tanh(w, name="h")
        second = ts.train.AdamOptimizer().minimize(loss, name="adam")
    return g, loss, first, second


def test_the_role_index_follows_additions_removals_and_their_undo() -> None:
    g, loss, first, second = trained_graph()
    assert g.with_role(TRAIN_STEP) == [first, second] == by_walk(g, TRAIN_STEP)
    assert g.with_role(LOSS) == by_walk(g, LOSS)

    removal = g.remove_nodes(["train"])
    assert g.with_role(TRAIN_STEP) == [second]
    g.reinsert(removal)  # back at its place, before the newer train node
    assert g.with_role(TRAIN_STEP) == [first, second]
    g.remove_node("adam")
    assert g.with_role(TRAIN_STEP) == [first]
    g.remove_node(first)
    assert g.with_role(TRAIN_STEP) == [] == ts.train.train_nodes(g)
    third = ts.train.add_train_node(g, loss, name="later")
    fourth = ts.train.add_train_node(g, loss, name="latest")
    g.rename(third, "renamed")
    assert [n.name for n in ts.train.train_nodes(g)] == ["renamed", "latest"]
    assert g.with_role(TRAIN_STEP) == [third, fourth] == by_walk(g, TRAIN_STEP)


def test_copies_keep_the_role_index() -> None:
    g, *_ = trained_graph()
    for copy in (g.copy(), g.copy_later()(), pickle.loads(pickle.dumps(g))):
        assert [n.name for n in copy.with_role(TRAIN_STEP)] == ["train", "adam"]
        assert copy.with_role(TRAIN_STEP) == by_walk(copy, TRAIN_STEP)


def test_names_are_found_at_once_and_scalars_in_graph_order() -> None:
    g, loss, first, second = trained_graph()
    assert g.find_all(["loss", "nobody", "adam"]) == [loss, None, second]
    assert [n.name for n in g.scalars()] == ["loss", "train", "adam"]
    g.set_attr("t", "shape", [3])  # w - t no longer fits: no scalar below it
    assert g.scalars() == []


def test_pauses_of_the_collector_in_two_threads_overlap() -> None:
    """The collector resumes when the last pause ends, not when the first does."""
    entered, leave, left = threading.Event(), threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            entered.set()
            leave.wait(10)
        left.set()

    gc.enable()  # (the test run keeps it off: see conftest.py)
    try:
        with gc_paused():
            thread = threading.Thread(target=other)
            thread.start()
            assert entered.wait(10)
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other thread's pause still runs
        leave.set()
        assert left.wait(10)
        thread.join(10)
        assert gc.isenabled()
    finally:
        gc.disable()


def test_the_topological_order_is_sorted_once_per_version() -> None:
    g, loss, *_ = trained_graph()
    order = g.topological_order()
    assert order == list(nx.topological_sort(g.nx))
    order.pop()  # the caller's own list
    assert g.topological_order() == list(nx.topological_sort(g.nx))
    g.set_ui("w", pos=[10, 20])  # not a structural change: the kept order still holds
    assert g.topological_order() == list(nx.topological_sort(g.nx))
    after = g.add_node("tanh", [loss], name="after")
    assert g.topological_order() == list(nx.topological_sort(g.nx))
    assert after in g.topological_order()
    g.remove_nodes([after])
    assert after not in g.topological_order()
