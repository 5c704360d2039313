"""Wiring by dragging between ports: connect, refuse cycles, replace, move and disconnect."""

from PySide6.QtCore import QPoint, Qt


def inputs(graph, name):
    return [s.name if s is not None else None for s in graph.get_node(name).inputs]


def test_refuse_a_cycle_by_mouse(affine):
    before = {n.name: inputs(affine.graph, n.name) for n in affine.graph}
    affine.wire("z", "matmul", "a")
    assert "cycle" in affine.status()
    assert "z" in affine.status() and "matmul" in affine.status()
    affine.wire("z", "z", "y")
    assert "cycle" in affine.status()
    assert {n.name: inputs(affine.graph, n.name) for n in affine.graph} == before
    assert affine.window.doc.undo_stack.count() == 0


def test_drop_onto_an_occupied_input_replaces_the_wire(affine):
    affine.wire("b", "z", "x")
    assert inputs(affine.graph, "z") == ["b", "b"]
    assert len(affine.scene.edge_items) == 4
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert inputs(affine.graph, "z") == ["matmul", "b"]


def test_drag_from_an_input_port_backwards(affine):
    affine.drag(affine.port("z", "y"), affine.port("z", "y") + QPoint(0, 200))
    assert inputs(affine.graph, "z") == ["matmul", None]
    affine.drag(affine.port("z", "y"), affine.port("A"))
    assert inputs(affine.graph, "z") == ["matmul", "A"]


def test_drag_a_wire_end_off_an_input_disconnects_it(affine):
    affine.drag(affine.port("z", "y"), affine.port("z", "y") + QPoint(80, 150))
    assert inputs(affine.graph, "z") == ["matmul", None]
    assert (affine.graph.get_node("z"), 1) not in affine.scene.edge_items
    assert affine.item("z").shape_text == "?"
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert inputs(affine.graph, "z") == ["matmul", "b"]
    assert affine.item("z").shape_text == "(2,)"


def test_drag_a_wire_end_onto_another_input_moves_it(affine):
    affine.drag(affine.port("matmul", "b"), affine.port("z", "y"))
    assert inputs(affine.graph, "matmul") == ["A", None]
    assert inputs(affine.graph, "z") == ["matmul", "x"]
    assert affine.window.doc.undo_stack.count() == 1


def test_escape_cancels_a_wire_drag(affine):
    start = affine.port("z", "y")
    affine.qtbot.mousePress(affine.viewport, Qt.LeftButton, Qt.NoModifier, start)
    affine.qtbot.mouseMove(affine.viewport, start + QPoint(60, 90))
    affine.key(Qt.Key_Escape)
    affine.qtbot.mouseRelease(affine.viewport, Qt.LeftButton, Qt.NoModifier, start + QPoint(60, 90))
    assert inputs(affine.graph, "z") == ["matmul", "b"]
    assert affine.scene.edge_items[affine.graph.get_node("z"), 1].isVisible()
    assert affine.window.doc.undo_stack.count() == 0
