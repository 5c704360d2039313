"""Autosave and recovery: the document with unsaved changes is written to a recovery file
beside the settings (never over the user's file); after kill -9 the next start offers it —
Recover, Discard, Show Files — and Recover opens it unsaved, titled after its file."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLE
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, Qt

import engine as ts
from editor.app.recovery import Autosaver, recovery_folder
from editor.app.window import APPLICATION, MainWindow
from editor.document.commands import SetValue

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
folder, path = sys.argv[1], sys.argv[2]
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
for fmt in (QSettings.IniFormat, QSettings.NativeFormat):
    QSettings.setPath(fmt, QSettings.UserScope, folder)  # the test's settings folder
app = QApplication([])
from editor.app.recovery import Autosaver
Autosaver.IDLE_MS = 0  # the idle moment after an edit: as soon as the events are processed
from editor.app.window import MainWindow
from editor.document.commands import SetValue
window = MainWindow()
window.show()
assert window.open_file(path)
assert window.doc.execute(SetValue(window.doc, "b", [5.0, 7.0])) is None
assert window.autosave.idle.isActive() and not window.autosave.graph_file.exists()
while window.autosave.pending:
    app.processEvents()
assert window.autosave.graph_file.exists()
print("autosaved", window.autosave.graph_file, flush=True)
app.exec()  # until killed
"""


def start_and_kill_an_editor(settings_folder: str, path: Path, log: Path) -> None:
    """An editor in a child process opens ``path``, sets b to [5, 7], autosaves, and is
    killed with SIGKILL."""
    with open(log, "w") as err:
        child = subprocess.Popen([sys.executable, "-c", CHILD, settings_folder, str(path)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                                 env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        assert child.stdout is not None
        with selectors.DefaultSelector() as selector:  # a safety net, not a measurement
            selector.register(child.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=300)
        line = child.stdout.readline() if ready else ""
        assert line.startswith("autosaved"), log.read_text()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()  # reaped: its process id names no process any more
    assert child.returncode == -signal.SIGKILL


@pytest.fixture
def affine_file(tmp_path) -> Path:
    path = tmp_path / "affine.json"
    path.write_text(EXAMPLE.read_text())
    return path


@pytest.fixture
def opened(monkeypatch) -> list[QUrl]:
    """What Show Files asked the desktop to open."""
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: urls.append(url) or True))
    return urls


def new_window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def offered(window, qtbot):
    qtbot.waitUntil(lambda: window.recovery_dialog is not None
                    and window.recovery_dialog.isVisible())
    return window.recovery_dialog


def b_of(graph) -> list[float]:
    return np.asarray(graph.get_node("b").value).tolist()


def test_after_kill_9_the_next_start_offers_the_edit_and_recover_brings_it_back(
        isolated_settings, affine_file, tmp_path, qtbot, dialogs, opened):
    before = affine_file.read_bytes()
    start_and_kill_an_editor(isolated_settings, affine_file, tmp_path / "child.log")
    assert affine_file.read_bytes() == before  # autosave never writes the user's file
    folder = recovery_folder()
    assert folder.parent == Path(isolated_settings) / "TensorCanvas"  # beside the settings
    left = sorted(os.listdir(folder))
    assert [Path(n).suffix for n in left] == [".json", ".json", ".lock"]
    info = json.loads(next(folder.glob("*.info.json")).read_text())
    assert info["path"] == str(affine_file) and info["nodes"] == 5

    window = new_window(qtbot)
    dialog = offered(window, qtbot)
    assert "affine.json" in dialog.message.text() and str(affine_file) in dialog.message.text()
    assert str(folder) in dialog.path_label.text()
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(folder))] and dialog.isVisible()
    qtbot.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and window.recovery_dialog is None

    doc = window.doc
    assert b_of(doc.graph) == [5.0, 7.0] and doc.dirty
    assert doc.path == affine_file
    assert window.windowTitle() == f"affine.json* — {APPLICATION}"
    assert not doc.undo_stack.canUndo()  # no undo step leads to a "saved" state
    assert sorted(os.listdir(folder)) == sorted(  # the crashed session's files are gone;
        [window.autosave.graph_file.name, window.autosave.info_file.name,  # ours took over
         f"{window.autosave.session}.lock"])
    assert b_of(ts.load_graph(window.autosave.graph_file)) == [5.0, 7.0]

    qtbot.waitUntil(window.isActiveWindow)  # the window has the keys again
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialogs.shown == []  # saved where it came from, nothing asked
    assert b_of(ts.load_graph(affine_file)) == [5.0, 7.0]
    assert window.windowTitle() == f"affine.json — {APPLICATION}"
    assert not window.autosave.graph_file.exists()  # saved: nothing left to recover
    window.close()
    assert os.listdir(folder) == []  # a clean close leaves nothing behind
    assert new_window(qtbot).recovery_dialog is None


def crashed_session(folder: Path, graph: ts.Graph, name: str, original: Path | None,
                    session: str = "4242-deadbeef", saved: float = 1.0) -> Path:
    """What a session killed after its autosave leaves (its lock went with its process)."""
    folder.mkdir(parents=True, exist_ok=True)
    ts.save_graph(graph, folder / f"{session}.json")
    info = {"path": str(original) if original else None, "name": name, "saved": saved,
            "nodes": len(graph)}
    (folder / f"{session}.info.json").write_text(json.dumps(info))
    return folder / f"{session}.json"


def test_discard_removes_it_and_closing_the_dialog_keeps_it_for_the_next_start(
        affine_file, qtbot, dialogs, opened):
    folder = recovery_folder()
    graph = ts.load_graph(affine_file)
    graph.set_value("b", [9.0, 9.0])
    crashed_session(folder, graph, "Untitled", None, "1-aaaaaaaa", saved=2.0)
    crashed_session(folder, graph, "Untitled", affine_file, "2-bbbbbbbb", saved=1.0)

    window = new_window(qtbot)
    dialog = offered(window, qtbot)
    assert dialog.found.graph_file.name == "1-aaaaaaaa.json"  # the newest first
    dialog.reject()  # closed (Esc): decided later
    assert window.recovery_dialog is None and len(os.listdir(folder)) == 4

    again = new_window(qtbot)
    dialog = offered(again, qtbot)
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert not (folder / "1-aaaaaaaa.json").exists()
    second = offered(again, qtbot)  # then the next one
    assert second.found.original == affine_file and "affine.json" in second.found.title
    qtbot.mouseClick(second.discard_button, Qt.MouseButton.LeftButton)
    assert again.recovery_dialog is None
    assert [n for n in os.listdir(folder) if not n.endswith(".lock")] == []
    assert not again.doc.dirty and affine_file.read_text() == EXAMPLE.read_text()


def test_recovering_an_untitled_document_keeps_its_name_and_save_asks_where(
        tmp_path, qtbot, dialogs, opened):
    graph = ts.load_graph(EXAMPLE)
    crashed_session(recovery_folder(), graph, "affine (example)", None)
    window = new_window(qtbot)
    qtbot.mouseClick(offered(window, qtbot).recover_button, Qt.MouseButton.LeftButton)
    assert window.windowTitle() == f"affine (example)* — {APPLICATION}"
    assert window.doc.path is None and window.doc.dirty
    dialogs.save_path = str(tmp_path / "kept.json")
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert b_of(ts.load_graph(tmp_path / "kept.json")) == [1, 1]


def test_an_open_window_is_not_offered_to_another(affine_file, qtbot, monkeypatch):
    monkeypatch.setattr(Autosaver, "IDLE_MS", 0)
    first = new_window(qtbot)
    assert first.open_file(affine_file)
    first.doc.execute(SetValue(first.doc, "b", [3.0, 3.0]))
    qtbot.waitUntil(lambda: first.autosave.graph_file.exists())
    second = new_window(qtbot)
    second.offer_recovery()
    assert second.recovery_dialog is None  # its lock is held: that session is alive


def test_autosave_follows_edits_saves_and_the_interval(affine_file, qtbot, dialogs,
                                                       monkeypatch):
    monkeypatch.setattr(Autosaver, "IDLE_MS", 0)
    window = new_window(qtbot)
    saver = window.autosave
    assert saver.periodic.isActive() and saver.periodic.interval() == 30_000  # the default
    assert window.open_file(affine_file)
    assert not saver.graph_file.exists()  # nothing unsaved
    window.doc.execute(SetValue(window.doc, "b", [3.0, 4.0]))
    qtbot.waitUntil(lambda: saver.graph_file.exists())
    assert b_of(ts.load_graph(saver.graph_file)) == [3.0, 4.0]
    assert affine_file.read_text() == EXAMPLE.read_text()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not saver.graph_file.exists()  # undone to what the file holds
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: saver.graph_file.exists())
    saver.set_interval(0)  # Preferences: autosave off
    assert not saver.graph_file.exists() and not saver.periodic.isActive()
    window.doc.execute(SetValue(window.doc, "b", [8.0, 8.0]))
    assert not saver.idle.isActive()  # autosave is off
    saver.set_interval(45)
    assert saver.periodic.interval() == 45_000
    qtbot.waitUntil(lambda: saver.graph_file.exists())  # what was pending is written
    assert b_of(ts.load_graph(saver.graph_file)) == [8.0, 8.0]


def test_a_lock_left_without_a_recovery_file_is_cleaned_up(qtbot):
    folder = recovery_folder()
    folder.mkdir(parents=True)
    script = ("import os, sys\nfrom PySide6.QtCore import QLockFile\n"
              "lock = QLockFile(sys.argv[1])\nassert lock.tryLock(0)\n"
              "os._exit(0)  # as a crash would: the lock file stays")
    subprocess.run([sys.executable, "-c", script, str(folder / "7-cafecafe.lock")], check=True)
    assert os.listdir(folder) == ["7-cafecafe.lock"]  # its session had nothing unsaved
    window = new_window(qtbot)
    window.offer_recovery()
    assert window.recovery_dialog is None and os.listdir(folder) == []
