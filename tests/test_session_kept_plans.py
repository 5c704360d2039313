"""A structural change makes again only the plans it reached: a plan none of whose nodes
changed its wiring or attributes, nor went, is kept across graph versions — with the same
values as a session that makes every plan afresh."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import engine as ts
from engine import session as session_module


class Builds(Counter):
    """Plans made by the sessions in :attr:`sessions`, counted by their first fetch's name."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[ts.Session] = []

    def session(self, graph: ts.Graph) -> ts.Session:
        """A session whose plans are counted."""
        self.sessions.append(ts.Session(graph))
        return self.sessions[-1]


@pytest.fixture
def builds(monkeypatch):
    counts = Builds()
    compile_ = session_module.Session._compile

    def counted(self, fetches):
        if any(self is s for s in counts.sessions):
            counts[fetches[0].name] += 1
        return compile_(self, fetches)

    monkeypatch.setattr(session_module.Session, "_compile", counted)
    return counts


def two_branches() -> ts.Graph:
    """``left = a + b`` and ``right = -(c · 2)``: two cones that share nothing."""
    g = ts.Graph()
    with g.as_default():
        a, b = ts.Variable(np.array([1.0, 2.0]), name="a"), ts.Variable(3.0, name="b")
        c = ts.Variable(np.array([4.0]), name="c")
        ts.add(a, b, name="left")
        ts.negative(ts.multiply(c, ts.constant(2.0, name="two"), name="twice"), name="right")
    return g


def fresh(graph: ts.Graph, name: str):
    return ts.Session(graph).run(name)


def test_an_edit_makes_again_only_the_plans_it_reached(builds):
    g = two_branches()
    session = builds.session(g)
    assert session.run("left").tolist() == [4.0, 5.0] and session.run("right").tolist() == [-8.0]
    assert builds == {"left": 1, "right": 1}
    g.disconnect("left", 1)  # left's wiring: its plan goes, right's stays
    with pytest.raises(ts.EvaluationError, match="left: input 'y' is not connected"):
        session.run("left")
    assert session.run("right").tolist() == [-8.0]
    assert builds == {"left": 2, "right": 1}
    g.connect("c", "left", 1)
    assert session.run("left").tolist() == fresh(g, "left").tolist() == [5.0, 6.0]
    assert session.run("right").tolist() == [-8.0]
    assert builds == {"left": 3, "right": 1}
    g.set_value("c", np.array([1.0]))  # a value: no plan is made again
    assert session.run("right").tolist() == [-2.0] and session.run("left").tolist() == [2.0, 3.0]
    assert builds == {"left": 3, "right": 1}


def test_attributes_removals_and_new_consumers(builds):
    g = two_branches()
    session = builds.session(g)
    session.run("left"), session.run("right")
    with g.as_default():
        ts.negative(g.get_node("left"), name="below")  # a new consumer: no plan reached
    assert session.run("right").tolist() == [-8.0]
    assert builds == {"left": 1, "right": 1}
    removal = g.remove_nodes(["two"])  # a node of right's plan
    with pytest.raises(ts.EvaluationError, match="not connected"):
        session.run("right")
    assert session.run("left").tolist() == [4.0, 5.0]
    g.reinsert(removal)
    assert session.run("right").tolist() == fresh(g, "right").tolist() == [-8.0]
    assert builds == {"left": 1, "right": 3}


def test_many_changed_nodes_make_every_plan_again(builds):
    g = two_branches()
    session = builds.session(g)
    session.run("left"), session.run("right")
    with g.as_default():
        chain = g.get_node("a")
        for i in range(session_module.KEPT_PLANS + 1):
            chain = ts.negative(chain, name=f"n{i}")
    g.remove_nodes([f"n{i}" for i in range(session_module.KEPT_PLANS + 1)])
    assert session.run("right").tolist() == [-8.0]
    assert builds == {"left": 1, "right": 2}


def test_a_run_before_the_session_heard_of_an_edit_makes_its_plan_again(builds):
    """A listener called before the session (subscribed first) runs it: the edit is not
    known to the session yet, so no plan is kept."""
    g = two_branches()
    seen: list[object] = []

    def run_right(events) -> None:
        try:
            seen.append(session.run("right").tolist())
        except ts.EvaluationError as error:
            seen.append(error.node)

    g.subscribe(run_right, batched=True)
    session = builds.session(g)
    assert session.run("right").tolist() == [-8.0]
    g.disconnect("right", 0)
    assert seen == ["right"]  # not the stale -8.0
    g.unsubscribe(run_right)


def test_no_more_than_kept_plans_outlive_a_change(builds):
    """Plans of many fetches (clicks on many nodes of a big graph) are not kept across a
    structural change: each holds its cone."""
    g = two_branches()
    session = builds.session(g)
    with g.as_default():
        for i in range(session_module.KEPT_PLANS + 1):
            ts.negative(g.get_node("a"), name=f"m{i}")
    for i in range(session_module.KEPT_PLANS + 1):
        session.run(f"m{i}")
    session.run("right")
    g.disconnect("left", 1)
    assert session.run("right").tolist() == [-8.0]
    assert builds["right"] == 2


def test_more_plans_are_kept_when_together_they_hold_no_more_than_the_graph(builds):
    """A big graph's previews: a plan per chain, each chain's own nodes — an edit of one
    chain makes that chain's plan again only."""
    g = ts.Graph()
    count = session_module.KEPT_PLANS + 6
    with g.as_default():
        for i in range(count):
            ts.negative(ts.Variable(float(i), name=f"v{i}"), name=f"n{i}")
    session = builds.session(g)
    for i in range(count):
        session.run(f"n{i}")
    g.disconnect("n0", 0)
    g.connect("v1", "n0", 0)
    values = [float(session.run(f"n{i}")) for i in range(count)]
    assert values == [-1.0] + [-float(i) for i in range(1, count)]
    assert builds["n0"] == 2 and builds["n1"] == 1 and builds[f"n{count - 1}"] == 1
