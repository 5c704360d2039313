"""Data in the editor: the digits example trains by epochs with one click and shows its
validation accuracy, curves and confusion matrix."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from conftest import WAIT, click, example_action
from data_graphs import classifier
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

import engine as ts
from editor.data.import_dialog import ImportDialog
from editor.document import ERROR
from editor.document.commands import SetWires

DATASETS = Path(__file__).resolve().parents[2] / "resources" / "datasets"





def test_the_digits_example_trains_by_epochs_with_one_click(qtbot, window) -> None:
    example_action(window, "digits").trigger()
    dock = window.training.training
    assert dock.train_combo.currentText() == "train  (minimizes J)"
    assert dock.data_label.text() == "digits: 1,797 rows, features → X, labels → c"
    assert dock.epochs.isVisibleTo(dock) and not dock.steps.isVisibleTo(dock)
    assert (dock.epochs.value(), dock.batch_size.value(), dock.validation_split.value()) == (
        10, 32, 0.2)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    result = finished.args[0]
    assert result.reason == "done" and len(result.epochs) == 10 and result.steps == 450
    assert result.epochs[-1].validation_accuracy >= 0.95
    assert dock.message.text().startswith("Trained 10 epochs (450 steps) in ")
    assert f"validation accuracy {result.epochs[-1].validation_accuracy:.1%}" in \
        dock.message.text()
    assert len(dock.epoch_view.epochs) == 10
    assert dock.epoch_view.summary.text().startswith("epoch 10 · loss ")
    assert dock.confusion.rowCount() == 10
    assert dock.confusion.verticalHeaderItem(3).text() == "true 3"
    total = sum(int(dock.confusion.item(i, j).text()) for i in range(10) for j in range(10))
    assert total == 359  # the validation rows
    session = ts.Session(window.doc.graph)  # the document holds the trained values
    assert float(session.run("J")) < 0.2


def test_the_data_rows_follow_the_train_nodes_wiring(qtbot, window) -> None:
    """Take the train node's loss off and the dock shows Steps instead of the data set's
    rows (its tabs of epochs go); put it back and they come back, as they were."""
    example_action(window, "digits").trigger()
    dock, doc = window.training.training, window.doc
    train_node = dock.train_combo.currentData()
    loss = doc.graph.get_node(train_node).inputs[0].name
    text = dock.data_label.text()
    for source, data in ((None, False), (loss, True), (None, False), (loss, True)):
        assert doc.execute(SetWires(doc, [(train_node, 0, source)])) is None
        qtbot.waitUntil(lambda data=data: dock.epochs.isVisibleTo(dock) == data)
        assert dock.steps.isVisibleTo(dock) != data
        assert [dock.tabs.isTabVisible(i) for i in (2, 3)] == [data, data]
    assert dock.data_label.text() == text


def open_classifier(window, tmp_path, features: int = 4, classes: int = 3):
    path = tmp_path / "model.json"
    ts.save_graph(classifier(features, classes), path)
    assert window.open_file(path)
    return path


def import_dialog(window, qtbot, path) -> ImportDialog:
    window.data.import_action.trigger()
    dialog = window.data.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.path, str(path))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    return dialog


def test_import_a_csv_through_the_dialog_bind_it_and_train(qtbot, window, canvas,
                                                            tmp_path) -> None:
    open_classifier(window, tmp_path)
    csv = tmp_path / "flowers.csv"
    shutil.copy(DATASETS / "iris.csv", csv)
    dialog = import_dialog(window, qtbot, csv)
    assert dialog.preview.rowCount() == 10 and dialog.preview.columnCount() == 5
    assert dialog.preview.horizontalHeaderItem(4).text() == "species"
    assert dialog.preview.item(0, 4).text() == "setosa"
    assert dialog.label.currentText() == "species"  # the last column, guessed
    assert dialog.features_to.currentText() == "X" and dialog.labels_to.currentText() == "c"
    box = dialog.standardize
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    shown: list[int] = []
    dialog.progress.valueChanged.connect(shown.append)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        click(qtbot, dialog.import_button)
    assert shown[-1] == 100
    graph = window.doc.graph
    assert window.undo_action.text() == "Undo Bind flowers to X, c"
    assert graph.get_node("X").value.shape == (150, 4)
    assert abs(float(graph.get_node("X").value.mean())) < 0.2  # standardised
    view = window.data.view
    qtbot.waitUntil(lambda: view.model.rowCount() == 150)
    assert view.summary.text() == ("flowers: 150 rows × 4 columns, 3 classes; "
                                   "features → X, labels → c")
    assert view.model.headerData(4, Qt.Orientation.Horizontal) == "class"
    assert view.model.data(view.model.index(149, 4)) == "virginica"
    assert view.statistics.rowCount() == 4 and len(view.scatter) == 3  # one colour a class

    dock = window.training.training
    window.training.dock.show()
    qtbot.waitUntil(lambda: dock.data_label.text().startswith("flowers: 150 rows"))
    dock.epochs.setFocus()
    dock.epochs.selectAll()
    qtbot.keyClicks(dock.epochs, "30")
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    result = finished.args[0]
    assert len(result.epochs) == 30 and result.epochs[-1].validation_accuracy >= 0.9
    assert "validation accuracy" in dock.message.text()
    assert dock.confusion.rowCount() == 3
    train = graph.get_node("train")  # the settings are kept with the train node (and file)
    assert train.ui["training"] == {"epochs": 30, "batch_size": 32, "seed": 0,
                                    "validation_split": 0.2}
    assert [window.doc.undo_stack.text(i) for i in range(3)] == [
        "Bind flowers to X, c", "Set train's training: 30 epochs, batch 32, validation 0.2, "
        "seed 0", "Train train: 120 steps"]

    window.activateWindow()  # the dialog had the focus
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.view.setFocus()
    for _ in range(3):  # the run, the settings, the binding
        canvas.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier, window.view)
    assert "training" not in train.ui
    assert graph.get_node("X").value is None and graph.get_node("X").attrs["binding"] is None
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)


def test_a_bad_file_is_named_in_the_dialog_and_nothing_is_bound(qtbot, window,
                                                                 tmp_path) -> None:
    open_classifier(window, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c,d,kind\n1,2,3,4,x\n1,2,3,oops,y\n")
    dialog = import_dialog(window, qtbot, bad)
    click(qtbot, dialog.import_button)
    qtbot.waitUntil(lambda: "line 3, column 'd': 'oops' is not a number" in
                    dialog.message.text(), timeout=WAIT)
    assert dialog.isVisible() and window.doc.undo_stack.count() == 0
    wide = tmp_path / "wide.csv"  # loads, but does not fit X (None, 4)
    wide.write_text("a,b,kind\n1,2,x\n3,4,y\n")
    dialog.path.selectAll()
    qtbot.keyClicks(dialog.path, str(wide))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    click(qtbot, dialog.import_button)
    qtbot.waitUntil(lambda: "does not fit placeholder X" in dialog.message.text(), timeout=WAIT)
    assert window.doc.undo_stack.count() == 0
    assert window.doc.graph.get_node("c").value is None  # nothing half-bound


def test_open_a_graph_whose_data_file_was_moved(qtbot, window, canvas, tmp_path) -> None:
    data_file = tmp_path / "points.npz"
    rng = np.random.default_rng(0)
    np.savez(data_file, features=rng.normal(size=(50, 2)), labels=rng.integers(0, 2, 50))
    graph = classifier()
    ts.data.bind(graph, ts.data.load(data_file, label="labels"), {"X": "features",
                                                                  "c": "labels"},
                 file=data_file, options={"label": "labels"}, embed=False)
    ts.save_graph(graph, tmp_path / "g.json")
    data_file.rename(tmp_path / "moved.npz")
    assert window.open_file(tmp_path / "g.json")  # it opens
    qtbot.waitUntil(lambda: "placeholder 'X' is bound to points.npz (features), which is "
                            "missing" in canvas.status())
    canvas.select("X")
    x = canvas.item("X")
    qtbot.waitUntil(lambda: x.state == ERROR)
    assert "bound to points.npz (features), which is missing" in x.message
    assert "which is missing" in window.data.view.summary.text()
    dock = window.training.training
    with qtbot.waitSignal(dock.training_failed):
        click(qtbot, dock.train_button)
    assert "which is missing" in dock.message.text()


def drop_file(canvas, path, point) -> None:
    """Drop a file from the desktop on the canvas at ``point`` (drag events as Qt sends them)."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    copy = Qt.DropAction.CopyAction
    for event in (QDragEnterEvent(point, copy, data, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier),
                  QDragMoveEvent(point, copy, data, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier),
                  QDropEvent(QPointF(point), copy, data, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier)):
        QApplication.sendEvent(canvas.viewport, event)
        assert event.isAccepted()


def test_drop_a_data_file_on_a_placeholder_then_rebind_in_properties(qtbot, window, canvas,
                                                                      tmp_path) -> None:
    open_classifier(window, tmp_path)
    csv = tmp_path / "flowers.csv"
    shutil.copy(DATASETS / "iris.csv", csv)
    canvas.scene.node_item("X")  # the placeholder dropped on
    drop_file(canvas, csv, canvas.title("X"))
    dialog = window.data.dialog
    assert dialog is not None and dialog.path.text() == str(csv)
    assert dialog.features_to.currentText() == "X" and dialog.preview.rowCount() == 10
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        click(qtbot, dialog.import_button)
    graph = window.doc.graph
    assert graph.get_node("c").attrs["binding"]["array"] == "labels"

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    canvas.select("c")
    combo = window.properties.fields["attr:binding"].widget
    assert [combo.itemText(i) for i in range(combo.count())][1:] == [
        "flowers · features", "flowers · labels"]
    assert combo.currentText() == "flowers · labels"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # features (150 × 4) do not fit c (? × 3)
    assert "does not fit placeholder c" in window.properties.fields["attr:binding"].error.text()
    assert graph.get_node("c").attrs["binding"]["array"] == "labels"
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # none
    assert window.undo_action.text() == "Undo Unbind c"
    assert graph.get_node("c").attrs["binding"] is None
    assert graph.get_node("c").value.shape == (150, 3)  # it keeps its value


def test_the_data_view_shows_100000_rows_statistics_and_a_scatter(qtbot, window,
                                                                  tmp_path) -> None:
    open_classifier(window, tmp_path, features=2, classes=2)
    rng = np.random.default_rng(0)
    points = rng.normal(size=(100_000, 2))
    labels = (points[:, 0] > 0).astype(int)
    data = ts.data.Dataset("cloud", {"features": points, "labels": ts.data.one_hot_rows(labels, 2)},
                           {"features": ["u", "v"]}, ("left", "right"))
    changes = ts.data.plan_binding(window.doc.graph, data, {"X": "features", "c": "labels"})
    assert window.data.bind(changes)
    view = window.data.view
    qtbot.waitUntil(lambda: view.model.rowCount() == 100_000)
    assert view.summary.text() == ("cloud: 100,000 rows × 2 columns, 2 classes; "
                                   "features → X, labels → c")
    view.table.scrollToBottom()
    last = view.model.index(99_999, 0)
    assert view.table.visualRect(last).isValid()  # the last row is on screen
    assert view.model.data(last) == f"{points[-1, 0]:.6g}"
    assert view.model.data(view.model.index(99_999, 2)) == ("right" if labels[-1] else "left")
    assert view.model.headerData(99_999, Qt.Orientation.Vertical) == "100000"
    assert view.statistics.item(1, 2).text() == f"{points[:, 1].mean():.4g}"  # v's mean
    assert view.plot.getPlotItem().titleLabel.text == "every 10th row"
    assert [len(item.data) for item in view.scatter] == [int((labels[::10] == k).sum())
                                                        for k in (0, 1)]
    view.y_column.setCurrentIndex(0)  # u against u: the points on the diagonal
    assert view.plot.getPlotItem().getAxis("left").labelText == "u"


def test_import_a_built_in_data_set(qtbot, window, tmp_path) -> None:
    open_classifier(window, tmp_path, features=64, classes=10)
    window.data.import_action.trigger()
    dialog = window.data.dialog
    dialog.source.setFocus()
    while dialog.source.currentText() != "Built in: digits":
        qtbot.keyClick(dialog.source, Qt.Key.Key_Down)
    assert dialog.path.text().endswith("digits.npz") and not dialog.path.isEnabled()
    assert dialog.label.currentText() == "labels"
    assert [dialog.preview.horizontalHeaderItem(i).text() for i in range(2)] == [
        "features", "labels"]
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        click(qtbot, dialog.import_button)
    binding = window.doc.graph.get_node("X").attrs["binding"]
    assert binding["set"] == "digits" and binding["file"].endswith("digits.npz")  # referenced
    assert window.doc.graph.get_node("c").value.shape == (1797, 10)
