"""Training in the main window: the examples open ready to train, one click trains them, the
run is one undo step, the canvas stays usable but read-only meanwhile, and gradients show."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import WAIT, click, example_action
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QComboBox, QToolTip
from training_helpers import MLP, PERCEPTRON, accuracy, slow_graph, slow_op, ticks_between

import engine as ts
from editor.canvas.items.gradient_badge import GradientBadge
from editor.canvas.items.node import NodeItem
from editor.document import ERROR
from editor.tensor_stats import preview, value_preview
from editor.training.decision_boundary import predicted_classes
from editor.training.dock import NEW_OPTIMIZER
from engine.io import graph_from_dict, graph_to_dict
from engine.registry import get_op
from engine.tensors import format_tensor


def variables(graph: ts.Graph) -> dict[str, np.ndarray]:
    return {n.name: n.value.copy() for n in graph.nodes if isinstance(n, ts.Variable)}


def badges(window) -> dict[str, GradientBadge]:
    """The gradient badges on the canvas, by node name."""
    return {item.node.name: child for item in window.scene.node_items.values()
            for child in item.childItems() if isinstance(child, GradientBadge)}


def engine_gradients(graph: ts.Graph, names: list[str]) -> dict[str, np.ndarray]:
    """d J / d each variable at the graph's current values, computed by the engine alone."""
    copy = graph_from_dict(graph_to_dict(graph))
    nodes = [copy.add_node("gradient", [copy.get_node("J"), copy.get_node(n)]) for n in names]
    return dict(zip(names, ts.Session(copy).run(nodes), strict=True))


def test_train_the_mlp_example_undo_redo_gradients_and_boundary(qtbot, window, canvas) -> None:
    example_action(window, "mlp").trigger()
    panel, dock = window.training, window.training.training
    assert panel.dock.isVisible()  # a graph with a train node opens the Training dock
    assert dock.train_combo.currentText() == "train  (minimizes J)"
    assert dock.steps.value() == 1000
    graph = window.doc.graph
    before = variables(graph)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    result = finished.args[0]
    assert result.reason == "done" and result.steps == 1000

    loss = float(ts.Session(graph).run("J"))  # the document holds the trained values
    assert loss <= 18 and accuracy(graph) >= 0.95
    assert dock.loss_label.text().startswith("loss ")
    steps, losses = dock.loss_curve.points()  # one point per logged step
    np.testing.assert_array_equal(steps, np.arange(1, 1001))
    np.testing.assert_array_equal(losses, result.losses)
    assert window.undo_action.text() == "Undo Train train: 1000 steps"
    assert "Trained 1,000 steps" in canvas.status()
    assert window.doc.dirty

    # View › Show Gradients: each trained variable shows d J / d itself at the trained values
    assert not badges(window)
    panel.show_gradients_action.trigger()
    shown = badges(window)
    assert sorted(shown) == sorted(variables(graph))
    expected = engine_gradients(graph, sorted(shown))
    for name, badge in shown.items():
        np.testing.assert_allclose(badge.gradient, expected[name], rtol=1e-9, atol=1e-12)
        assert badge.isVisible() and badge.text.startswith("∇ [")
    badge = shown["W_output"]  # hovering a badge: the whole gradient and its norm
    point = canvas.view.mapFromScene(badge.mapToScene(badge.body().center()))
    QApplication.sendEvent(canvas.viewport, QHelpEvent(
        QEvent.Type.ToolTip, point, canvas.viewport.mapToGlobal(point)))
    norm = f"norm {np.linalg.norm(expected['W_output']):.4g}"
    assert "∇ W_output" in QToolTip.text() and norm in QToolTip.text()
    assert format_tensor(expected["W_output"])[:12] in QToolTip.text()
    canvas.click(point)  # a click on a badge is the canvas's: it selects nothing there
    assert not window.scene.selectedItems() and badge.isVisible()
    np.testing.assert_allclose(panel.gradients["W_output"], expected["W_output"], rtol=1e-9)
    canvas.select("W_output")  # the Tensor dock shows its value and, beside it, its gradient
    tensors = window.tensor_view
    tab_titles = [tensors.tabs.tabText(i) for i in range(tensors.tabs.count())]
    assert tab_titles == ["W_output", "∇W_output"]
    qtbot.waitUntil(lambda: tensors.panel("∇W_output").value is not None)
    np.testing.assert_allclose(tensors.panel("∇W_output").value, expected["W_output"], rtol=1e-9)
    qtbot.waitUntil(lambda: tensors.panel("W_output").value is not None)
    np.testing.assert_array_equal(tensors.panel("W_output").value, graph.get_node("W_output").value)

    trained = variables(graph)
    window.view.setFocus()
    canvas.key(Qt.Key_Z, Qt.ControlModifier)  # one undo step restores every variable
    for name, value in before.items():
        np.testing.assert_array_equal(graph.get_node(name).value, value)
    assert canvas.item("W_hidden").preview_text() == value_preview(before["W_hidden"])
    assert not badges(window) and not panel.gradients  # they were at the trained values
    panel.show_gradients_action.trigger()  # off, and on again: at the values now
    with qtbot.waitSignal(panel.gradients_changed, timeout=10_000):  # computed off the GUI
        panel.show_gradients_action.trigger()
    now = engine_gradients(graph, sorted(before))
    for name, badge in badges(window).items():
        np.testing.assert_allclose(badge.gradient, now[name], rtol=1e-9, atol=1e-12)
    assert sorted(badges(window)) == sorted(before)
    canvas.key(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    for name, value in trained.items():
        np.testing.assert_array_equal(graph.get_node(name).value, value)
    assert canvas.item("W_hidden").preview_text() == value_preview(trained["W_hidden"])

    # the decision boundary: the classes the engine predicts on the view's grid
    bar = dock.tabs.tabBar()
    view = dock.boundary
    with qtbot.waitSignal(view.updated, timeout=10_000):  # predicted off the GUI thread
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert view.isVisible()
    probabilities = ts.Session(graph).run("p_output", {"X": view.grid_points()})
    np.testing.assert_array_equal(view.classes,
                                  predicted_classes(probabilities).reshape(100, 100))
    assert set(np.unique(view.classes)) == {0, 1}


def test_the_perceptron_example_trains_in_one_click(qtbot, window) -> None:
    example_action(window, "perceptron").trigger()
    dock = window.training.training
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.train_button)
    graph = window.doc.graph
    p, labels = ts.Session(graph).run("p"), graph.get_node("c").default
    assert float(ts.Session(graph).run("J")) <= 1.1
    assert np.mean(np.argmax(p, axis=1) == np.argmax(labels, axis=1)) == 1.0
    assert dock.tabs.isTabVisible(1)  # a two-feature classifier: its boundary is shown


def test_live_values_and_gradients_while_training(qtbot, window, canvas) -> None:
    example_action(window, "mlp").trigger()
    panel, dock = window.training, window.training.training
    panel.show_gradients_action.trigger()
    dock.steps.lineEdit().selectAll()
    qtbot.keyClicks(dock.steps, "10000000")
    start = canvas.item("W_hidden").preview_text()
    snapshots = []
    dock.trainer.snapshot.connect(lambda values, gradients: snapshots.append(values))
    click(qtbot, dock.train_button)
    qtbot.waitUntil(lambda: len(snapshots) >= 3, timeout=WAIT)
    item = canvas.item("W_hidden")
    qtbot.waitUntil(lambda: item.preview_text() != start)  # the node shows the live value
    assert "W_hidden" in badges(window)  # and its gradient
    np.testing.assert_array_equal(window.doc.graph.get_node("W_hidden").value,
                                  ts.load_graph(MLP).get_node("W_hidden").value)  # untouched
    assert window.doc.undo_stack.count() == 0
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.stop_button)
    assert window.doc.undo_stack.count() == 1
    assert item.preview_text() == value_preview(window.doc.graph.get_node("W_hidden").value)


TRAINED = ["W_hidden", "b_hidden", "W_output", "b_output"]


def test_every_node_shows_its_value_at_the_learned_values_while_training(
        qtbot, window, canvas) -> None:
    """The loss on the canvas and in the Tensor dock follows training, consistent with the
    variables' live values — and goes back to the document's values with undo."""
    example_action(window, "mlp").trigger()
    dock = window.training.training
    dock.steps.lineEdit().selectAll()
    qtbot.keyClicks(dock.steps, "10000000")
    loss_item = canvas.item("J")
    initial_loss = float(ts.Session(window.doc.graph).run("J"))
    initial = preview(initial_loss)
    qtbot.waitUntil(lambda: loss_item.preview_text() == initial, timeout=WAIT)
    click(qtbot, dock.train_button)
    qtbot.waitUntil(lambda: dock.progress.value() >= 6000, timeout=WAIT)  # snapshots came
    click(qtbot, dock.pause_button)
    canvas.select("J", *TRAINED)
    shown = window.tensor_view

    def consistent() -> bool:
        """The dock shows J at the variables' values it shows, as the engine computes it."""
        if not set(TRAINED + ["J"]) <= set(shown.names) or any(
                shown.panel(name).value is None for name in TRAINED + ["J"]):
            return False
        copy = graph_from_dict(graph_to_dict(window.doc.graph))
        for name in TRAINED:
            copy.assign(copy.get_node(name), shown.panel(name).value)
        return float(shown.panel("J").value) == pytest.approx(float(ts.Session(copy).run("J")))

    qtbot.waitUntil(lambda: consistent() and shown.panel("J").value < initial_loss / 2,
                    timeout=WAIT)  # and it has learned
    live_loss = float(shown.panel("J").value)
    assert loss_item.preview_text() == preview(live_loss)
    assert canvas.item("b_hidden").preview_text() == value_preview(shown.panel("b_hidden").value)
    assert float(ts.Session(window.doc.graph).run("J")) == initial_loss  # the document's own

    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.stop_button)
    trained_loss = float(ts.Session(window.doc.graph).run("J"))
    qtbot.waitUntil(lambda: loss_item.preview_text() == preview(trained_loss), timeout=WAIT)
    assert float(shown.panel("J").value) == pytest.approx(trained_loss)
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: loss_item.preview_text() == initial, timeout=WAIT)
    assert float(shown.panel("J").value) == pytest.approx(initial_loss)
    np.testing.assert_array_equal(shown.panel("b_hidden").value,
                                  window.doc.graph.get_node("b_hidden").value)


def test_the_window_stays_responsive_while_the_mlp_trains(qtbot, window, canvas) -> None:
    """Training runs in a worker process: painting, panning and inspecting never wait for it."""
    example_action(window, "mlp").trigger()
    dock = window.training.training
    dock.steps.lineEdit().selectAll()
    qtbot.keyClicks(dock.steps, "10000000")
    log: list[str] = []  # timer ticks and progress reports, as the GUI thread handled them
    timer = QTimer(window, interval=10)
    timer.timeout.connect(lambda: log.append("tick"))
    dock.trainer.progress.connect(lambda *args: log.append("progress"))
    timer.start()
    click(qtbot, dock.train_button)
    qtbot.waitUntil(lambda: dock.progress.value() >= 2000, timeout=WAIT)
    window.view.set_zoom(1.0)
    origin = window.view.mapToScene(QPoint(0, 0))
    canvas.drag(QPoint(600, 600), QPoint(500, 550), button=Qt.MiddleButton)  # panning
    assert window.view.mapToScene(QPoint(0, 0)) - origin == QPointF(100, 50)
    canvas.select("J")  # inspecting: the Tensor dock shows the loss as it trains
    qtbot.waitUntil(lambda: "J" in window.tensor_view.names, timeout=WAIT)
    loss = float(ts.Session(ts.load_graph(MLP)).run("J"))
    qtbot.waitUntil(lambda: (value := window.tensor_view.panel("J").value) is not None
                    and value < loss / 2, timeout=WAIT)
    steps = dock.progress.value()
    qtbot.waitUntil(lambda: dock.progress.value() > steps, timeout=WAIT)  # still training
    # the event loop never waits for training: timer events come between its reports
    qtbot.waitUntil(lambda: ticks_between(log, "progress") >= 3, timeout=WAIT)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.stop_button)
    timer.stop()
    assert finished.args[0].reason == "stopped"


@pytest.fixture
def slow(window, tmp_path):
    """The window showing the slow test graph, without values on the nodes: the previews'
    evaluation would call the slow op too (``calls`` counts steps). Its gate is closed: a run
    takes the steps the test lets through (``slow.gate.let_through``) and is held in the
    next, until it is told to stop."""
    window.show_values_action.trigger()
    with slow_op(0.02) as op:
        path = tmp_path / "slow.json"
        ts.save_graph(slow_graph(), path)
        assert window.open_file(path)
        op.gate.close()
        yield op
        window.training.stop()


def test_canvas_is_read_only_but_usable_while_training_and_stop_is_prompt(
        qtbot, window, canvas, slow) -> None:
    dock = window.training.training
    assert window.training.dock.isVisible()
    dock.steps.lineEdit().selectAll()
    qtbot.keyClicks(dock.steps, "100000")
    w_before = window.doc.graph.get_node("w").value.copy()
    held_at_tick: list[int] = []  # at each timer event: steps held in the op
    timer = QTimer(window, interval=10)
    timer.timeout.connect(lambda: held_at_tick.append(slow.gate.held))
    timer.start()
    click(qtbot, dock.train_button)
    slow.gate.let_through(15)
    qtbot.waitUntil(lambda: slow.calls >= 16 and slow.gate.held == 1,
                    timeout=WAIT)  # training, in step 16 (held == 1 alone: maybe still step 1)
    assert not window.undo_action.isEnabled() and not window.delete_action.isEnabled()
    assert not window.op_palette.isEnabled()

    window.view.set_zoom(1.0)
    window.view.centerOn(canvas.item("w").sceneBoundingRect().center())
    canvas.select("w")  # selecting works
    assert window.scene.selected_nodes() == [window.doc.graph.get_node("w")]
    canvas.key(Qt.Key_Delete)  # editing does not
    assert "w" in window.doc.graph
    title = canvas.title("w")
    pos = canvas.item("w").pos()
    canvas.drag(title, title + QPoint(120, 60))
    assert canvas.item("w").pos() == pos
    canvas.drag(canvas.port("w"), canvas.port("subtract", 1))  # no wire either
    assert window.doc.undo_stack.count() == 0
    canvas.search_add("add", title + QPoint(0, 200))
    assert len(window.doc.graph) == len(slow_graph())
    assert canvas.status().startswith("Add add: Training is running")
    origin = window.view.mapToScene(QPoint(0, 0))  # panning works
    canvas.drag(QPoint(600, 600), QPoint(500, 550), button=Qt.MiddleButton)
    assert window.view.mapToScene(QPoint(0, 0)) - origin == QPointF(100, 50)

    # all of that was handled while the worker was inside step 16, and so were timer events
    assert slow.gate.held == 1 and slow.calls == 16
    qtbot.waitUntil(lambda: held_at_tick.count(1) >= 5, timeout=WAIT)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.stop_button)  # step 16 ends, and no other begins
    timer.stop()
    result = finished.args[0]
    assert result.reason == "stopped"
    assert result.steps == 16  # within a step
    assert window.undo_action.isEnabled() and window.delete_action.isEnabled()
    assert not np.array_equal(window.doc.graph.get_node("w").value, w_before)
    window.view.setFocus()
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    np.testing.assert_array_equal(window.doc.graph.get_node("w").value, w_before)
    title = canvas.title("w")
    canvas.drag(title, title + QPoint(120, 60))  # editable again
    assert canvas.item("w").pos() == pos + QPointF(120, 60)


def test_opening_another_file_while_training_stops_it(qtbot, window, slow, dialogs) -> None:
    dock = window.training.training
    click(qtbot, dock.train_button)
    slow.gate.let_through(3)
    qtbot.waitUntil(lambda: slow.calls >= 4 and slow.gate.held == 1,
                    timeout=WAIT)  # training, in step 4
    example_action(window, "affine").trigger()
    assert not dock.trainer.running
    assert dialogs.shown and dialogs.shown[0][0] == "question"  # the trained steps: save?
    assert window.doc.title == "affine (example)" and window.doc.undo_stack.count() == 0
    assert window.undo_action.isEnabled() is False and window.delete_action.isEnabled()
    assert window.doc.editable


def test_closing_the_window_while_training_stops_it(qtbot, window, slow) -> None:
    dock = window.training.training
    click(qtbot, dock.train_button)
    slow.gate.let_through(3)
    qtbot.waitUntil(lambda: slow.calls >= 4 and slow.gate.held == 1,
                    timeout=WAIT)  # training, in step 4
    window.close()
    assert not dock.trainer.running


def test_an_unfed_placeholder_is_marked_on_its_node(qtbot, window, canvas, tmp_path) -> None:
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None, 2], name="inputs")
        w = ts.Variable([1.0, 2.0], name="w")
        ts.train.AdamOptimizer().minimize(ts.reduce_sum(ts.square(x * w), name="J"))
    ts.save_graph(graph, tmp_path / "unfed.json")
    assert window.open_file(tmp_path / "unfed.json")
    dock = window.training.training
    with qtbot.waitSignal(dock.training_failed):
        click(qtbot, dock.train_button)
    item = canvas.item("inputs")
    assert item.state == ERROR and "placeholder 'inputs' needs a value" in item.message
    assert "placeholder 'inputs' needs a value" in canvas.status()
    assert not dock.trainer.running and window.doc.undo_stack.count() == 0
    assert window.doc.editable and window.delete_action.isEnabled()
    window.training.show_gradients_action.trigger()  # computed off the GUI thread
    qtbot.waitUntil(lambda: canvas.status().startswith(
        "No gradients to show: placeholder 'inputs' needs"))
    assert not badges(window)
    canvas.select("inputs")  # giving it a default clears the mark, and training starts
    canvas.type_field("value", "[[1, 2], [3, 4]]")
    qtbot.waitUntil(lambda: item.state != ERROR)  # the live evaluation clears it too
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.train_button)
    assert window.doc.undo_stack.count() == 2


def test_reset_variables_is_one_undoable_step(qtbot, window, canvas) -> None:
    example_action(window, "perceptron").trigger()
    dock = window.training.training
    graph = window.doc.graph
    initial = variables(graph)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.train_button)
    trained = variables(graph)
    click(qtbot, dock.reset_button)
    assert window.undo_action.text() == "Undo Reset variables"
    assert canvas.status() == "Variables reset from their initializers: W and b"
    for name, value in initial.items():
        np.testing.assert_array_equal(graph.get_node(name).value, value)
    window.view.setFocus()
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    for name, value in trained.items():
        np.testing.assert_array_equal(graph.get_node(name).value, value)


def test_reset_says_what_a_variable_without_an_initializer_keeps(qtbot, window, canvas,
                                                                 tmp_path) -> None:
    with ts.Graph().as_default() as graph:
        v = ts.Variable([3.0], name="v")
        ts.train.GradientDescentOptimizer(0.1).minimize(ts.reduce_sum(ts.square(v), name="J"))
    ts.save_graph(graph, tmp_path / "plain.json")
    assert window.open_file(tmp_path / "plain.json")
    dock = window.training.training
    click(qtbot, dock.reset_button)
    assert canvas.status().startswith("Nothing to reset: no variable has an initializer")
    assert window.doc.undo_stack.count() == 0
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.train_button)
    trained = window.doc.graph.get_node("v").value.copy()
    assert abs(trained[0]) < 3
    click(qtbot, dock.reset_button)  # the optimizer's step count goes; v keeps its value
    assert canvas.status() == "Optimizer state cleared; no initializer, value kept: v"
    np.testing.assert_array_equal(window.doc.graph.get_node("v").value, trained)
    canvas.select("v")
    kind = window.properties.fields["attr:initializer"].widget.kind
    kind.setFocus()
    canvas.key(Qt.Key_Down, widget=kind)  # zeros
    canvas.key(Qt.Key_Down, widget=kind)  # ones, drawn at once
    np.testing.assert_array_equal(window.doc.graph.get_node("v").value, [1.0])
    canvas.type_field("value", "[5]")
    click(qtbot, dock.reset_button)
    assert canvas.status() == "Variables reset from their initializers: v"
    np.testing.assert_array_equal(window.doc.graph.get_node("v").value, [1.0])


def test_training_nodes_from_the_palette_and_the_optimizer_choice(qtbot, window,
                                                                   canvas) -> None:
    tree = window.op_palette.tree
    for op_type in ("gradient", "minimize"):
        item = tree.op_item(op_type)
        assert item.parent().text(0) == "Training" and item.toolTip(0)
    canvas.drop_from_palette("minimize", QPoint(400, 300))
    (node,) = [n for n in window.doc.graph.nodes if n.type == "minimize"]
    assert canvas.item(node.name).isSelected()
    combo = window.properties.fields["attr:optimizer"].widget
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == list(
        get_op("minimize").attrs["optimizer"].parse.choices)
    assert combo.currentText() == "gradient_descent"
    fields = window.properties.fields

    def shown(attr: str) -> bool:
        return fields[f"attr:{attr}"].widget.isVisible()

    assert shown("learning_rate") and not shown("momentum") and not shown("beta1")
    combo.setFocus()
    while combo.currentText() != "adam":
        qtbot.keyClick(combo, Qt.Key_Down)
    assert node.attrs["optimizer"] == "adam"
    assert shown("beta1") and shown("epsilon") and not shown("momentum")
    canvas.type_field("attr:learning_rate", "0.05")
    assert node.attrs["learning_rate"] == 0.05
    window.view.setFocus()
    for _ in range(2):
        canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert node.attrs["optimizer"] != "adam" and combo.currentText() == node.attrs["optimizer"]


def test_a_loss_and_optimizer_run_becomes_a_minimize_node(qtbot, window, canvas,
                                                          tmp_path) -> None:
    graph = ts.load_graph(PERCEPTRON)
    graph.remove_node("train")
    ts.save_graph(graph, tmp_path / "no_train_node.json")
    assert window.open_file(tmp_path / "no_train_node.json")
    panel, dock = window.training, window.training.training
    panel.dock.toggleViewAction().trigger()  # View › Training
    panel.dock.raise_()  # in front of the docks it shares the tabs with: the user sees it
    assert dock.train_combo.currentText() == NEW_OPTIMIZER and dock.loss_combo.currentText() == "J"
    assert dock.add_node_button.isVisible() and not dock.add_node_button.isEnabled()
    dock.optimizer_combo.setFocus()
    while dock.optimizer_combo.currentText() != "adam":
        qtbot.keyClick(dock.optimizer_combo, Qt.Key_Down)
    dock.parameters["learning_rate"].selectAll()
    qtbot.keyClicks(dock.parameters["learning_rate"], "0.05")
    dock.steps.lineEdit().selectAll()
    qtbot.keyClicks(dock.steps, "200")
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT):
        click(qtbot, dock.train_button)
    trained = variables(window.doc.graph)
    assert dock.add_node_button.isEnabled()

    click(qtbot, dock.add_node_button)
    (node,) = [n for n in window.doc.graph.nodes if n.type == "minimize"]
    assert node.inputs[0].name == "J"
    assert node.attrs["optimizer"] == "adam" and node.attrs["learning_rate"] == 0.05
    assert node.attrs["beta1"] == 0.9 and node.attrs["var_list"] is None
    assert int(node.state["step"]) == 200 and set(node.state) > {"m/W", "v/W"}
    item, loss = canvas.item(node.name), canvas.item("J")
    assert item.isSelected() and item.pos().x() > loss.pos().x() + loss.boundingRect().width()
    assert not [other for other in item.collidingItems() if isinstance(other, NodeItem)]
    assert dock.train_combo.currentData() == node.name and not dock.add_node_button.isVisible()
    assert window.undo_action.text() == f"Undo Add {node.name} (minimizes J)"
    assert window.doc.undo_stack.count() == 2  # the run, then the node: one step each

    window.view.setFocus()
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert node.name not in window.doc.graph and window.doc.undo_stack.index() == 1
    for name, value in trained.items():  # the run stays applied
        np.testing.assert_array_equal(window.doc.graph.get_node(name).value, value)
    qtbot.waitUntil(lambda: dock.train_combo.currentText() == NEW_OPTIMIZER)
    canvas.key(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)  # redo: back, with its state
    node = window.doc.graph.get_node(node.name)
    assert node.inputs[0].name == "J" and int(node.state["step"]) == 200
    qtbot.waitUntil(lambda: dock.train_combo.findData(node.name) >= 0)
    dock.train_combo.setFocus()
    while dock.train_combo.currentData() != node.name:
        qtbot.keyClick(dock.train_combo, Qt.Key_Up)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    assert finished.args[0].train_node == node.name
    assert int(node.state["step"]) == 400  # Adam went on where the run left off


def test_renaming_a_variable_on_the_canvas_keeps_its_train_node(qtbot, window, canvas,
                                                               tmp_path) -> None:
    with ts.Graph().as_default() as graph:
        w = ts.Variable([1.0, -2.0], name="w")
        b = ts.Variable([0.5], name="b")
        J = ts.reduce_sum(ts.square(w * 2.0 + b), name="J")
        ts.train.AdamOptimizer(0.1).minimize(J, var_list=[w], name="train")
    ts.save_graph(graph, tmp_path / "var_list.json")
    assert window.open_file(tmp_path / "var_list.json")
    train = window.doc.graph.get_node("train")
    window.view.set_zoom(1.0)
    window.view.centerOn(canvas.item("w").sceneBoundingRect().center())
    canvas.rename("w", "weights")
    assert train.attrs["var_list"] == ("weights",)
    canvas.select("train")
    assert window.properties.fields["attr:var_list"].widget.text() == '["weights"]'
    dock = window.training.training
    dock.steps.lineEdit().selectAll()
    qtbot.keyClicks(dock.steps, "20")
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    assert finished.args[0].reason == "done" and list(finished.args[0].values) == ["weights"]
    assert set(train.state) == {"step", "m/weights", "v/weights"}
    window.view.setFocus()
    canvas.key(Qt.Key_Z, Qt.ControlModifier)  # the training
    canvas.key(Qt.Key_Z, Qt.ControlModifier)  # the rename
    assert "w" in window.doc.graph and train.attrs["var_list"] == ("w",)
    assert window.properties.fields["attr:var_list"].widget.text() == '["w"]'
