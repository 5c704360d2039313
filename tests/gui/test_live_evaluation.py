"""Live evaluation in the editor: the Tensor dock, previews on nodes, errors where they happen,
a responsive window during long evaluations, and the step-through mode."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from gates import Gate
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QToolButton

from editor.app.window import EXAMPLES, MainWindow, settings
from editor.document import BLOCKED, ERROR, OK
from editor.tensor_stats import preview
from engine import Graph, Session, load_graph, save_graph, shapes
from engine.registry import OpDef, register, unregister
from engine.tensors import format_tensor


def panel(canvas, name: str):
    return canvas.window.tensor_view.panel(name)


def shown_value(canvas, name: str, expected) -> None:
    """Wait until the Tensor dock shows ``expected`` for ``name``."""
    view = canvas.window.tensor_view

    def shows() -> bool:
        if name not in view.names or view.panel(name).mode != "value":
            return False
        return np.array_equal(view.panel(name).value, expected)

    canvas.qtbot.waitUntil(shows)


def settled(canvas) -> None:
    """Wait until no evaluation is awaited."""
    canvas.qtbot.waitUntil(lambda: not canvas.window.live.compute.busy)


def open_graph(canvas, tmp_path, graph: Graph, name: str = "g.json") -> None:
    path = tmp_path / name
    save_graph(graph, path)
    assert canvas.window.open_file(path)
    canvas.window.view.set_zoom(1.0)
    canvas.window.view.frame_all()
    canvas.window.view.setFocus()


def test_selecting_z_shows_its_value_in_the_dock_and_on_the_node(affine):
    affine.select("z")
    shown_value(affine, "z", [2, -1])
    assert affine.window.tensor_view.names == ["z"]
    assert panel(affine, "z").subtitle.text().split() == ["(2,)", "float64"]
    assert affine.item("z").preview_text() == "[2, -1]"
    assert affine.item("matmul").preview_text() == "[1, -2]"  # computed on the way


def test_several_selected_nodes_are_shown_each(affine):
    affine.select("z", "matmul")
    shown_value(affine, "z", [2, -1])
    shown_value(affine, "matmul", [1, -2])
    assert set(affine.window.tensor_view.names) == {"z", "matmul"}
    assert affine.window.tensor_view.tabs.count() == 2


def test_edits_upstream_re_evaluate_without_reselecting_and_undo_restores(affine):
    affine.select("z")
    shown_value(affine, "z", [2, -1])
    panel(affine, "z").pin_button.click()  # keep z in the dock while x is edited
    affine.select("x")
    assert affine.window.tensor_view.names == ["z", "x"]
    affine.type_field("value", "[3, 4]")
    shown_value(affine, "z", [4, -3])
    shown_value(affine, "x", [3, 4])
    assert affine.item("z").preview_text() == "[4, -3]"
    assert affine.item("matmul").preview_text() == "[3, -4]"

    affine.key(Qt.Key_Z, Qt.ControlModifier)
    shown_value(affine, "z", [2, -1])
    assert affine.item("z").preview_text() == "[2, -1]"
    affine.key(Qt.Key_Z, Qt.ShiftModifier | Qt.ControlModifier)
    shown_value(affine, "z", [4, -3])

    panel(affine, "z").pin_button.click()
    assert affine.window.tensor_view.names == ["x"]


def test_renaming_a_shown_node_keeps_it_in_the_tensor_dock(affine):
    """A renamed node stays selected and shown: the same panel (its heatmap is not built
    again), under the new name — beside a pinned node — and undo gives the old name back."""
    affine.select("z")
    shown_value(affine, "z", [2, -1])
    panel(affine, "z").pin_button.click()
    affine.select("A")
    shown_value(affine, "A", [[1, 0], [0, -1]])
    view = affine.window.tensor_view
    kept = view.panel("A")
    affine.rename("A", "weights")
    assert view.names == ["z", "weights"] and view.panel("weights") is kept
    assert kept.title.text() == "weights" and view.tabs.tabText(1) == "weights"
    assert [n.name for n in affine.scene.selected_nodes()] == ["weights"]
    settled(affine)
    shown_value(affine, "weights", [[1, 0], [0, -1]])
    assert view.names == ["z", "weights"] and view.panel("weights") is kept
    assert view.tabs.currentWidget() is view.panel("z")  # the tab chosen stays chosen

    affine.key(Qt.Key_Z, Qt.ControlModifier)
    settled(affine)
    shown_value(affine, "A", [[1, 0], [0, -1]])
    assert view.names == ["z", "A"] and view.panel("A") is kept and kept.name == "A"


def test_a_wire_edit_paints_the_loss_panel_once_as_it_ends_up(canvas):
    """Disconnecting the wire the loss needs switches its pinned panel to "blocked", and
    reconnecting it back to its values: each widget of the panel is painted once, after its
    layout (Qt paints before a layout request has climbed the widget levels, then again)."""
    from collections import Counter

    from PySide6.QtCore import QEvent, QObject

    from editor.document.commands import SetWires

    window = canvas.window
    assert window.open_file(EXAMPLES / "mlp.json", example=True)
    window.tensor_dock.raise_()  # its tab in front, as a user looking at the values has it
    window.select_names(["J"])
    shown_value(canvas, "J", Session(window.doc.graph).run("J"))
    panel = window.tensor_view.panel("J")
    panel.pin_button.click()
    window.select_names(["b_output"])
    shown_value(canvas, "b_output", window.doc.graph.get_node("b_output").value)
    assert window.tensor_view.panel("J") is panel

    class Paints(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.counts: Counter[QObject] = Counter()

        def eventFilter(self, watched, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                self.counts[watched] += 1
            return False

    paints = Paints()
    widgets = (panel.copy_button, panel.scalar, panel.message)  # (J is a scalar: one number)
    for widget in widgets:
        widget.installEventFilter(paints)
    doc = window.doc
    for source, mode, painted in ((None, "blocked", [panel.message]),
                                  ("b_output", "value", widgets[:2])):
        paints.counts.clear()
        assert doc.execute(SetWires(doc, [("add_1", 1, source)])) is None
        settled(canvas)
        canvas.qtbot.waitUntil(lambda m=mode: panel.mode == m)
        for _ in range(10):
            QApplication.processEvents()
        assert {w: paints.counts[w] for w in widgets} == {w: int(w in painted) for w in widgets}


def test_a_gradient_panel_stays_through_evaluations(affine):
    """A variable's gradient shown beside its value keeps its panel (and heatmap) while
    edits are evaluated."""
    from editor.compute.live import GRADIENT

    affine.select("A")
    shown_value(affine, "A", [[1, 0], [0, -1]])
    view = affine.window.tensor_view
    affine.window.live.set_gradients({"A": np.array([[0.5, 0.0], [0.0, 0.5]])})
    assert view.names == ["A", GRADIENT + "A"]
    kept = view.panel(GRADIENT + "A")
    affine.type_field("value", "[[2, 0], [0, -1]]")
    shown_value(affine, "A", [[2, 0], [0, -1]])
    settled(affine)
    assert view.names == ["A", GRADIENT + "A"] and view.panel(GRADIENT + "A") is kept
    np.testing.assert_array_equal(kept.value, [[0.5, 0.0], [0.0, 0.5]])


def test_previews_stay_live_without_selection(affine):
    affine.select("z")
    shown_value(affine, "z", [2, -1])
    affine.select("b")
    affine.type_field("value", "[0, 0]")
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[1, -2]")


def test_a_variable_shows_the_value_it_holds_and_an_op_a_summary(affine):
    affine.select("z")
    shown_value(affine, "z", [2, -1])
    assert affine.item("A").preview_text() == "[[1, 0], [0, -1]]"  # what the user typed
    assert affine.item("matmul").preview_text() == "[1, -2]"
    affine.select("A")
    affine.type_field("value", "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]")
    assert affine.item("A").preview_text() == "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]"
    affine.type_field("value", str(np.eye(6, dtype=int).tolist()))
    assert affine.item("A").preview_text() == "6×6 float64"  # too long to write out
    affine.type_field("value", "[[0.123456789, 2], [3, 4]]")
    assert affine.item("A").preview_text() == "[[0.1235, 2], [3, 4]]"  # rounded for the eye


def test_a_shape_mismatch_made_by_rewiring_marks_the_culprit_and_blocks_downstream(affine):
    affine.search_add("variable", affine.at(QPointF(100, 420)))
    (w,) = [n.name for n in affine.graph.nodes if n.name not in {"A", "x", "b", "matmul", "z"}]
    affine.type_field("value", "[[1, 2, 3], [4, 5, 6]]")
    affine.select("z")
    shown_value(affine, "z", [2, -1])

    affine.wire(w, "matmul", "a")
    message = "matmul: shapes (2,3) and (2,) not aligned"
    affine.qtbot.waitUntil(lambda: panel(affine, "z").mode == "blocked")
    assert panel(affine, "z").message.text() == ("Blocked by matmul:\n"
                                                 "shapes (2,3) and (2,) not aligned")
    matmul, z = affine.item("matmul"), affine.item("z")
    assert matmul.state == ERROR and message in matmul.message and message in matmul.tooltip()
    assert z.state == BLOCKED and "blocked by matmul" in z.message
    assert affine.item("A").state == affine.item("b").state == OK

    affine.wire("A", "matmul", "a")  # fix it by wiring A back
    shown_value(affine, "z", [2, -1])
    assert matmul.state == z.state == OK and not matmul.message and not z.message


def test_a_missing_placeholder_value_is_reported_and_can_be_given(affine):
    affine.select("x")
    affine.type_field("value", "")
    affine.select("z")
    affine.qtbot.waitUntil(lambda: panel(affine, "z").mode == "blocked")
    x = affine.item("x")
    affine.qtbot.waitUntil(lambda: x.state == ERROR)
    assert "placeholder 'x' needs a value" in x.message
    assert affine.item("matmul").state == affine.item("z").state == BLOCKED
    fix = panel(affine, "z").fix_button
    assert fix.isVisible() and fix.text() == "Give x a value…"

    affine.qtbot.mouseClick(fix, Qt.LeftButton)
    assert [n.name for n in affine.scene.selected_nodes()] == ["x"]
    field = affine.window.properties.fields["value"].widget
    affine.qtbot.waitUntil(field.hasFocus)
    affine.qtbot.keyClicks(field, "[1, 2]")
    affine.key(Qt.Key_Return, widget=field)
    affine.qtbot.waitUntil(lambda: affine.item("z").state == OK)
    assert x.state == affine.item("matmul").state == OK
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[2, -1]")


def test_nan_values_are_counted_not_a_crash(canvas, tmp_path):
    graph = Graph()
    v = graph.add_node("variable", name="v", value=np.array([-1.0, 1.0, 0.0]))
    graph.add_node("log", [v], name="logv")
    open_graph(canvas, tmp_path, graph)
    canvas.select("logv")
    canvas.qtbot.waitUntil(lambda: "logv" in canvas.window.tensor_view.names
                           and panel(canvas, "logv").mode == "value")
    stats = panel(canvas, "logv").stats_strip
    assert stats.text("nan") == "1" and stats.text("neginf") == "1"
    assert stats.alerted("nan") and stats.alerted("neginf") and not stats.alerted("posinf")
    assert canvas.item("logv").preview_text() == "[nan, 0, -inf]"
    canvas.qtbot.waitUntil(lambda: canvas.item("logv").state == ERROR)  # where NaN begins


@pytest.fixture
def held_op():
    """A test op ``held`` that notes its input and passes it on once its gate lets it: open
    at first, closed by a test to hold the evaluator's worker inside the op (opened after)."""
    op = SimpleNamespace(type="held", gate=Gate(open=True), inputs=[])

    def compute(x):
        op.inputs.append(x.tolist())
        op.gate.wait()
        return x

    register(OpDef(type=op.type, inputs=("x",), compute=compute, shape=shapes.same,
                   category="Test", doc="waits for the test, then passes x on"))
    yield op
    op.gate.open()
    unregister(op.type)


def test_a_slow_evaluation_keeps_the_window_responsive_and_is_superseded(canvas, tmp_path,
                                                                        held_op):
    graph = Graph()
    v = graph.add_node("variable", name="v", value=np.array([1.0]))
    graph.add_node(held_op.type, [v], name="slow")
    open_graph(canvas, tmp_path, graph)
    settled(canvas)
    assert canvas.item("slow").preview_text() == "[1]"  # evaluated on opening
    canvas.select("slow")
    shown_value(canvas, "slow", [1])
    panel(canvas, "slow").pin_button.click()  # keep slow in the dock while v is edited
    canvas.select("v")
    shown: list = []
    canvas.window.live.compute.evaluated.connect(
        lambda e: shown.append(e.values.get("slow")))
    held_at_tick: list[int] = []  # at each timer event: calls held in the op
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: held_at_tick.append(held_op.gate.held))
    timer.start()
    held_op.gate.close()
    held_op.inputs.clear()
    canvas.type_field("value", "[2]")  # evaluates slow with v = [2]: held in the op
    canvas.view.setFocus()
    canvas.qtbot.waitUntil(lambda: held_op.gate.held == 1, timeout=30_000)
    canvas.qtbot.waitUntil(canvas.window.live.busy_indicator.isVisible, timeout=30_000)
    canvas.qtbot.waitUntil(lambda: held_at_tick.count(1) >= 3, timeout=30_000)
    undo_at = len(held_at_tick)
    canvas.key(Qt.Key_Z, Qt.ControlModifier)  # undo v = [2] while [2] is being evaluated
    assert canvas.graph.get_node("v").value.tolist() == [1.0]  # handled at once
    assert held_op.gate.held == 1  # the worker is still inside the op
    # and the event loop keeps running while it is
    canvas.qtbot.waitUntil(lambda: held_at_tick[undo_at:].count(1) >= 3, timeout=30_000)
    held_op.gate.open()
    settled(canvas)
    shown_value(canvas, "slow", [1])
    timer.stop()
    assert held_op.inputs == [[2.0], [1.0]]  # both evaluations ran, one after the other
    assert [s.tolist() for s in shown if s is not None] == [[1.0]]  # never the stale [2]
    assert not canvas.window.live.busy_indicator.isVisible()


def test_step_through_visits_the_nodes_in_order_and_shows_each_value(affine):
    affine.select("z")
    shown_value(affine, "z", [2, -1])
    affine.key(Qt.Key_F10)
    window, stepper = affine.window, affine.window.live.stepper
    affine.qtbot.waitUntil(lambda: len(stepper.steps) == 5)
    assert window.step_dock.isVisible() and window.step_action.isChecked()
    assert all(item.step == "pending" for item in affine.scene.node_items.values())
    assert affine.item("z").preview_text() == ""

    seen: list[str] = []
    for k in range(5):
        affine.qtbot.mouseClick(window.step_controls.next_button, Qt.LeftButton)
        step = stepper.current
        assert all(source in seen for source in step.inputs)  # inputs before consumers
        seen.append(step.name)
        item = affine.item(step.name)
        assert item.step == "current" and item.preview_text() == step.value_text()
        assert all(affine.item(n).step == "done" for n in seen[:-1])
        assert window.tensor_view.names == [step.name]
        assert np.array_equal(panel(affine, step.name).value, step.value)
        assert f"step {k + 1} of 5" in window.step_controls.status.text()
    assert seen[-1] == "z" and sorted(seen) == ["A", "b", "matmul", "x", "z"]
    assert affine.item("matmul").preview_text() == "[1, -2]"
    affine.qtbot.mouseClick(window.step_controls.back_button, Qt.LeftButton)
    assert affine.item("z").step == "pending"

    affine.key(Qt.Key_F10)  # leave
    assert not window.step_dock.isVisible() and not window.step_action.isChecked()
    assert all(item.step is None for item in affine.scene.node_items.values())
    shown_value(affine, "z", [2, -1])
    assert affine.item("z").preview_text() == "[2, -1]"


def start_stepping(canvas, name: str = "z") -> None:
    canvas.select(name)
    canvas.key(Qt.Key_F10)
    canvas.qtbot.waitUntil(lambda: len(canvas.window.live.stepper.steps) == 5)
    assert canvas.window.step_dock.isVisible()


def left_stepping(canvas) -> bool:
    window = canvas.window
    return (not window.live.stepping and not window.step_dock.isVisible()
            and not window.step_action.isChecked()
            and all(item.step is None for item in canvas.scene.node_items.values()))


def test_escape_leaves_the_step_through_from_the_canvas(affine):
    start_stepping(affine)
    affine.qtbot.mouseClick(affine.window.step_controls.next_button, Qt.LeftButton)
    affine.view.setFocus()
    affine.key(Qt.Key_Escape)
    assert left_stepping(affine)
    shown_value(affine, "z", [2, -1])
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[2, -1]")


def test_escape_leaves_the_step_through_from_the_step_controls(affine):
    start_stepping(affine)
    speed = affine.window.step_controls.speed
    affine.qtbot.mouseClick(speed, Qt.LeftButton, pos=speed.rect().center())
    assert speed.hasFocus()
    affine.key(Qt.Key_Escape, widget=speed)
    assert left_stepping(affine)


def test_the_leave_button_leaves_the_step_through(affine):
    start_stepping(affine)
    (leave,) = [b for b in affine.window.step_dock.findChildren(QToolButton)
                if b.text() == "Leave"]
    affine.qtbot.mouseClick(leave, Qt.LeftButton)
    assert left_stepping(affine)
    shown_value(affine, "z", [2, -1])


def test_escape_while_stepping_first_cancels_a_wire_drag_a_search_or_a_rename(affine):
    start_stepping(affine)
    live = affine.window.live
    start = affine.port("z", "y")
    affine.qtbot.mousePress(affine.viewport, Qt.LeftButton, Qt.NoModifier, start)
    affine.qtbot.mouseMove(affine.viewport, start + QPoint(60, 90))
    affine.key(Qt.Key_Escape)  # drops the wire
    affine.qtbot.mouseRelease(affine.viewport, Qt.LeftButton, Qt.NoModifier, start + QPoint(60, 90))
    assert [n.name for n in affine.graph.get_node("z").inputs] == ["matmul", "b"]
    assert live.stepping and affine.window.step_dock.isVisible()

    affine.key(Qt.Key_Tab)  # the node search
    search = affine.view.search
    assert search.isVisible()
    affine.key(Qt.Key_Escape, widget=search.edit)
    assert not search.isVisible() and live.stepping

    affine.key(Qt.Key_F2)  # rename z
    edit = affine.view._rename_edit
    assert edit is not None and edit.isVisible()
    affine.qtbot.keyClicks(edit, "zzz")
    affine.key(Qt.Key_Escape, widget=edit)
    assert affine.view._rename_edit is None and "z" in affine.graph and live.stepping

    affine.key(Qt.Key_Escape)  # nothing else to cancel: leave
    assert left_stepping(affine)


def test_step_through_needs_a_selected_node(affine):
    affine.key(Qt.Key_F10)
    assert not affine.window.step_action.isChecked()
    assert "Select a node" in affine.status()


def test_a_million_element_tensor_opens_in_the_dock(canvas, tmp_path):
    graph = Graph()
    big = np.arange(1_000_000, dtype=np.float64).reshape(1000, 1000)
    graph.add_node("variable", name="big", value=big)
    open_graph(canvas, tmp_path, graph)
    canvas.select("big")
    shown_value(canvas, "big", big)
    p = panel(canvas, "big")
    assert p.model.rowCount() == 1000 and p.model.columnCount() == 1000
    assert p.stats_strip.text("max") == "999999"
    p.table.scrollToBottom()
    assert canvas.item("big").preview_text() == "1000×1000 float64"


def test_values_on_nodes_can_be_hidden_and_the_choice_is_kept(affine, qtbot):
    affine.select("z")
    shown_value(affine, "z", [2, -1])
    action = affine.window.show_values_action
    assert action.isChecked()
    action.trigger()
    assert affine.item("z").preview_text() == "" == affine.item("A").preview_text()
    assert settings().value("show_values", True, bool) is False
    action.trigger()
    assert affine.item("z").preview_text() == "[2, -1]"
    action.trigger()
    again = MainWindow()
    qtbot.addWidget(again)
    assert not again.show_values_action.isChecked()
    action.trigger()


def test_an_edit_while_stepping_re_runs_the_steps_at_the_same_place(affine):
    affine.select("x")
    affine.type_field("value", "[3, 4]")
    affine.select("z")
    affine.key(Qt.Key_F10)
    window, stepper = affine.window, affine.window.live.stepper
    affine.qtbot.waitUntil(lambda: len(stepper.steps) == 5)
    affine.qtbot.mouseClick(window.step_controls.end_button, Qt.LeftButton)
    assert affine.item("z").preview_text() == "[4, -3]"
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[2, -1]")
    assert stepper.position == 5 and affine.item("z").step == "current"
    assert "z = add(matmul, b) = [2, -1]" in window.step_controls.status.text()


def test_opening_another_graph_leaves_the_step_through(affine, tmp_path):
    affine.select("z")
    affine.key(Qt.Key_F10)
    assert affine.window.step_dock.isVisible()
    graph = Graph()
    graph.add_node("variable", name="v", value=np.array([1.0]))
    open_graph(affine, tmp_path, graph, "other.json")
    assert not affine.window.step_dock.isVisible()
    assert not affine.window.step_action.isChecked()
    assert affine.item("v").step is None
    affine.select("v")
    shown_value(affine, "v", [1.0])


def test_select_all_shows_a_bounded_number_of_nodes(canvas, tmp_path):
    graph = Graph()
    node = graph.add_node("variable", name="v", value=np.array([1.0]))
    for k in range(29):
        node = graph.add_node("negative", [node], name=f"n{k}")
    open_graph(canvas, tmp_path, graph)
    canvas.click(canvas.title("v"))
    canvas.key(Qt.Key_A, Qt.ControlModifier)
    assert len(canvas.scene.selected_nodes()) == 30
    assert canvas.window.tensor_view.names == ["v"] + [f"n{k}" for k in range(11)]
    assert "first 12 of the 30 selected" in canvas.status()
    shown_value(canvas, "n10", [-1.0])  # negated 11 times
    assert canvas.item("n10").preview_text() == "[-1]"
    assert canvas.item("n28").preview_text() == "[-1]"  # previewed since the file was opened


# ---- values on opening a file -------------------------------------------------------------

def test_opening_a_file_shows_a_value_on_every_node_without_a_click(affine):
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[2, -1]")
    assert affine.item("matmul").preview_text() == "[1, -2]"
    assert all(item.preview_text() for item in affine.scene.node_items.values())
    assert affine.scene.selected_nodes() == [] and affine.window.tensor_view.names == []
    assert all(item.state == OK for item in affine.scene.node_items.values())

    affine.select("x")  # previews opened with the file stay live after edits
    affine.type_field("value", "[3, 4]")
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[4, -3]")
    assert affine.item("matmul").preview_text() == "[3, -4]"
    affine.key(Qt.Key_Z, Qt.ControlModifier, affine.view)
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[2, -1]")


@pytest.fixture
def counted_step():
    """A stateful test op (like a train step) that counts how often it runs."""
    runs: list[int] = []
    register(OpDef(type="counted_step", inputs=("loss",), shape=shapes.same, stateful=True,
                   compute=lambda loss: (runs.append(1), loss)[1], category="Test",
                   doc="counts its runs"))
    yield runs
    unregister("counted_step")


def test_opening_a_file_never_runs_a_train_step(canvas, tmp_path, counted_step):
    graph = Graph()
    w = graph.add_node("variable", name="w", value=np.array([3.0]))
    loss = graph.add_node("square", [w], name="loss")
    step = graph.add_node("counted_step", [loss], name="step")
    graph.add_node("negative", [step], name="after")  # would run the step too
    open_graph(canvas, tmp_path, graph)
    canvas.qtbot.waitUntil(lambda: canvas.item("loss").preview_text() == "[9]")
    settled(canvas)
    assert counted_step == []
    assert canvas.item("step").preview_text() == canvas.item("after").preview_text() == ""

    canvas.select("w")  # an edit re-evaluates the previews, still not the step
    canvas.type_field("value", "[2]")
    canvas.qtbot.waitUntil(lambda: canvas.item("loss").preview_text() == "[4]")
    settled(canvas)
    assert counted_step == [] and canvas.item("after").preview_text() == ""


def test_opening_the_mlp_example_shows_its_loss_and_does_not_train(canvas):
    window = canvas.window
    graph = load_graph(EXAMPLES / "mlp.json")
    expected = Session(graph).run("J")
    assert window.open_file(EXAMPLES / "mlp.json", example=True)
    canvas.qtbot.waitUntil(lambda: canvas.item("J").preview_text() == preview(expected))
    settled(canvas)
    assert canvas.item("train").preview_text() == ""
    for name in ("W_hidden", "p_hidden", "p_output"):
        assert canvas.item(name).preview_text()
    canvas.select("b_output")  # an edit: were the replica trained, J would differ now
    canvas.type_field("value", format_tensor(graph.get_node("b_output").value))
    canvas.select("J")
    shown_value(canvas, "J", expected)


def test_a_placeholder_without_a_value_marks_nothing_until_asked(affine):
    affine.select("x")
    affine.type_field("value", "")
    path = affine.window.doc.path
    affine.window.save()
    assert affine.window.open_file(path)
    settled(affine)
    assert all(item.state == OK for item in affine.scene.node_items.values())
    assert affine.item("z").preview_text() == "" == affine.item("matmul").preview_text()

    affine.select("z")  # asked: the culprit and the blocked nodes are marked
    affine.qtbot.waitUntil(lambda: affine.item("x").state == ERROR)
    assert affine.item("matmul").state == affine.item("z").state == BLOCKED
    affine.click(affine.at(QPointF(-300, -300)))  # deselect: z stays marked, as it is live
    assert affine.scene.selected_nodes() == []
    settled(affine)
    assert affine.item("x").state == ERROR and affine.item("z").state == BLOCKED

    affine.select("x")
    affine.type_field("value", "[1, 2]")
    affine.qtbot.waitUntil(lambda: affine.item("z").preview_text() == "[2, -1]")
    assert all(item.state == OK for item in affine.scene.node_items.values())


def test_a_big_graph_opens_and_its_values_follow_off_the_gui_thread(canvas, tmp_path,
                                                                    held_op):
    graph = Graph()
    ends = []
    for c in range(100):
        node = graph.add_node("variable", name=f"v{c}", value=np.array([float(c)]))
        for k in range(99):
            node = graph.add_node("negative", [node], name=f"c{c}_{k}")
        ends.append(node)
    while len(ends) > 1:
        ends = [graph.add_node("add", ends[i : i + 2]) if i + 1 < len(ends) else ends[i]
                for i in range(0, len(ends), 2)]
    slow = graph.add_node(held_op.type, [ends[0]], name="slower")
    graph.add_node(held_op.type, [slow], name="slow")
    assert len(graph) > 10_000
    path = tmp_path / "big.json"
    save_graph(graph, path)
    held_op.gate.close()  # the evaluation, once past the 10,000 nodes, waits in "slower"
    held_at_tick: list[int] = []  # at each timer event: calls held in the op
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: held_at_tick.append(held_op.gate.held))
    timer.start()
    assert canvas.window.open_file(path)
    evaluator = canvas.window.live.compute
    assert evaluator.busy  # evaluating in the background: open_file did not wait for it
    canvas.qtbot.waitUntil(lambda: held_op.gate.held == 1, timeout=60_000)
    assert evaluator.busy and held_op.inputs == [[-4950.0]]
    canvas.qtbot.waitUntil(canvas.window.live.busy_indicator.isVisible, timeout=30_000)
    # the event loop keeps running while the worker is inside the op
    canvas.qtbot.waitUntil(lambda: held_at_tick.count(1) >= 5, timeout=30_000)
    assert canvas.item("slow").preview_text() == ""  # no value before the worker has one
    held_op.gate.open()
    canvas.qtbot.waitUntil(lambda: canvas.item("slow").preview_text() == "[-4950]",
                           timeout=60_000)
    timer.stop()  # (a big result's previews are shown a slice a turn of the event loop)
    canvas.qtbot.waitUntil(lambda: canvas.item("c7_98").preview_text() == "[-7]")
    assert canvas.scene.selected_nodes() == []


def test_opening_a_file_copies_its_graph_for_the_evaluations_off_the_gui_thread(
        canvas, tmp_path, monkeypatch):
    import threading

    import engine.graph

    rebuild, copied_in = engine.graph._rebuild, []

    def recording(specs):
        copied_in.append(threading.current_thread())
        return rebuild(specs)

    monkeypatch.setattr(engine.graph, "_rebuild", recording)
    open_graph(canvas, tmp_path, load_graph(EXAMPLES / "affine.json"))
    canvas.select("z")
    shown_value(canvas, "z", [2, -1])  # evaluated on the worker's copy
    assert copied_in and threading.main_thread() not in copied_in


def test_a_big_result_shows_its_previews_a_slice_a_turn(canvas, tmp_path, monkeypatch):
    import editor.compute.live as live

    monkeypatch.setattr(live, "PREVIEW_SLICE", 4)  # (2,000 in use: a big graph's first result)
    graph = Graph()
    node = graph.add_node("variable", name="v", value=np.array([1.0]))
    for k in range(20):
        node = graph.add_node("negative", [node], name=f"n{k}")
    shown_at_once: list[int] = []  # once each result is shown: the nodes with a preview
    canvas.window.live.compute.evaluated.connect(lambda _: shown_at_once.append(
        sum(canvas.item(n).preview_text() != "" for n in ["v", *(f"n{k}" for k in range(20))])))
    open_graph(canvas, tmp_path, graph)
    canvas.qtbot.waitUntil(lambda: all(canvas.item(f"n{k}").preview_text() != ""
                                       for k in range(20)))
    assert 0 < shown_at_once[0] <= 1 + 4  # v's own, and one slice: the rest in later turns
    assert [canvas.item(f"n{k}").preview_text() for k in range(20)] == \
        ["[-1]", "[1]"] * 10


def test_a_delete_drops_the_previews_below_it_and_undo_brings_them_back(canvas, tmp_path):
    """The values an edit drops lose their previews (those above it keep theirs), and come
    back on Ctrl+Z: as for a delete far out in a big graph, where every value may be dropped."""
    graph = Graph()
    node = graph.add_node("variable", name="v", value=np.array([1.0]))
    for k in range(8):
        node = graph.add_node("negative", [node], name=f"n{k}")
    names = ["v", *(f"n{k}" for k in range(8))]
    open_graph(canvas, tmp_path, graph)
    shown = ["[1]", *(["[-1]", "[1]"] * 4)]
    canvas.qtbot.waitUntil(lambda: [canvas.item(n).preview_text() for n in names] == shown)
    canvas.select("n3")
    canvas.key(Qt.Key_Delete)
    settled(canvas)
    canvas.qtbot.waitUntil(lambda: [canvas.item(n).preview_text() for n in names[4:]
                                    if n != "n3"] == [""] * 4)
    assert [canvas.item(n).preview_text() for n in names[:4]] == shown[:4]
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    canvas.qtbot.waitUntil(lambda: [canvas.item(n).preview_text() for n in names] == shown)
