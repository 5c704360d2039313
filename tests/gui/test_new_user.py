"""What a new user tripped on, repeated with real mouse and key events: each test is the
user's steps and what they must see."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

import engine as ts
from editor.document import ERROR, OK


def test_a_renamed_node_loses_its_error_mark_once_its_input_is_wired(affine) -> None:
    """Add reduce_sum with Tab (marked: its input is not connected), rename it J with F2, wire
    an input into it: the mark goes, and the Tensor dock shows J's value."""
    affine.search_add("reduce_sum", affine.at(QPointF(560, 300)))
    item = affine.item("reduce_sum")
    affine.qtbot.waitUntil(lambda: item.state != OK)
    assert "input 'x' is not connected" in item.message
    affine.key(Qt.Key.Key_F2)
    edit = affine.view._rename_edit
    affine.qtbot.waitUntil(lambda: edit is not None and edit.isVisible())
    affine.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier, edit)
    affine.qtbot.keyClicks(edit, "J")
    affine.key(Qt.Key.Key_Return, widget=edit)
    assert affine.item("J") is item
    affine.qtbot.waitUntil(lambda: "J: input 'x' is not connected" in item.message)
    affine.wire("z", "J", "x")
    affine.qtbot.waitUntil(lambda: item.state == OK)
    assert item.message == ""
    affine.qtbot.waitUntil(lambda: item.preview_text() == "1")  # z = [2, -1]


def test_nan_is_marked_on_the_node_that_first_made_it(canvas, tmp_path) -> None:
    """log of a negative number, summed further down: selecting the sum flags the log node
    (as errors are flagged), not the nodes that merely carry its NaN on."""
    with ts.Graph().as_default() as graph:
        v = ts.Variable([-1.0, 1.0, 4.0], name="v")
        logs = ts.log(v, name="logs")
        ts.reduce_sum(ts.square(logs, name="squared"), name="total")
    ts.save_graph(graph, tmp_path / "nan.json")
    assert canvas.window.open_file(tmp_path / "nan.json")
    canvas.select("total")
    item = canvas.item("logs")
    canvas.qtbot.waitUntil(lambda: item.state == ERROR)
    assert "logs (log) makes NaN of finite inputs: 1 of 3 values" in item.message
    assert canvas.item("squared").state == canvas.item("total").state == OK
    assert canvas.item("v").state == OK
    canvas.select("v")  # a finite value typed in place of -1 clears the mark
    canvas.type_field("value", "[1, 1, 4]")
    canvas.qtbot.waitUntil(lambda: item.state == OK)


def history(window) -> list[str]:
    """The History dock's entries, as it lists them (after "Start")."""
    model = window.history.model()
    return [model.index(row, 0).data() for row in range(1, model.rowCount())]


def test_history_entries_say_what_changed(affine) -> None:
    window = affine.window
    affine.drag(affine.port("matmul", "b"), affine.at(QPointF(330, 330)))  # pull the wire off
    affine.wire("x", "matmul", "b")
    affine.select("b")
    affine.type_field("value", "[0, 0]")
    affine.select("A", "b", "x")
    affine.key(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    affine.drag(affine.title("z"), affine.title("z") + QPoint(40, 0))
    assert history(window) == ["Disconnect matmul.b", "Connect x → matmul.b", "Set b = [0, 0]",
                               "Duplicate 3 nodes", "Move z"]


def run_training(qtbot, dock, steps: int):
    dock.steps.setValue(steps)
    with qtbot.waitSignal(dock.training_finished, timeout=60_000) as finished:
        qtbot.mouseClick(dock.train_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def test_training_again_continues_the_curve_and_another_document_starts_afresh(
        qtbot, window, canvas) -> None:
    """Train the MLP twice: the second run's curve and step count go on from the first's.
    Ctrl+Z takes the run back — and its figures with it; File › New shows no run at all."""
    example = next(a for a in window.examples_menu.actions() if a.text() == "mlp")
    example.trigger()
    dock = window.training.training
    assert run_training(qtbot, dock, 200).steps == 200
    second = run_training(qtbot, dock, 100)
    assert second.state["step"] == 300  # the optimizer keeps its step
    steps, losses = dock.loss_curve.points()
    assert steps.tolist() == list(range(1, 301))  # one curve, steps 1 to 300
    np.testing.assert_array_equal(losses[200:], second.losses)
    assert dock.progress.value() == dock.progress.maximum() == 300
    assert dock.loss_label.text() != "loss —"
    window.view.setFocus()
    canvas.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the second run undone
    assert dock.loss_label.text() == "loss —" and dock.progress.value() == 0
    assert dock.message.isHidden()
    window.new_action.trigger()  # another document: nothing of the MLP's runs
    assert dock.loss_curve.count == 0 and dock.loss_label.text() == "loss —"
    assert dock.progress.value() == 0 and dock.message.isHidden()
