"""What a new user tripped on, repeated with real mouse and key events: each test is the
user's steps and what they must see."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QHelpEvent
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPushButton, QToolBar, QToolTip

import engine as ts
from editor.document import ERROR, OK
from engine.tensors import format_tensor, parse_tensor_text


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
    """The History dock's entries, as it lists them (after "Start"), in front."""
    window.history_dock.raise_()  # (behind another dock's tab, the list waits)
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


def test_fields_take_python_and_numpy_spellings_and_say_what_to_type(affine, dialogs,
                                                                      tmp_path) -> None:
    """A placeholder's shape typed as Python writes it, values pasted as numpy prints them; a
    ragged list and an array numpy shortened are refused in words, and Import… reads the
    whole array from a file."""
    affine.search_add("placeholder", affine.at(QPointF(560, 300)))
    fields = affine.window.properties.fields
    affine.type_field("attr:shape", "[None, 2]")
    assert not fields["attr:shape"].error.isVisible()
    assert affine.graph.get_node("placeholder").shape == (None, 2)
    assert fields["attr:shape"].widget.text() == "[None, 2]"
    affine.type_field("value", "[[1, 2], [3, 4, 5]]")
    assert fields["value"].error.text() == "a ragged list: row 2 has 3 values, row 1 has 2"
    affine.type_field("value", "array([[1., 2.],  [3., 4.]])")
    assert not fields["value"].error.isVisible()
    np.testing.assert_array_equal(affine.graph.get_node("placeholder").value, [[1, 2], [3, 4]])
    affine.type_field("value", "[[nan 2.] [inf -inf]]")
    assert not fields["value"].error.isVisible()
    assert fields["value"].widget.text() == "[[nan, 2], [inf, -inf]]"

    affine.select("b")
    fields = affine.window.properties.fields
    affine.type_field("value", "[None, 2]")
    assert fields["value"].error.text() == ("not a numeric tensor: None is not a number — type "
                                            "nan for a missing value")
    affine.type_field("value", "[0 1 2 ... 97 98 99]")
    error = fields["value"].error
    assert error.text() == ("numpy left values out of this array ('...' at character 8): "
                            "import the whole array from a .npy or .csv file instead")
    assert affine.graph.get_node("b").value.tolist() == [1, 1]
    np.save(tmp_path / "b.npy", np.array([0.5, -0.5]))
    dialogs.open_path = str(tmp_path / "b.npy")
    button = affine.window.properties.findChild(QPushButton, "import_value")
    affine.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert affine.graph.get_node("b").value.tolist() == [0.5, -0.5]
    assert not error.isVisible() and fields["value"].widget.text() == "[0.5, -0.5]"
    assert history(affine.window)[-1] == "Set b = [0.5, -0.5]"


# ---- words on screen ---------------------------------------------------------------------

def open_mlp(canvas) -> None:
    (example,) = [a for a in canvas.window.examples_menu.actions() if a.text() == "mlp"]
    example.trigger()
    canvas.view.set_zoom(1.0)
    canvas.view.setFocus()


def right_click(canvas, point: QPoint, then) -> list[str]:
    """Right-click at ``point`` (the press and the context-menu event Qt makes of it); while
    the menu is open, call ``then(menu)``, which picks an entry. Returns the entries shown."""
    shown: list[str] = []

    def with_menu_open() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        shown.extend(a.text().replace("&", "").split("\t")[0] for a in menu.actions()
                     if not a.isSeparator())
        then(menu)

    QTimer.singleShot(0, with_menu_open)  # runs in the menu's own event loop
    canvas.qtbot.mousePress(canvas.viewport, Qt.MouseButton.RightButton, pos=point)
    QApplication.sendEvent(canvas.viewport, QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, point, canvas.viewport.mapToGlobal(point)))
    canvas.qtbot.mouseRelease(canvas.viewport, Qt.MouseButton.RightButton, pos=point)
    assert shown, "no menu opened"
    return shown


def pick(canvas, text: str):
    """A ``then`` for :func:`right_click`: click the entry ``text``."""
    def click_entry(menu: QMenu) -> None:
        (action,) = [a for a in menu.actions()
                     if a.text().replace("&", "").split("\t")[0] == text]
        canvas.qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                                pos=menu.actionGeometry(action).center())
    return click_entry


def close(menu: QMenu) -> None:
    menu.close()


def test_a_node_has_its_own_right_click_menu(canvas) -> None:
    """Right-click a node: its own menu (rename, delete, duplicate, step through from it,
    copy its value, show its gradient); right-click empty canvas: the canvas's menu."""
    open_mlp(canvas)
    window, graph = canvas.window, canvas.graph
    empty = canvas.at(canvas.item("X").sceneBoundingRect().topLeft() - QPointF(40, 40))
    shown = right_click(canvas, empty, close)
    assert {"Add Node…", "Paste", "Select All", "Arrange", "Frame All"} <= set(shown)
    assert "Copy Value" not in shown

    clipboard = QGuiApplication.clipboard()
    clipboard.clear()  # (another test may have copied something)
    shown = right_click(canvas, canvas.title("W_hidden"), pick(canvas, "Copy Value"))
    assert shown == ["Rename…", "Delete", "Duplicate", "Step Through From Here", "Copy Value",
                     "Show Gradient"]  # a trained variable
    canvas.qtbot.waitUntil(lambda: clipboard.text() != "")  # once the Tensor dock has it
    assert clipboard.text() == format_tensor(graph.get_node("W_hidden").value)
    assert [n.name for n in canvas.scene.selected_nodes()] == ["W_hidden"]

    clipboard.clear()
    shown = right_click(canvas, canvas.title("p_output"), pick(canvas, "Copy Value"))
    assert "Show Gradient" not in shown  # not a variable
    canvas.qtbot.waitUntil(lambda: clipboard.text() != "")
    expected = ts.Session(graph).run("p_output")
    np.testing.assert_allclose(parse_tensor_text(clipboard.text()), expected)
    assert canvas.status() == "Copied the value of p_output to the clipboard"

    right_click(canvas, canvas.title("W_output"), pick(canvas, "Show Gradient"))
    assert window.training.show_gradients_action.isChecked()  # View › Show Gradients
    assert [n.name for n in canvas.scene.selected_nodes()] == ["W_output"]
    canvas.qtbot.waitUntil(lambda: "∇W_output" in window.tensor_view.names)

    right_click(canvas, canvas.title("matmul_1"), pick(canvas, "Step Through From Here"))
    assert window.live.stepping_name == "matmul_1" and window.step_action.isChecked()
    canvas.qtbot.waitUntil(lambda: bool(window.live.stepper.steps))
    assert window.live.stepper.steps[-1].name == "matmul_1"
    assert window.step_controls.status.text() == "8 steps — press Next or Play"
    canvas.key(Qt.Key.Key_Escape, widget=window)
    assert not window.live.stepping

    right_click(canvas, canvas.title("J"), pick(canvas, "Rename…"))
    canvas.qtbot.waitUntil(lambda: canvas.view._rename_edit is not None)
    edit = canvas.view._rename_edit
    canvas.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier, edit)
    canvas.qtbot.keyClicks(edit, "loss")
    canvas.key(Qt.Key.Key_Return, widget=edit)
    assert "loss" in graph and "J" not in graph

    right_click(canvas, canvas.title("b_output"), pick(canvas, "Duplicate"))
    assert "b_output_1" in graph
    right_click(canvas, canvas.title("b_output_1"), pick(canvas, "Delete"))
    assert "b_output_1" not in graph
    assert history(window)[-3:] == ["Rename J to loss", "Duplicate b_output_1",
                                   "Delete b_output_1"]


def cut_at_a_word(shown: str, whole: str) -> bool:
    """Whether ``shown`` is ``whole``, or its start up to a word's end followed by "…"."""
    if shown == whole:
        return True
    kept = shown.removesuffix("…")
    return shown.endswith("…") and whole.startswith(kept) and whole[len(kept)] in " _,"


def hover_text(canvas, point: QPoint) -> str:
    """What hovering ``point`` shows (the tool tip Qt asks for after the mouse rests)."""
    canvas.qtbot.mouseMove(canvas.viewport, point)
    QApplication.sendEvent(canvas.viewport, QHelpEvent(
        QEvent.Type.ToolTip, point, canvas.viewport.mapToGlobal(point)))
    return QToolTip.text()


def test_names_and_messages_are_cut_at_words_wrapped_or_said_once(canvas, tmp_path) -> None:
    """Long names end at a word with the whole name on hover; a name that is its op's is
    not followed by the op again; the Tensor dock does not repeat the node's name before its
    message; a long status line wraps instead of running off the window."""
    with ts.Graph().as_default() as graph:
        weights = ts.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                              name="weights_of_the_hidden_layer")
        ts.matmul(weights, ts.Variable([1.0, 2.0], name="b"), name="matmul")
        probabilities = ts.softmax(ts.Variable([[1.0, 2.0]], name="v"), name="softmax")
        labels = ts.placeholder(shape=[None, 2], name="labels", default=[[0.0, 1.0]])
        ts.softmax_cross_entropy(labels, probabilities, name="softmax_cross_entropy_loss")
    ts.save_graph(graph, tmp_path / "words.json")
    assert canvas.window.open_file(tmp_path / "words.json")
    canvas.view.set_zoom(1.0)

    name, symbol = canvas.item("softmax_cross_entropy_loss").title_texts()
    assert symbol == "xent" and cut_at_a_word(name, "softmax_cross_entropy_loss")
    assert name != "softmax_cross_entropy_loss"
    name, symbol = canvas.item("weights_of_the_hidden_layer").title_texts()
    assert symbol == "var" and cut_at_a_word(name, "weights_of_the_hidden_layer")
    assert canvas.item("softmax").title_texts() == ("softmax", "")  # not "softmax softmax"
    assert canvas.item("matmul").title_texts() == ("matmul", "@")
    tip = hover_text(canvas, canvas.title("softmax_cross_entropy_loss"))
    assert "<b>softmax_cross_entropy_loss</b> — softmax_cross_entropy" in tip
    assert hover_text(canvas, canvas.title("softmax")).startswith("<b>softmax</b><br>")

    canvas.select("matmul")
    message = "shapes (2,3) and (2,) not aligned"
    footer, _ = canvas.item("matmul").footer()
    assert footer != message and cut_at_a_word(footer, message)
    assert message in hover_text(canvas, canvas.title("matmul"))
    panel = canvas.window.tensor_view.panel("matmul")
    canvas.qtbot.waitUntil(lambda: panel.mode == "error")
    assert panel.title.text() == "matmul" and panel.message.text() == message  # once

    canvas.window.resize(700, 600)
    canvas.wire("softmax_cross_entropy_loss", "softmax", "x")  # would close a cycle
    status = canvas.window.statusBar()
    said = status.currentMessage()
    assert "cycle" in said and status.label.text() == said
    canvas.qtbot.waitUntil(lambda: status.label.minimumHeight()
                           >= 2 * status.label.fontMetrics().height())  # two lines, not cut
    assert status.label.width() < status.label.fontMetrics().horizontalAdvance(said)


def test_toolbar_search_and_training_dock_say_things_once_and_fit(canvas) -> None:
    """The toolbar has the actions a user looks for, with icons and words; the Tab search is
    as tall as its results; the Training dock says the loss once and labels the decision
    boundary's axes with the input's columns."""
    open_mlp(canvas)
    window = canvas.window
    (toolbar,) = window.findChildren(QToolBar)
    entries = [a for a in toolbar.actions() if not a.isSeparator()]
    assert [a.iconText() for a in entries] == ["Open", "Save", "Undo", "Redo", "Step Through",
                                               "Train", "Frame All"]
    assert all(not a.icon().isNull() for a in entries)
    assert toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon

    canvas.qtbot.mouseMove(canvas.viewport, QPoint(300, 200))
    canvas.key(Qt.Key.Key_Tab)
    search = canvas.view.search
    full = search.height()
    row = search.list.sizeHintForRow(0)
    assert search.list.count() > 12 and search.list.height() == 12 * row + 2 * \
        search.list.frameWidth()
    canvas.qtbot.keyClicks(search.edit, "matmu")
    assert search.list.count() == 1
    assert search.list.height() == row + 2 * search.list.frameWidth()  # no empty rows
    assert search.height() < full - 10 * row
    canvas.key(Qt.Key.Key_Escape, widget=search.edit)

    dock = window.training.training
    def loss_words() -> list[str]:
        return [label.text() for label in window.training.dock.findChildren(QLabel)
                if label.isVisible() and label.text().startswith("loss")]
    assert loss_words() == ["loss —"]  # once
    dock.tabs.setCurrentIndex(1)  # Decision boundary
    axes = dock.boundary.plot.getPlotItem()
    assert axes.getAxis("bottom").labelText == "X[:, 0]"
    assert axes.getAxis("left").labelText == "X[:, 1]"
    dock.tabs.setCurrentIndex(0)
    (train,) = [toolbar.widgetForAction(a) for a in entries if a.iconText() == "Train"]
    with canvas.qtbot.waitSignal(dock.training_finished, timeout=60_000):
        canvas.qtbot.mouseClick(train, Qt.MouseButton.LeftButton)
    (said,) = loss_words()
    assert said == f"loss {float(ts.Session(canvas.graph).run('J')):.4g}"
    canvas.view.set_zoom(3.0)
    (frame,) = [toolbar.widgetForAction(a) for a in entries if a.iconText() == "Frame All"]
    canvas.qtbot.mouseClick(frame, Qt.MouseButton.LeftButton)
    assert canvas.view.zoom() < 1.5
