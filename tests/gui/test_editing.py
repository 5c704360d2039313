"""Selecting, deleting, copying, renaming, moving and editing properties, with undo."""

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QContextMenuEvent, QHelpEvent
from PySide6.QtWidgets import QApplication, QLabel, QToolTip

from editor.document import BLOCKED, ERROR, INCOMPLETE


def names(graph):
    return sorted(n.name for n in graph)


def test_copy_paste_keeps_the_wires_among_the_copied_nodes(affine):
    affine.select("x", "matmul")
    affine.key(Qt.Key_C, Qt.ControlModifier)
    affine.qtbot.mouseMove(affine.viewport, QPoint(600, 600))
    affine.key(Qt.Key_V, Qt.ControlModifier)
    graph = affine.graph
    assert names(graph) == ["A", "b", "matmul", "matmul_1", "x", "x_1", "z"]
    pasted = graph.get_node("matmul_1")
    assert [s.name if s else None for s in pasted.inputs] == [None, "x_1"]
    assert np.array_equal(graph.get_node("x_1").value, [1, 2])
    assert {n.name for n in affine.scene.selected_nodes()} == {"x_1", "matmul_1"}
    assert affine.item("x_1").pos() != affine.item("x").pos()
    affine.key(Qt.Key_V, Qt.ControlModifier)
    assert "matmul_2" in names(graph) and "x_2" in names(graph)
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert names(graph) == ["A", "b", "matmul", "x", "z"]


def test_cut_and_duplicate(affine):
    affine.select("b")
    affine.key(Qt.Key_D, Qt.ControlModifier)
    assert "b_1" in names(affine.graph)
    affine.select("A")
    affine.key(Qt.Key_X, Qt.ControlModifier)
    assert "A" not in affine.graph
    assert affine.graph.get_node("matmul").inputs[0] is None
    affine.key(Qt.Key_V, Qt.ControlModifier)
    assert "A" in affine.graph  # the name is free again


def test_rename_to_a_duplicate_name_is_refused(affine):
    affine.rename("b", "A")
    assert names(affine.graph) == ["A", "b", "matmul", "x", "z"]
    assert "already exists" in affine.status()
    affine.rename("b", "bad name!")
    assert "invalid node name" in affine.status()
    affine.select("b")
    affine.key(Qt.Key_F2)
    affine.qtbot.waitUntil(lambda: affine.view._rename_edit is not None)
    edit = affine.view._rename_edit
    affine.qtbot.keyClicks(edit, "bias")
    affine.key(Qt.Key_Return, widget=edit)
    assert names(affine.graph) == ["A", "bias", "matmul", "x", "z"]
    assert affine.window.properties.fields["name"].widget.text() == "bias"


def test_escape_cancels_renaming(affine):
    affine.qtbot.mouseDClick(affine.viewport, Qt.LeftButton, Qt.NoModifier, affine.title("b"))
    affine.qtbot.waitUntil(lambda: affine.view._rename_edit is not None)
    edit = affine.view._rename_edit
    affine.qtbot.keyClicks(edit, "zzz")
    affine.key(Qt.Key_Escape, widget=edit)
    assert names(affine.graph) == ["A", "b", "matmul", "x", "z"]


def test_delete_removes_nodes_and_wires_and_undo_restores_them(affine):
    affine.select("matmul")
    affine.key(Qt.Key_Delete)
    assert "matmul" not in affine.graph
    assert len(affine.scene.edge_items) == 1
    assert affine.item("z").state == INCOMPLETE
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    matmul = affine.graph.get_node("matmul")
    assert [s.name for s in matmul.inputs] == ["A", "x"]
    assert affine.graph.get_node("z").inputs[0] is matmul
    assert len(affine.scene.edge_items) == 4


def test_delete_a_selected_wire_with_backspace(affine):
    edge = affine.scene.edge_items[affine.graph.get_node("z"), 1]
    middle = edge.path().pointAtPercent(0.5)
    affine.click(affine.at(middle))
    assert edge.isSelected()
    affine.key(Qt.Key_Backspace)
    assert affine.graph.get_node("z").inputs[1] is None
    assert "b" in affine.graph


def test_dragging_a_node_is_one_undo_step(affine):
    item = affine.item("b")
    start = QPointF(item.pos())
    affine.drag(affine.title("b"), affine.title("b") + QPoint(120, 80), steps=6)
    assert item.pos() == start + QPointF(120, 80)
    assert affine.graph.get_node("b").ui["pos"] == [start.x() + 120, start.y() + 80]
    edge = affine.scene.edge_items[affine.graph.get_node("z"), 1]
    assert edge.path().pointAtPercent(0) == item.port_scene_pos(("out", 0))
    assert affine.window.doc.undo_stack.count() == 1
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert item.pos() == start
    assert edge.path().pointAtPercent(0) == item.port_scene_pos(("out", 0))


def test_moving_a_selection_together(affine):
    affine.select("A", "x")
    a, x = QPointF(affine.item("A").pos()), QPointF(affine.item("x").pos())
    affine.drag(affine.title("A"), affine.title("A") + QPoint(-50, 0))
    assert affine.item("A").pos() == a - QPointF(50, 0)
    assert affine.item("x").pos() == x - QPointF(50, 0)
    assert affine.window.doc.undo_stack.count() == 1


def test_rubber_band_and_select_all(affine):
    corner = affine.at(affine.item("A").pos()) - QPoint(20, 20)
    far = affine.at(affine.item("x").sceneBoundingRect().bottomRight()) + QPoint(10, 10)
    affine.drag(corner, far)
    assert {n.name for n in affine.scene.selected_nodes()} == {"A", "x"}
    affine.click(affine.title("z"), Qt.ShiftModifier)
    assert {n.name for n in affine.scene.selected_nodes()} == {"A", "x", "z"}
    affine.click(QPoint(5, 5))
    assert affine.scene.selected_nodes() == []
    affine.key(Qt.Key_A, Qt.ControlModifier)
    assert len(affine.scene.selected_nodes()) == 5


def test_properties_say_when_several_nodes_are_selected(affine):
    panel = affine.window.properties

    def hint() -> str:
        return " ".join(label.text() for label in panel.findChildren(QLabel)
                        if label.isVisible())

    affine.select("A", "x")
    assert "2 nodes are selected: select one" in hint() and not panel.fields
    affine.click(affine.title("z"), Qt.ControlModifier)
    assert "3 nodes are selected" in hint()
    affine.select("z")
    assert panel.fields["name"].widget.text() == "z"
    affine.click(QPoint(5, 5))
    assert "Select a node to see and edit its properties." in hint()


def test_properties_apply_valid_text_and_show_errors(affine):
    affine.select("A")
    fields = affine.window.properties.fields
    assert fields["value"].widget.text() == "[[1, 0], [0, -1]]"
    affine.type_field("value", "[[1, 0], [0")
    assert fields["value"].error.isVisible()
    assert fields["value"].error.text() == "'[' at character 10 is not closed: add ']'"
    assert np.array_equal(affine.graph.get_node("A").value, [[1, 0], [0, -1]])
    affine.type_field("value", "[[2., 0.], [0., 2.]]")
    assert not fields["value"].error.isVisible()
    assert np.array_equal(affine.graph.get_node("A").value, [[2, 0], [0, 2]])
    affine.type_field("value", "[[1, 0, 0]]")
    assert affine.item("A").shape_text == "(1,3)"
    assert affine.item("matmul").state == ERROR and affine.item("z").state == BLOCKED
    affine.type_field("value", "[[1, 0], [0, -1]]")
    assert affine.item("matmul").state == "ok" and affine.item("z").shape_text == "(2,)"

    affine.select("x")
    fields = affine.window.properties.fields
    affine.type_field("value", "[1, 2, 3]")
    assert "does not fit shape (2,)" in fields["value"].error.text()
    affine.type_field("attr:shape", "[3]")
    assert "does not fit" in fields["attr:shape"].error.text()
    assert affine.graph.get_node("x").shape == (2,)
    affine.type_field("value", "")
    assert affine.graph.get_node("x").value is None
    assert affine.item("x").preview_text() == "fed at run time"
    affine.type_field("attr:shape", "[3]")
    assert affine.graph.get_node("x").shape == (3,)
    assert affine.item("matmul").state == ERROR
    assert "matmul" in affine.item("matmul").tooltip()
    assert affine.item("z").state == BLOCKED
    assert affine.item("A").state == "ok"
    assert affine.item("x").state == ERROR  # selected, and it has no value to show
    assert "needs a value" in affine.item("x").tooltip()
    affine.key(Qt.Key_Z, Qt.ControlModifier, affine.window)  # x is (2,) again, still empty
    assert affine.item("matmul").state == affine.item("z").state == BLOCKED
    affine.key(Qt.Key_Z, Qt.ControlModifier, affine.window)  # and has its value back
    assert affine.item("matmul").state == affine.item("z").state == "ok"
    assert affine.item("x").state == "ok"


def test_properties_edit_attributes(canvas):
    canvas.search_add("reduce_sum", QPoint(300, 300))
    fields = canvas.window.properties.fields
    canvas.type_field("attr:axis", "[0, 1]")
    node = canvas.graph.get_node("reduce_sum")
    assert node.attrs["axis"] == (0, 1)
    canvas.type_field("attr:axis", "x")
    assert fields["attr:axis"].error.isVisible()
    assert node.attrs["axis"] == (0, 1)
    box = fields["attr:keepdims"].widget
    canvas.qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))
    assert node.attrs["keepdims"] is True
    canvas.key(Qt.Key_Z, Qt.ControlModifier, canvas.window)
    assert node.attrs["keepdims"] is False
    assert not fields["attr:keepdims"].widget.isChecked()


def test_palette_filter_and_activation(canvas):
    palette = canvas.window.op_palette
    canvas.qtbot.keyClicks(palette.filter, "soft")
    tree = palette.tree
    assert not tree.op_item("softmax").isHidden()
    assert tree.op_item("add").isHidden()
    assert tree.op_item("softmax").toolTip(0)
    tree.setCurrentItem(tree.op_item("softmax"))
    canvas.key(Qt.Key_Return, widget=tree)
    assert [n.type for n in canvas.graph] == ["softmax"]
    canvas.qtbot.mouseDClick(canvas.viewport, Qt.LeftButton, Qt.NoModifier, QPoint(100, 500))
    assert canvas.view.search.isVisible()
    canvas.key(Qt.Key_Escape, widget=canvas.view.search.edit)
    assert not canvas.view.search.isVisible()


def test_hovering_a_node_shows_its_description_and_error(affine):
    affine.select("x")
    affine.type_field("value", "")
    affine.type_field("attr:shape", "[3]")
    affine.type_field("value", "[1, 2, 3]")
    point = affine.title("matmul")
    event = QHelpEvent(QEvent.ToolTip, point, affine.viewport.mapToGlobal(point))
    QApplication.sendEvent(affine.viewport, event)
    assert "Matrix product" in QToolTip.text()
    assert "matmul" in QToolTip.text() and "(2,2)" in QToolTip.text().replace(" ", "")


def test_placeholder_dtype_is_chosen_from_a_list(affine):
    affine.select("x")
    combo = affine.window.properties.fields["attr:dtype"].widget
    assert combo.currentText() == "float64"
    combo.setFocus()
    affine.key(Qt.Key_Up, widget=combo)  # float64 → float32
    x = affine.graph.get_node("x")
    assert x.dtype == "float32" and x.value.dtype == np.float32
    affine.key(Qt.Key_Z, Qt.ControlModifier, affine.window)
    assert x.dtype == "float64"
    assert affine.window.properties.fields["attr:dtype"].widget.currentText() == "float64"


def test_right_click_menu_acts_on_the_node_under_the_cursor(affine, monkeypatch):
    shown = []

    def show_menu(actions, at):  # instead of the blocking QMenu.exec
        shown.append([a.text().replace("&", "").split("\t")[0] for a in actions
                      if a is not None])
        affine.window.duplicate_action.trigger()

    monkeypatch.setattr(affine.view, "show_menu", show_menu)
    affine.select("A")
    point = affine.title("b")
    QApplication.sendEvent(affine.viewport, QContextMenuEvent(
        QContextMenuEvent.Mouse, point, affine.viewport.mapToGlobal(point)))
    assert shown[-1] == ["Rename…", "Delete", "Duplicate", "Step Through From Here",
                         "Copy Value"]  # the node's own menu
    assert names(affine.graph) == ["A", "b", "b_1", "matmul", "x", "z"]
    point = QPoint(5, 5)  # empty canvas: the canvas's menu
    QApplication.sendEvent(affine.viewport, QContextMenuEvent(
        QContextMenuEvent.Mouse, point, affine.viewport.mapToGlobal(point)))
    assert {"Add Node…", "Paste", "Arrange", "Frame All"} <= set(shown[-1])


def type_into(canvas, edit, text: str) -> None:
    """Replace the text of ``edit`` by typing, then press Enter."""
    edit.setFocus()
    canvas.key(Qt.Key_A, Qt.ControlModifier, edit)
    canvas.key(Qt.Key_Backspace, widget=edit)
    canvas.qtbot.keyClicks(edit, text)
    canvas.key(Qt.Key_Return, widget=edit)


def test_a_variable_gets_an_initializer_from_its_properties(canvas):
    canvas.search_add("variable", QPoint(300, 300))
    node = canvas.graph.get_node("variable")
    canvas.type_field("value", "[1, 2, 3]")
    field = canvas.window.properties.fields["attr:initializer"]
    editor = field.widget
    assert editor.kind.currentText() == "none" and not editor.shape.isVisible()
    editor.kind.setFocus()
    for _ in range(3):  # none → zeros → ones → random_normal, each drawn at once
        canvas.key(Qt.Key_Down, widget=editor.kind)
    assert editor.kind.currentText() == "random_normal"
    assert editor.shape.text() == "3" and editor.parameters["stddev"].isVisible()
    assert not editor.parameters["minval"].isVisible()
    seed = int(editor.seed.text())  # a seed is chosen, so that Reset draws the same again
    np.testing.assert_array_equal(node.value, np.random.default_rng(seed).normal(0, 1, 3))
    assert canvas.window.undo_action.text() == "Undo Set variable's initializer"

    type_into(canvas, editor.shape, "2, 3")
    type_into(canvas, editor.seed, "7")
    drawn = np.random.default_rng(7).normal(0.0, 1.0, (2, 3))
    np.testing.assert_array_equal(node.value, drawn)
    assert canvas.item("variable").preview_text().startswith("[[")
    type_into(canvas, editor.parameters["stddev"], "wide")
    assert field.error.isVisible() and "stddev: expected a number" in field.error.text()
    np.testing.assert_array_equal(node.value, drawn)

    canvas.graph.reset_variables()  # what Reset variables runs: the same values again
    np.testing.assert_array_equal(node.value, drawn)
    canvas.window.undo_action.trigger()  # the seed: the values drawn before it come back
    assert editor.seed.text() == str(seed) and node.value.shape == (2, 3)
    np.testing.assert_array_equal(node.value, np.random.default_rng(seed).normal(0, 1, (2, 3)))
    for _ in range(4):  # the shape, then each kind chosen
        canvas.window.undo_action.trigger()
    assert node.initializer is None and node.value.tolist() == [1, 2, 3]
    assert editor.kind.currentText() == "none"
