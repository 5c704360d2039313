"""GUI test setup: settings in a temporary folder, no modal dialogs, and a driver that
works the editor with real mouse and key events."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from editor.app.window import MainWindow
from editor.canvas.items.node import NodeItem
from engine import Graph, save_graph

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "affine.json"
WAIT = 60_000
"""How long a GUI test waits for training or a worker's answer (ms): long, for loaded machines."""


def example_action(window: MainWindow, name: str):
    """The File › Examples entry ``name``."""
    (action,) = [a for a in window.examples_menu.actions() if a.text() == name]
    return action


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def open_graph(canvas: Canvas, tmp_path: Path, graph: Graph) -> None:
    """Save ``graph`` and open it in ``canvas``'s window, the canvas taking the keys."""
    path = tmp_path / "graph.json"
    save_graph(graph, path)
    assert canvas.window.open_file(path)
    canvas.view.setFocus()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    """Each test gets its own QSettings location, never the user's."""
    folder = str(tmp_path / "settings")
    for fmt in (QSettings.IniFormat, QSettings.NativeFormat):
        QSettings.setPath(fmt, QSettings.UserScope, folder)
    yield folder


@dataclass
class Dialogs:
    """Stand-ins for the modal dialogs: what they were asked and what they answer."""

    answer: QMessageBox.StandardButton = QMessageBox.Discard
    open_path: str = ""
    save_path: str = ""
    shown: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch) -> Dialogs:
    d = Dialogs()

    def question(parent, title, text, *args, **kwargs):
        d.shown.append(("question", text))
        return d.answer

    def message(kind):
        def show(parent, title, text, *args, **kwargs):
            d.shown.append((kind, text))
            return QMessageBox.Ok
        return staticmethod(show)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    for kind in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind, message(kind))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (d.open_path, "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (d.save_path, "")))
    return d


class Canvas:
    """Drives a main window like a user: every gesture is mouse or key events."""

    def __init__(self, window: MainWindow, qtbot) -> None:
        self.window, self.qtbot = window, qtbot

    @property
    def view(self):
        return self.window.view

    @property
    def viewport(self):
        return self.window.view.viewport()

    @property
    def scene(self):
        return self.window.scene

    @property
    def graph(self):
        return self.window.doc.graph

    def item(self, name: str) -> NodeItem:
        return self.scene.node_item(name)

    def at(self, scene_point: QPointF) -> QPoint:
        return self.view.mapFromScene(scene_point)

    def port(self, name: str, port: str | int = "out") -> QPoint:
        """Where a node's output (``"out"``) or input (index or name) is on the viewport."""
        item = self.item(name)
        if port == "out":
            return self.at(item.port_scene_pos(("out", 0)))
        index = item.node.op.inputs.index(port) if isinstance(port, str) else port
        return self.at(item.port_scene_pos(("in", index)))

    def title(self, name: str) -> QPoint:
        item = self.item(name)
        return self.at(item.mapToScene(QPointF(item.WIDTH / 2 - 20, item.TITLE_H / 2)))

    def drag(self, start: QPoint, end: QPoint, button=Qt.LeftButton, modifier=Qt.NoModifier,
             steps: int = 4) -> None:
        self.qtbot.mousePress(self.viewport, button, modifier, start)
        for k in range(1, steps + 1):
            point = start + (end - start) * (k / steps)
            self.qtbot.mouseMove(self.viewport, point)
        self.qtbot.mouseRelease(self.viewport, button, modifier, end)

    def wire(self, source: str, target: str, port: str | int) -> None:
        self.drag(self.port(source), self.port(target, port))

    def click(self, point: QPoint, modifier=Qt.NoModifier) -> None:
        self.qtbot.mouseClick(self.viewport, Qt.LeftButton, modifier, point)

    def select(self, *names: str) -> None:
        self.click(self.title(names[0]))
        for name in names[1:]:
            self.click(self.title(name), Qt.ControlModifier)

    def key(self, key, modifier=Qt.NoModifier, widget=None) -> None:
        self.qtbot.keyClick(widget or self.view, key, modifier)

    def open_by_menu(self) -> None:
        """File › Open (Ctrl+O; the file dialog's answer is the test's), and wait until the
        file is read (off the GUI thread)."""
        self.key(Qt.Key_O, Qt.ControlModifier, self.window)
        self.qtbot.waitUntil(lambda: not self.window.opener.busy)

    def drop_from_palette(self, op_type: str, point: QPoint) -> None:
        """Drag an op from the palette and drop it at ``point`` (drag events as Qt sends them)."""
        tree = self.window.op_palette.tree
        data = tree.mimeData([tree.op_item(op_type)])
        copy = Qt.CopyAction
        for event in (QDragEnterEvent(point, copy | Qt.MoveAction, data, Qt.LeftButton,
                                  Qt.NoModifier),
                      QDragMoveEvent(point, copy | Qt.MoveAction, data, Qt.LeftButton,
                                 Qt.NoModifier),
                      QDropEvent(QPointF(point), copy | Qt.MoveAction, data, Qt.LeftButton,
                                 Qt.NoModifier)):
            QApplication.sendEvent(self.viewport, event)
            assert event.isAccepted() and event.dropAction() == Qt.CopyAction

    def search_add(self, text: str, point: QPoint) -> None:
        """Move the mouse to ``point``, press Tab, type ``text`` and Enter."""
        self.qtbot.mouseMove(self.viewport, point)
        self.key(Qt.Key_Tab)
        edit = self.view.search.edit
        assert edit.isVisible()
        self.qtbot.keyClicks(edit, text)
        self.key(Qt.Key_Return, widget=edit)

    def rename(self, name: str, new_name: str) -> None:
        """Double-click the node's title and type a new name."""
        self.qtbot.mouseDClick(self.viewport, Qt.LeftButton, Qt.NoModifier, self.title(name))
        self.qtbot.waitUntil(lambda: self.view._rename_edit is not None)
        edit = self.view._rename_edit
        assert edit.isVisible() and edit.text() == name
        self.key(Qt.Key_A, Qt.ControlModifier, edit)
        self.qtbot.keyClicks(edit, new_name)
        self.key(Qt.Key_Return, widget=edit)

    def type_field(self, key: str, text: str) -> None:
        """Type into the properties panel's field ``key`` and press Enter."""
        edit = self.window.properties.fields[key].widget
        edit.setFocus()
        self.key(Qt.Key_A, Qt.ControlModifier, edit)
        self.key(Qt.Key_Backspace, widget=edit)
        self.qtbot.keyClicks(edit, text)
        self.key(Qt.Key_Return, widget=edit)

    def status(self) -> str:
        return self.window.statusBar().currentMessage()


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 820)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def canvas(window, qtbot) -> Canvas:
    return Canvas(window, qtbot)


@pytest.fixture
def affine(window, canvas, tmp_path) -> Canvas:
    """The window showing a copy of the affine example, at 100% zoom."""
    path = tmp_path / "affine.json"
    path.write_text(EXAMPLE.read_text())
    assert window.open_file(path)
    window.view.set_zoom(1.0)
    window.view.centerOn(QPointF(330, 140))
    window.view.setFocus()
    return canvas
