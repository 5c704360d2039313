"""The Training dock behind another dock's tab does no work for an edit, and shows it when it
comes to the front."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from editor.app.window import EXAMPLES
from editor.document.commands import Rename, SetWires


def _settle() -> None:
    for _ in range(10):
        QApplication.processEvents()


def test_a_training_dock_behind_a_tab_follows_the_edits_when_brought_to_front(canvas):
    window = canvas.window
    assert window.open_file(EXAMPLES / "mlp.json", example=True)
    dock, panel = window.training.training, window.training
    panel.dock.raise_()
    canvas.qtbot.waitUntil(lambda: dock.on_screen)
    _settle()
    assert dock.train_combo.currentText() == "train  (minimizes J)"
    window.tensor_dock.raise_()
    canvas.qtbot.waitUntil(lambda: not dock.on_screen)
    doc = window.doc
    assert doc.execute(Rename(doc, "J", "loss")) is None
    assert doc.execute(SetWires(doc, [("add_1", 1, None)], "Disconnect")) is None
    _settle()
    assert dock.train_combo.currentText() == "train  (minimizes J)"  # (not seen: not redone)
    panel.dock.raise_()
    canvas.qtbot.waitUntil(lambda: dock.on_screen)
    _settle()
    assert dock.train_combo.currentText() == "train  (minimizes loss)"
    assert not dock.train_combo.visibleRegion().isEmpty()
    assert doc.execute(Rename(doc, "loss", "J")) is None  # in front: at once
    _settle()
    assert dock.train_combo.currentText() == "train  (minimizes J)"
