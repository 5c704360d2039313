"""The Training dock, driven through its buttons: train the series' MLP, watch, stop, pause."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from training_helpers import MLP, PERCEPTRON, accuracy, slow_graph, slow_op, ticks_between

import engine as ts
from editor.compute.service import ComputeService
from editor.document import Document
from editor.document.commands import Rename, SetWires
from editor.document.training_commands import ApplyTraining
from editor.training import decision_boundary
from editor.training.decision_boundary import predicted_classes
from editor.training.dock import NEW_OPTIMIZER, TrainingDock
from editor.training.plot_style import CLASS_COLORS, faded

WAIT = 60_000


@pytest.fixture
def dock(qtbot) -> TrainingDock:
    compute = ComputeService()
    widget = TrainingDock(compute)
    qtbot.addWidget(widget)
    widget.resize(420, 720)
    widget.show()
    yield widget
    widget.trainer.shutdown()
    compute.close()


def open_graph(dock: TrainingDock, graph: ts.Graph) -> Document:
    """Show ``graph`` in the dock as the open document (the compute service follows it)."""
    doc = Document(graph, parent=dock)
    dock.compute.set_document(doc)
    dock.set_document(doc)
    return doc


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def set_steps(qtbot, dock: TrainingDock, steps: int) -> None:
    dock.steps.lineEdit().selectAll()
    qtbot.keyClicks(dock.steps, str(steps))
    assert dock.steps.value() == steps


def test_train_the_mlp_and_apply_it_as_one_undoable_step(qtbot, dock) -> None:
    graph = ts.load_graph(MLP)
    initial = {n.name: n.value.copy() for n in graph.nodes if isinstance(n, ts.Variable)}
    doc = open_graph(dock, graph)
    assert dock.train_combo.currentText() == "train  (minimizes J)"
    assert not dock.loss_combo.isVisible()  # the train node brings its own optimizer
    assert dock.tabs.isTabVisible(1)  # the MLP is a two-feature classifier
    stack = doc.undo_stack
    dock.training_finished.connect(lambda r: doc.execute(ApplyTraining.of_run(doc, r)))
    set_steps(qtbot, dock, 1000)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
        assert not dock.train_button.isEnabled() and dock.stop_button.isEnabled()
        assert dock.message.text() == "Training 1,000 steps…"
    result = finished.args[0]
    assert result.reason == "done" and result.steps == 1000

    loss = float(ts.Session(graph).run("J"))  # the document now holds the trained values
    assert loss <= 18 and accuracy(graph) >= 0.95
    assert dock.progress.value() == 1000 and dock.train_button.isEnabled()
    assert dock.loss_label.text() == f"loss {loss:.4g}"
    assert dock.message.text().startswith("Trained 1,000 steps in ")
    steps, losses = dock.loss_curve.points()  # one point per logged step
    np.testing.assert_array_equal(steps, np.arange(1, 1001))
    np.testing.assert_array_equal(losses, result.losses)
    qtbot.waitUntil(lambda: len(dock.loss_curve.curve.getOriginalDataset()[0]) == 1000)

    stack.undo()
    for name, value in initial.items():
        np.testing.assert_array_equal(graph.get_node(name).value, value)
    stack.redo()
    assert float(ts.Session(graph).run("J")) == loss


def test_decision_boundary_shows_the_engines_predictions(qtbot, dock) -> None:
    graph = ts.load_graph(MLP)
    doc = open_graph(dock, graph)
    dock.training_finished.connect(lambda r: doc.execute(ApplyTraining.of_run(doc, r)))
    bar = dock.tabs.tabBar()
    view = dock.boundary
    with qtbot.waitSignal(view.updated, timeout=WAIT):  # predicted off the GUI thread
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert dock.tabs.currentWidget() is dock.boundary
    assert view.isVisible()
    untrained = view.classes.copy()
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.train_button)
    qtbot.waitUntil(lambda: not np.array_equal(view.classes, untrained))

    grid = view.grid_points()
    assert grid.shape == (100 * 100, 2)
    probabilities = ts.Session(graph).run("p_output", {"X": grid})
    expected = predicted_classes(probabilities).reshape(100, 100)
    np.testing.assert_array_equal(view.classes, expected)
    palette = np.array([faded(c) for c in CLASS_COLORS], dtype=np.ubyte)
    np.testing.assert_array_equal(view.image.image, palette[expected])  # what is drawn
    assert set(np.unique(expected)) == {0, 1}  # XOR: both classes across the plane
    # the points: coloured by label, blue for [1, 0], red for [0, 1]
    brushes = [b.color().getRgb()[:3] for b in view.points.data["brush"]]
    labels = np.argmax(graph.get_node("c").default, axis=1)
    assert brushes == [CLASS_COLORS[k] for k in labels]


def test_the_event_loop_keeps_running_during_training(qtbot, dock) -> None:
    open_graph(dock, ts.load_graph(MLP))
    set_steps(qtbot, dock, 100_000_000)  # hours of training: it ends when it is stopped
    log: list[str] = []  # timer ticks and progress reports, as the GUI thread handled them
    timer = QTimer(dock, interval=10)
    timer.timeout.connect(lambda: log.append("tick"))
    dock.trainer.progress.connect(lambda *args: log.append("progress"))
    timer.start()
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
        # the timer fires all through training: between its progress reports, again and again
        qtbot.waitUntil(lambda: ticks_between(log, "progress") >= 3, timeout=WAIT)
        click(qtbot, dock.stop_button)
    timer.stop()
    assert finished.args[0].reason == "stopped"
    assert dock.progress.value() == finished.args[0].steps


def test_stop_halts_within_a_step(qtbot, dock) -> None:
    with slow_op(0.02) as op:
        graph = slow_graph()
        open_graph(dock, graph)
        op.gate.close()
        click(qtbot, dock.train_button)
        op.gate.let_through(12)  # 0.24 s of the run's clock: a progress report on the way
        qtbot.waitUntil(lambda: op.calls == 13 and op.gate.held == 1
                        and dock.progress.value() > 0,
                        timeout=WAIT)  # held in step 13
        with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
            click(qtbot, dock.stop_button)  # step 13 ends, and no other begins
    result = finished.args[0]
    assert result.reason == "stopped"
    assert result.steps == 13 and op.calls == 14  # and the loss at the final values
    assert dock.message.text() == "Stopped after 13 of 1,000 steps"
    assert dock.loss_curve.count == result.steps


def test_pause_and_resume(qtbot, dock) -> None:
    with slow_op(0.01) as op:
        open_graph(dock, slow_graph())
        op.gate.close()
        click(qtbot, dock.train_button)
        op.gate.let_through(2)
        qtbot.waitUntil(lambda: op.calls == 3 and op.gate.held == 1,
                        timeout=WAIT)  # in step 3 (held == 1 alone: maybe still in step 1)
        with qtbot.waitSignal(dock.trainer.paused_changed):
            click(qtbot, dock.pause_button)
        assert dock.pause_button.text() == "Resume"
        op.gate.let_through(1)  # step 3 ends: the step under way when Pause was pressed
        qtbot.waitUntil(lambda: op.clock.polling == 1, timeout=WAIT)  # the run holds
        op.clock.let_poll(2)
        qtbot.waitUntil(lambda: op.clock.polls == 3 and op.clock.polling == 1, timeout=WAIT)
        assert op.calls == 3  # no step while paused
        assert dock.trainer.running
        click(qtbot, dock.pause_button)
        assert dock.pause_button.text() == "Pause"
        op.clock.let_poll()
        op.gate.let_through(5)
        qtbot.waitUntil(lambda: op.calls == 3 + 6 and op.gate.held == 1, timeout=WAIT)
        with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
            click(qtbot, dock.stop_button)
    assert finished.args[0].reason == "stopped" and finished.args[0].steps == 9


def test_unfed_placeholder_is_reported_and_nothing_starts(qtbot, dock) -> None:
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None, 2], name="inputs")
        w = ts.Variable([1.0, 2.0], name="w")
        ts.train.AdamOptimizer().minimize(ts.reduce_sum(ts.square(x * w), name="J"))
    open_graph(dock, graph)
    with qtbot.waitSignal(dock.training_failed) as failed:
        click(qtbot, dock.train_button)
    assert failed.args[1] == "inputs"
    assert "placeholder 'inputs' needs a value" in dock.message.text()
    assert not dock.trainer.running and dock.train_button.isEnabled()
    assert dock.loss_curve.count == 0


def test_loss_plus_optimizer_chosen_in_the_dock(qtbot, dock) -> None:
    graph = ts.load_graph(PERCEPTRON)
    graph.remove_node("train")
    open_graph(dock, graph)
    assert dock.train_combo.currentText() == NEW_OPTIMIZER
    assert dock.loss_combo.currentText() == "J"  # the scalar nothing else reads comes first
    assert dock.loss_combo.isVisible() and dock.optimizer_combo.isVisible()
    dock.optimizer_combo.setFocus()
    while dock.optimizer_combo.currentText() != "adam":
        qtbot.keyClick(dock.optimizer_combo, Qt.Key.Key_Down)
    assert dock.parameters["beta1"].isVisible() and not dock.parameters["momentum"].isVisible()
    assert dock.add_node_button.isVisible() and not dock.add_node_button.isEnabled()
    dock.parameters["learning_rate"].selectAll()
    qtbot.keyClicks(dock.parameters["learning_rate"], "0.05")
    set_steps(qtbot, dock, 200)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
        assert not dock.add_node_button.isEnabled()
    result = finished.args[0]
    assert result.new_train_node["attrs"]["optimizer"] == "adam"
    assert result.new_train_node["attrs"]["learning_rate"] == 0.05
    assert result.losses[-1] < result.losses[0]
    assert dock.add_node_button.isEnabled()  # the run's node can be added to the graph
    with qtbot.waitSignal(dock.train_node_requested) as requested:
        click(qtbot, dock.add_node_button)
    assert requested.args[0] is result

    dock.parameters["learning_rate"].selectAll()
    qtbot.keyClicks(dock.parameters["learning_rate"], "fast")
    with qtbot.waitSignal(dock.training_failed):
        click(qtbot, dock.train_button)
    assert dock.message.text() == "learning_rate: expected a number, got 'fast'"


def test_reset_button_asks_the_editor(qtbot, dock) -> None:
    open_graph(dock, ts.load_graph(MLP))
    with qtbot.waitSignal(dock.reset_requested):
        click(qtbot, dock.reset_button)


def test_the_dock_follows_graph_edits(qtbot, dock) -> None:
    graph = ts.load_graph(PERCEPTRON)
    open_graph(dock, graph)
    ts.train.MomentumOptimizer(0.01, 0.9).minimize(graph.get_node("J"), name="momentum_train")
    qtbot.waitUntil(lambda: dock.train_combo.count() == 3)
    assert dock.train_combo.itemData(1) == "momentum_train"
    graph.remove_node("p")  # no class probability left: no decision boundary
    qtbot.waitUntil(lambda: not dock.tabs.isTabVisible(1))


def test_a_wire_edit_that_keeps_the_classifier_keeps_its_points(qtbot, dock, monkeypatch) -> None:
    """Rewiring that changes neither the train nodes, the loss candidates nor the classifier's
    data leaves the combos and the boundary's points as they were (pyqtgraph would redraw
    every point); the boundary is still predicted again. While the dock is hidden, the
    classifier is looked for only when it is shown again."""
    looked = []
    find = decision_boundary.find_classifier
    monkeypatch.setattr(decision_boundary, "find_classifier",
                        lambda graph: looked.append(graph) or find(graph))
    doc = open_graph(dock, ts.load_graph(MLP))
    view = dock.boundary
    bar = dock.tabs.tabBar()
    with qtbot.waitSignal(view.updated, timeout=WAIT):
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    redrawn: list[object] = []
    view.points.sigPlotChanged.connect(redrawn.append)
    combos: list[int] = []
    for combo in (dock.train_combo, dock.loss_combo):
        combo.model().rowsInserted.connect(lambda *_: combos.append(1))
    points = view.points.data
    for source in ("b_hidden", "b_output"):  # both of shape (2,): the same shapes below
        with qtbot.waitSignal(view.updated, timeout=WAIT):  # predicted again
            assert doc.execute(SetWires(doc, [("add_1", 1, source)])) is None
        assert view.classifier is not None and dock.tabs.isTabVisible(1)
    assert not redrawn and not combos and view.points.data is points
    assert len(view.points.data) == 100
    looked.clear()
    assert doc.execute(Rename(doc, "J", "loss")) is None  # a name: the classifier stays
    qtbot.waitUntil(lambda: dock.train_combo.currentText() == "train  (minimizes loss)")
    assert not looked and view.classifier is not None and view.points.data is points

    looked.clear()
    dock.hide()
    assert doc.execute(SetWires(doc, [("p_output", 0, None)], "Disconnect")) is None
    for _ in range(5):  # the refresh is queued
        QApplication.processEvents()
    assert not looked  # not while hidden
    dock.show()
    assert len(looked) == 1 and view.classifier is None and not dock.tabs.isTabVisible(1)
    assert doc.execute(SetWires(doc, [("p_output", 0, "add_1")], "Connect")) is None
    qtbot.waitUntil(lambda: dock.tabs.isTabVisible(1))
    assert view.classifier is not None and len(redrawn) == 1  # drawn anew: it had gone


def test_an_optimizer_op_of_its_own_gets_its_own_defaults_in_the_dock(qtbot, dock) -> None:
    graph = ts.load_graph(PERCEPTRON)
    graph.remove_node("train")
    open_graph(dock, graph)
    dock.optimizer_combo.setFocus()
    while dock.optimizer_combo.currentText() != "rmsprop":
        qtbot.keyClick(dock.optimizer_combo, Qt.Key.Key_Down)
    # momentum's and Adam's fields showed 0.9 and 1e-08: RMSProp's defaults are TensorFlow's
    assert dock.parameters["momentum"].text() == "0.0"
    assert dock.parameters["epsilon"].text() == "1e-10"
    assert dock.parameters["decay"].isVisible() and not dock.parameters["beta1"].isVisible()
    set_steps(qtbot, dock, 50)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    result = finished.args[0]
    assert result.new_train_node["op"] == "rmsprop"
    assert result.losses[-1] < result.losses[0]
