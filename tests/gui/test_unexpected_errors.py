"""An unexpected error in the editor: a dialog with its details to copy, the document written
to the recovery file, and the editor goes on — never a bare traceback."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

import engine as ts
from editor.app.crash import ErrorReporter
from editor.canvas.scene import GraphScene


@pytest.fixture
def reporter(window):
    """The window's error reporter, installed as ``main`` installs it, for one test."""
    made = ErrorReporter(window, window.autosave)
    made.install()
    yield made
    made.uninstall()


def fail(*args, **kwargs):
    raise RuntimeError("an arrangement that went wrong")


@pytest.mark.qt_no_exception_capture  # what this test checks is the editor's own capture
def test_an_error_in_a_slot_is_shown_and_the_work_is_written_to_the_recovery_file(
        affine, reporter, monkeypatch, qtbot, capsys):
    affine.select("A")
    affine.key(Qt.Key_Delete)  # unsaved work
    monkeypatch.setattr(GraphScene, "arrange", fail)
    affine.key(Qt.Key_L, Qt.ControlModifier, affine.window)  # Arrange: its slot raises
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    recovery = affine.window.autosave.graph_file
    assert "unexpected error" in dialog.summary.text() and str(recovery) in dialog.summary.text()
    assert "RuntimeError: an arrangement that went wrong" in dialog.details.toPlainText()
    assert "Traceback" in capsys.readouterr().err  # printed for a terminal too
    qtbot.mouseClick(dialog.copy_button, Qt.LeftButton)
    assert "an arrangement that went wrong" in QApplication.clipboard().text()
    assert "A" not in ts.load_graph(recovery) and len(ts.load_graph(recovery)) == 4

    QTimer.singleShot(0, fail)  # another, while it is open: the same dialog says so
    qtbot.waitUntil(lambda: dialog.count == 2)
    assert "2 errors" in dialog.summary.text()
    dialog.reject()
    qtbot.waitUntil(lambda: reporter.dialog is None)
    affine.window.activateWindow()
    qtbot.waitUntil(affine.window.isActiveWindow)
    affine.key(Qt.Key_Z, Qt.ControlModifier)  # the editor goes on
    assert "A" in affine.graph


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_thread_is_shown_on_the_gui_thread(window, reporter, qtbot):
    worker = threading.Thread(target=fail)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None)
    assert "an arrangement that went wrong" in reporter.dialog.details.toPlainText()
    assert "recovery file" not in reporter.dialog.summary.text()  # nothing unsaved
