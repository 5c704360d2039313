"""File › Open reads the file off the GUI thread: a progress dialog shows while it takes long,
and its Cancel leaves the open document as it was."""

from __future__ import annotations

import threading

import pytest
from conftest import EXAMPLE
from gates import HANG_GUARD, Gate
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QPushButton

import editor.app.opening as opening

MLP = EXAMPLE.parent / "mlp.json"


@pytest.fixture
def slow_load(monkeypatch):
    """The loader held at a gate (a big file read slowly); ``done`` is set when a read ends."""
    gate, done = Gate(), threading.Event()
    load = opening.load_graph

    def held(path, **kwargs):
        gate.wait()
        try:
            return load(path, **kwargs)
        finally:
            done.set()

    monkeypatch.setattr(opening, "load_graph", held)
    return gate, done


def test_open_shows_progress_and_cancel_leaves_the_document_untouched(
        affine, dialogs, slow_load, qtbot):
    gate, done = slow_load
    window = affine.window
    affine.select("A")
    affine.key(Qt.Key_Delete)  # unsaved work
    doc, title = window.doc, window.windowTitle()
    dialogs.open_path = str(MLP)
    affine.key(Qt.Key_O, Qt.ControlModifier, window)
    qtbot.waitUntil(lambda: gate.held == 1)  # reading, in another thread
    qtbot.waitUntil(lambda: window.opener.dialog is not None
                    and window.opener.dialog.isVisible())  # the window's events go on
    progress = window.opener.dialog
    assert "Opening mlp.json" in progress.labelText()
    cancel = next(b for b in progress.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel, Qt.LeftButton)
    assert window.opener.dialog is None and not window.opener.busy
    gate.open()  # the abandoned read ends, and its graph is dropped
    assert done.wait(HANG_GUARD)
    QCoreApplication.processEvents()
    assert window.doc is doc and window.windowTitle() == title and "A" not in doc.graph
    assert dialogs.shown == []

    affine.open_by_menu()  # not cancelled: the file opens (unsaved work: Discard)
    assert window.doc is not doc and window.doc.path == MLP
    assert len(window.doc.graph) == len(opening.load_graph(MLP))


def test_a_broken_file_opened_in_the_background_is_refused_with_its_place(
        affine, dialogs, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(EXAMPLE.read_text().replace('"shape": [2, 2]', '"shape": [2, 2, 1]'))
    doc = affine.window.doc
    dialogs.open_path = str(broken)
    affine.open_by_menu()
    assert affine.window.doc is doc
    assert dialogs.shown[0][0] == "critical" and "nodes[0]" in dialogs.shown[0][1]


def test_the_dialog_shows_how_far_the_read_is(affine, dialogs, monkeypatch, qtbot):
    """The reading thread writes down how far it is; the dialog shows it (asked now and then)."""
    gate, load = Gate(), opening.load_graph

    def half_read(path, progress, **kwargs):
        progress(0.25)
        gate.wait()
        progress(0.5)
        gate.wait()
        return load(path, progress=progress, **kwargs)

    monkeypatch.setattr(opening, "load_graph", half_read)
    monkeypatch.setattr(opening, "SHOW_AFTER_MS", 0)
    window = affine.window
    dialogs.open_path = str(MLP)
    affine.key(Qt.Key_O, Qt.ControlModifier, window)
    qtbot.waitUntil(lambda: window.opener.dialog is not None)
    progress = window.opener.dialog
    qtbot.waitUntil(lambda: progress.value() == opening.STEPS // 4)
    gate.let_through()
    qtbot.waitUntil(lambda: progress.value() == opening.STEPS // 2)
    assert window.doc.path != MLP  # still reading
    gate.open()
    qtbot.waitUntil(lambda: not window.opener.busy)
    assert window.doc.path == MLP and window.opener.dialog is None
