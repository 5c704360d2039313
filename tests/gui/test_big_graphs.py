"""Large graphs by mouse and keys: select all, delete all and undo, zooming in from the
overview. Outcomes only (their speed is measured by bench/bench_big_graph.py)."""

from __future__ import annotations

import numpy as np
from conftest import open_graph
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from editor.canvas.items.edge import EdgeItem
from editor.canvas.items.node import READABLE_ZOOM, NodeItem
from editor.document import Command
from engine import Graph, Session


def chains(count: int, length: int) -> Graph:
    """``count`` chains of tanh(h + v), each step with its own variable, joined by a tree of
    adds into ``output``."""
    graph = Graph()
    heads = []
    for c in range(count):
        head = graph.add_node("variable", name=f"x{c}", value=np.full(3, 0.1 * c))
        for k in range(length):
            v = graph.add_node("variable", name=f"v{c}_{k}", value=np.full(3, 0.01 * k))
            head = graph.add_node("tanh", [graph.add_node("add", [head, v])])
        heads.append(head)
    while len(heads) > 1:
        heads = [graph.add_node("add", heads[i : i + 2]) if i + 1 < len(heads) else heads[i]
                 for i in range(0, len(heads), 2)]
    graph.rename(heads[0], "output")
    return graph


def wires(graph: Graph) -> set[tuple[str, int, str]]:
    return {(n.name, port, s.name) for n in graph for port, s in enumerate(n.inputs) if s}


def canvas_wires(scene) -> set[tuple[str, int, str]]:
    """The wires the canvas draws: from its index (far out, in the overview), their items
    made for what the view shows — each one of them."""
    indexed = {(target.name, port, source.name)
               for target, port, source, *_ in scene.index.wire_lines()}
    made = {(e.target.node.name, e.port, e.source.node.name) for e in scene.items()
            if isinstance(e, EdgeItem)}
    assert made <= indexed
    return indexed


def canvas_nodes(scene) -> dict[str, QPointF]:
    """The nodes the canvas draws, and where (their items, if made, there too)."""
    made = {i.node.name: i.pos() for i in scene.items() if isinstance(i, NodeItem)}
    indexed = {node.name: scene.node_rect(node).topLeft() + QPointF(NodeItem.HIT_R, 4)
               for node in scene.index.nodes()}
    assert all(indexed[name] == pos for name, pos in made.items())
    return indexed


def shows_output(canvas, expected) -> bool:
    view = canvas.window.tensor_view
    return ("output" in view.names and view.panel("output").value is not None
            and np.allclose(view.panel("output").value, expected))


def test_delete_all_and_undo_restore_every_node_wire_and_value(canvas, tmp_path):
    graph = chains(20, 33)  # about 2,000 nodes
    expected = Session(graph).run("output")
    names = [n.name for n in graph]
    open_graph(canvas, tmp_path, graph)
    graph = canvas.graph
    before = wires(graph)
    positions = canvas_nodes(canvas.scene)
    assert sorted(positions) == sorted(names)
    assert canvas_wires(canvas.scene) == before

    canvas.key(Qt.Key_A, Qt.ControlModifier)
    announced = []
    canvas.scene.selectionChanged.connect(lambda: announced.append(True))
    canvas.key(Qt.Key_Delete)
    assert len(graph) == 0 and canvas.scene.items() == []
    assert len(announced) == 1  # the selection went once, not once per node
    assert canvas.window.tensor_view.names == []

    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert [n.name for n in graph] == names and wires(graph) == before
    assert canvas_nodes(canvas.scene) == positions
    assert canvas_wires(canvas.scene) == before
    assert canvas.item("output").shape_text == "(3,)"
    assert canvas.scene.items(canvas.view.mapToScene(canvas.title("output")))  # indexed again
    canvas.click(canvas.title("output"))
    canvas.qtbot.waitUntil(lambda: shows_output(canvas, expected), timeout=10000)

    canvas.key(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)  # redo: all gone again
    assert len(graph) == 0 and canvas.scene.items() == []
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert wires(graph) == before and canvas_wires(canvas.scene) == before
    canvas.click(canvas.title("output"))
    canvas.qtbot.waitUntil(lambda: shows_output(canvas, expected), timeout=10000)


def test_from_home_on_10000_nodes_a_few_wheel_notches_bring_the_labels_back(canvas, tmp_path):
    graph = chains(50, 99)
    assert len(graph) >= 9_999
    open_graph(canvas, tmp_path, graph)
    view, viewport = canvas.view, canvas.viewport
    canvas.key(Qt.Key_Home)
    assert view.zoom() < 0.05 and canvas.scene.overview_mode  # the whole graph, far out
    target = canvas.item("v25_50")
    notches = 0
    while view.zoom() < READABLE_ZOOM:
        point = view.mapFromScene(target.sceneBoundingRect().center())
        under = view.mapToScene(point)
        event = QWheelEvent(QPointF(point), QPointF(viewport.mapToGlobal(point)), QPoint(),
                            QPoint(0, 120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(viewport, event)
        notches += 1
        moved = view.mapFromScene(under) - point
        assert abs(moved.x()) <= 2 and abs(moved.y()) <= 2  # around the cursor
    assert notches <= 5
    assert not canvas.scene.overview_mode
    assert viewport.rect().contains(view.mapFromScene(target.sceneBoundingRect().center()))
    zoom = view.zoom()  # a notch out undoes a notch in
    for delta in (-120, 120):
        point = view.mapFromScene(target.sceneBoundingRect().center())
        event = QWheelEvent(QPointF(point), QPointF(viewport.mapToGlobal(point)), QPoint(),
                            QPoint(0, delta), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase,
                            False)
        QApplication.sendEvent(viewport, event)
    assert abs(view.zoom() - zoom) < 1e-9


class AddThenDeleteAll(Command):
    """One edit that adds a node and deletes every node, the new one too."""

    def apply(self) -> None:
        self.graph.add_node("constant", name="extra", value=1.0)
        self.removal = self.graph.remove_nodes(list(self.graph))

    def revert(self) -> None:
        self.graph.reinsert(self.removal)
        self.graph.remove_node("extra")


def test_an_edit_that_removes_most_items_removes_the_ones_it_made_too(canvas, tmp_path):
    open_graph(canvas, tmp_path, chains(4, 40))  # over 500 items go in one edit
    graph = canvas.graph
    before = wires(graph)
    assert canvas.window.doc.execute(AddThenDeleteAll(canvas.window.doc, "Clear")) is None
    assert len(graph) == 0 and canvas.scene.items() == []
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert "extra" not in graph and canvas_wires(canvas.scene) == before
    assert sorted(canvas_nodes(canvas.scene)) == sorted(n.name for n in graph)
