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
