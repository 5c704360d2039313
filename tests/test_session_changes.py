"""Session.take_changes: what the value cache gained or lost since the last look."""

from __future__ import annotations

from pathlib import Path

import engine as ts

AFFINE = Path(__file__).parent.parent / "resources" / "examples" / "affine.json"


def names(nodes) -> set[str]:
    return {n.name for n in nodes}


def test_take_changes_reports_computed_and_dropped_values():
    graph = ts.load_graph(AFFINE)
    graph.add_node("negative", [graph.get_node("z")], name="neg")
    session = ts.Session(graph)
    assert session.take_changes() == ({}, set())
    session.run("z")
    computed, dropped = session.take_changes()
    assert names(computed) == {"A", "x", "matmul", "b", "z"} and not dropped
    assert computed[graph.get_node("z")].tolist() == [2, -1]
    assert session.take_changes() == ({}, set())  # nothing new
    graph.set_value("x", [3, 4])  # values are dropped by the next run, not by the edit
    session.run("z")
    computed, dropped = session.take_changes()
    assert names(computed) == {"x", "matmul", "z"} and names(dropped) == {"neg"}
    session.run("neg")
    computed, dropped = session.take_changes()
    assert names(computed) == {"neg"} and not dropped
    graph.remove_node("neg")
    assert session.take_changes() == ({}, set())
    session.close()
    assert names(session.take_changes()[1]) == {"A", "x", "matmul", "b", "z"}


def test_a_dropped_value_is_reported_once_an_edit_and_its_new_value_when_computed():
    graph = ts.load_graph(AFFINE)
    graph.add_node("negative", [graph.get_node("z")], name="neg")
    session = ts.Session(graph)
    session.run("neg")
    session.take_changes()
    graph.set_value("b", [0, 0])
    session.run("matmul")  # drops what lies below b, computes none of it
    assert names(session.take_changes()[1]) == {"b", "z", "neg"}
    for _ in range(2):
        session.run("matmul")
        assert session.take_changes() == ({}, set())  # not again at each look
    session.run("z")
    computed, dropped = session.take_changes()
    assert names(computed) == {"b", "z"} and not dropped
    assert computed[graph.get_node("z")].tolist() == [1, -2]  # matmul + b
    session.run("neg")
    assert names(session.take_changes()[0]) == {"neg"}
    graph.set_value("b", [0, 0])
    session.run("matmul")
    assert names(session.take_changes()[1]) == {"b", "z", "neg"}  # dropped anew: again
    graph.set_value("b", [1, 1])  # (not computed since: an edit drops them again)
    session.run("matmul")
    assert names(session.take_changes()[1]) == {"b", "z", "neg"}
