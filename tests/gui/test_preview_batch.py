"""The preview batch: live values of a graph whose placeholders are bound to data are computed
from a batch of rows the user sees (on the placeholder, in the Tensor dock) and chooses (in the
Data dock); the document keeps every row."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

import engine as ts
from editor.app.preferences import settings
from editor.data.panel import PREVIEW_SIZE_KEY


def open_digits(window) -> None:
    (action,) = [a for a in window.examples_menu.actions() if a.text() == "digits"]
    action.trigger()


def hidden_of(window, rows: slice) -> np.ndarray:
    """The hidden layer's value for ``rows`` of the document's digits, computed here."""
    graph = window.doc.graph
    return ts.Session(graph).run("hidden1", {"X": graph.get_node("X").value[rows]})


def shows(canvas, name: str, expected: np.ndarray, rows: str) -> None:
    """Wait until the Tensor dock shows ``expected`` for ``name``, computed from ``rows``."""
    view = canvas.window.tensor_view

    def done() -> bool:
        if name not in view.names or view.panel(name).mode != "value":
            return False
        panel = view.panel(name)
        return (panel.value.shape == expected.shape and np.allclose(panel.value, expected)
                and panel.rows_label.text() == f"computed from {rows}")

    canvas.qtbot.waitUntil(done)


def test_a_hidden_layer_shows_the_preview_batch_and_follows_its_change(qtbot, window, canvas):
    open_digits(window)
    window.view.frame_all()
    canvas.select("hidden1")
    shows(canvas, "hidden1", hidden_of(window, slice(0, 32)), "rows 0–31 of 1,797")
    assert canvas.item("X").preview_text() == "rows 0–31 of 1,797"
    view = window.data.view
    window.data.dock.show()
    assert view.preview.isVisibleTo(window.data.dock)
    assert view.batch.text() == "batch 1 of 57" and view.rows.text() == "rows 0–31 of 1,797"

    view.batch.setFocus()
    qtbot.keyClick(view.batch, Qt.Key.Key_Up)  # the next batch
    assert view.rows.text() == "rows 32–63 of 1,797"
    shows(canvas, "hidden1", hidden_of(window, slice(32, 64)), "rows 32–63 of 1,797")
    assert canvas.item("X").preview_text() == "rows 32–63 of 1,797"

    view.batch_size.setFocus()  # 100 rows a batch, still the second batch
    qtbot.keyClick(view.batch_size, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.batch_size, "100")
    qtbot.keyClick(view.batch_size, Qt.Key.Key_Return)
    assert view.batch.text() == "batch 2 of 18"
    shows(canvas, "hidden1", hidden_of(window, slice(100, 200)), "rows 100–199 of 1,797")
    assert window.doc.graph.get_node("X").value.shape == (1797, 64)  # the document keeps all
    assert window.doc.undo_stack.count() == 0  # a view setting: no edit
    assert int(settings().value(PREVIEW_SIZE_KEY)) == 100  # kept for the next session

    view.batch.setFocus()  # the last batch holds what is left
    qtbot.keyClick(view.batch, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.batch, "18")
    qtbot.keyClick(view.batch, Qt.Key.Key_Return)
    assert view.batch.text() == "batch 18 of 18"
    shows(canvas, "hidden1", hidden_of(window, slice(1700, 1797)), "rows 1,700–1,796 of 1,797")


def test_values_not_computed_from_the_data_say_no_rows(qtbot, window, canvas):
    open_digits(window)
    window.view.frame_all()
    canvas.select("W_hidden1")
    view = window.tensor_view
    qtbot.waitUntil(lambda: "W_hidden1" in view.names and view.panel("W_hidden1").mode == "value")
    panel = view.panel("W_hidden1")
    assert panel.value.shape == (64, 32) and not panel.rows_label.isVisibleTo(panel)


def test_stepping_through_a_hidden_layer_uses_the_preview_batch(qtbot, window, canvas):
    open_digits(window)
    window.view.frame_all()
    canvas.select("hidden1")
    shows(canvas, "hidden1", hidden_of(window, slice(0, 32)), "rows 0–31 of 1,797")
    view = window.data.view
    view.batch.setFocus()
    qtbot.keyClick(view.batch, Qt.Key.Key_Up)
    window.view.setFocus()
    canvas.key(Qt.Key.Key_F10)
    stepper = window.live.stepper
    qtbot.waitUntil(lambda: len(stepper.steps) == 6)  # X, W, matmul, b, add, hidden1
    steps = {step.name: step for step in stepper.steps}
    graph = window.doc.graph
    np.testing.assert_array_equal(steps["X"].value, graph.get_node("X").value[32:64])
    np.testing.assert_allclose(steps["hidden1"].value, hidden_of(window, slice(32, 64)))
    view.batch.setFocus()  # another batch while stepping: the steps follow
    qtbot.keyClick(view.batch, Qt.Key.Key_Up)

    def x_step_shows(rows: slice) -> bool:
        fed = [step.value for step in stepper.steps if step.name == "X"]
        return len(fed) == 1 and np.array_equal(fed[0], graph.get_node("X").value[rows])

    qtbot.waitUntil(lambda: x_step_shows(slice(64, 96)))
