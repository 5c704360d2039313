"""Build the series' worked example from an empty document by mouse and keyboard only."""

import numpy as np
from conftest import EXAMPLE
from PySide6.QtCore import QPoint, Qt

from engine import Session, load_graph


def build_affine(canvas) -> None:
    """Add A, b, x, matmul and z (palette drags and Tab search), wire and fill them in."""
    canvas.window.view.setFocus()
    canvas.drop_from_palette("variable", QPoint(200, 150))
    canvas.rename("variable", "A")
    canvas.drop_from_palette("variable", QPoint(450, 450))
    canvas.rename("variable", "b")
    canvas.search_add("placeholder", QPoint(200, 330))
    canvas.rename("placeholder", "x")
    canvas.search_add("matm", QPoint(450, 200))
    canvas.drop_from_palette("add", QPoint(700, 300))
    canvas.rename("add", "z")
    canvas.wire("A", "matmul", "a")
    canvas.wire("x", "matmul", "b")
    canvas.wire("matmul", "z", "x")
    canvas.wire("b", "z", "y")
    canvas.select("A")
    canvas.type_field("value", "[[1, 0], [0, -1]]")
    canvas.select("b")
    canvas.type_field("value", "[1 1]")  # numpy's printed form works too
    canvas.select("x")
    canvas.type_field("attr:shape", "[2]")
    canvas.type_field("value", "[1, 2]")


def describe(graph):
    """Names, op types, wiring and values of a graph (positions aside)."""
    out = {}
    for node in graph:
        value = getattr(node, "value", None)
        out[node.name] = (node.type, [s.name if s else None for s in node.inputs],
                          None if value is None else value.tolist(), dict(node.attrs))
    return out


def test_build_the_worked_example_save_and_reopen(canvas, dialogs, tmp_path):
    build_affine(canvas)
    graph = canvas.graph
    assert describe(graph) == describe(load_graph(EXAMPLE))
    assert canvas.item("z").shape_text == "(2,)"
    assert "*" in canvas.window.windowTitle()

    dialogs.save_path = str(tmp_path / "mine")
    canvas.key(Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier, canvas.window)
    saved = tmp_path / "mine.json"
    assert saved.exists()
    assert canvas.window.windowTitle().startswith("mine.json —")

    canvas.key(Qt.Key_N, Qt.ControlModifier, canvas.window)
    assert len(canvas.graph) == 0
    dialogs.open_path = str(saved)
    canvas.open_by_menu()
    assert describe(canvas.graph) == describe(load_graph(EXAMPLE))
    z = canvas.graph.get_node("z")
    assert np.array_equal(Session(canvas.graph).run(z), [2, -1])
    assert dialogs.shown == []


def test_undo_everything_back_to_empty_then_redo(canvas):
    build_affine(canvas)
    built = describe(canvas.graph)
    stack = canvas.window.doc.undo_stack
    steps = stack.count()
    assert steps >= 17
    for _ in range(steps):
        canvas.key(Qt.Key_Z, Qt.ControlModifier, canvas.window)
    assert len(canvas.graph) == 0
    assert not canvas.scene.node_items and not canvas.scene.edge_items
    assert not canvas.window.doc.dirty
    for i in range(steps):
        key = Qt.Key_Y if i % 2 else Qt.Key_Z
        modifier = Qt.ControlModifier if i % 2 else Qt.ControlModifier | Qt.ShiftModifier
        canvas.key(key, modifier, canvas.window)
    assert describe(canvas.graph) == built
    assert len(canvas.scene.edge_items) == 4
    assert np.array_equal(Session(canvas.graph).run(canvas.graph.get_node("z")), [2, -1])
