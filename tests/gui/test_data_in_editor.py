"""Data in the editor: the digits example trains by epochs with one click and shows its
validation accuracy, curves and confusion matrix."""

from __future__ import annotations

from PySide6.QtCore import Qt

import engine as ts

WAIT = 60_000


def example_action(window, name: str):
    (action,) = [a for a in window.examples_menu.actions() if a.text() == name]
    return action


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


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
