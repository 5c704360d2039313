"""The main window: canvas, docks, menus, files, recent files and settings."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtCore import QByteArray, QPointF, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeyEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QToolButton,
    QWidget,
)

from editor.app.history import HistoryView
from editor.app.node_menu import NodeMenu
from editor.app.status_bar import StatusBar
from editor.app.toolbar import make_toolbar
from editor.canvas import layout
from editor.canvas.items import NodeItem
from editor.canvas.palette import Palette
from editor.canvas.scene import GraphScene
from editor.canvas.view import GraphView
from editor.compute.live import LiveEvaluation
from editor.compute.service import ComputeService
from editor.document import Document
from editor.inspect.properties import PropertiesPanel
from editor.inspect.step_controls import StepControls
from editor.inspect.tensor_view import TensorView
from editor.training.panel import TrainingPanel
from engine.errors import FileFormatError
from engine.graph import Graph
from engine.io import load_graph

ORGANIZATION, APPLICATION = "TensorCanvas", "Tensor Canvas"
EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
DEFAULT_EXAMPLE = EXAMPLES / "affine.json"
FILE_FILTER = "Tensor Canvas graphs (*.json);;All files (*)"
MAX_RECENT = 10


def settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def prepare_graph(graph: Graph) -> Graph:
    """Lay out a graph whose file has no positions (one written with the engine's API)."""
    if not layout.has_positions(graph):
        for name, pos in layout.arrange(graph).items():
            graph.set_ui(name, pos=pos)
    return graph


class MainWindow(QMainWindow):
    """One document at a time on a canvas, with the palette, properties and history docks.

    With ``persist`` false (screenshots), the window neither reads nor writes settings.
    """

    def __init__(self, persist: bool = True) -> None:
        super().__init__()
        self.persist = persist
        self.undo_group = QUndoGroup(self)
        self.view = GraphView(self)
        self.setCentralWidget(self.view)
        self.op_palette = Palette()
        self.properties = PropertiesPanel()
        self.history = HistoryView(self.undo_group)
        self.palette_dock = self._dock("Palette", self.op_palette,
                                       Qt.DockWidgetArea.LeftDockWidgetArea)
        scroll = QScrollArea()
        scroll.setWidget(self.properties)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.properties_dock = self._dock("Properties", scroll,
                                          Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_dock = self._dock("History", self.history,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tensor_view = TensorView()
        self.tensor_dock = self._dock("Tensor", self.tensor_view,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.compute = ComputeService(self)
        self.live = LiveEvaluation(self.compute, self.tensor_view, self)
        self.step_controls = StepControls(self.live.stepper)
        self.step_dock = self._dock("Step through", self._step_bar(),
                                    Qt.DockWidgetArea.BottomDockWidgetArea)
        self.step_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.splitDockWidget(self.step_dock, self.tensor_dock, Qt.Orientation.Vertical)
        self.step_dock.hide()
        self.setStatusBar(StatusBar())
        self.statusBar().addPermanentWidget(self.live.busy_indicator)
        self.live.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.live.stepping_changed.connect(self._stepping_changed)
        self.tensor_view.value_wanted.connect(self.edit_value_of)
        self.op_palette.activated.connect(self._add_at_center)
        self.doc: Document  # both set by set_document, at the end of __init__
        self.scene: GraphScene
        self._make_actions()
        self._make_menus()
        self.training = TrainingPanel(self.compute, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.training.dock)
        self.tabifyDockWidget(self.history_dock, self.training.dock)  # the plots need the height
        self.resizeDocks([self.properties_dock, self.training.dock], [250, 550],
                         Qt.Orientation.Vertical)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.training.dock.toggleViewAction())
        self.view_menu.addAction(self.training.show_gradients_action)
        self.training.gradients_changed.connect(
            lambda: self.live.set_gradients(self.training.gradients))
        self.training.message.connect(self.statusBar().showMessage)
        self.training.failed.connect(self.live.mark_failure)
        self.compute.trainer.started.connect(self.live.clear_reported)
        self.training.reveal.connect(self._reveal)
        self._make_toolbar()
        self.view.node_actions = NodeMenu(
            self.view, self.live, self.delete_action, self.duplicate_action, self.step_action,
            self.training.show_gradients_action).actions
        self.statusBar().showMessage("Ready")
        self.resize(1280, 800)
        self.resizeDocks([self.palette_dock, self.properties_dock], [220, 270],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.properties_dock, self.history_dock], [540, 200],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.tensor_dock], [260], Qt.Orientation.Vertical)
        if persist:
            store = settings()
            self.restoreGeometry(cast(QByteArray, store.value("geometry", QByteArray())))
            self.restoreState(cast(QByteArray, store.value("window_state", QByteArray())))
            shown = cast(bool, store.value("show_values", True, bool))
            self.show_values_action.setChecked(shown)
            NodeItem.show_previews = self.live.previews = shown
        self.step_dock.hide()  # a restored state does not start a step-through
        self.set_document(Document())

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _step_bar(self) -> QWidget:
        """The step-through dock's content: the step controls and a button to leave."""
        leave = QToolButton()
        leave.setText("Leave")
        leave.setToolTip("Leave the step-through (Esc or F10)")
        leave.clicked.connect(self.live.stop_stepping)
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.step_controls, 1)
        row.addWidget(leave)
        return bar

    # ---- actions and menus -----------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, canvas: bool = False) -> QAction:
        """An action; ``canvas`` ones only fire while the canvas has the focus."""
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.triggered.connect(slot)
        if canvas:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)
        else:
            self.addAction(action)
        return action

    def _make_actions(self) -> None:
        a = self._action
        self.new_action = a("&New", self.new_document, QKeySequence.StandardKey.New)
        self.open_action = a("&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.save_action = a("&Save", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = a("Save &As…", self.save_as, "Ctrl+Shift+S")
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self.undo_group.createUndoAction(self)
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_group.createRedoAction(self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addActions([self.undo_action, self.redo_action])
        self.cut_action = a("Cu&t", self.cut, QKeySequence.StandardKey.Cut, canvas=True)
        self.copy_action = a("&Copy", self.copy, QKeySequence.StandardKey.Copy, canvas=True)
        self.paste_action = a("&Paste", self.paste, QKeySequence.StandardKey.Paste, canvas=True)
        self.duplicate_action = a("D&uplicate", self.duplicate, "Ctrl+D", canvas=True)
        self.delete_action = a("&Delete", lambda: self.scene.delete_selection(),
                               ["Delete", "Backspace"], canvas=True)
        self.select_all_action = a("Select &All", self._select_all,
                                   QKeySequence.StandardKey.SelectAll, canvas=True)
        self.rename_action = a("&Rename…", lambda: self.view.start_rename(), "F2", canvas=True)
        self.arrange_action = a("Arrange", lambda: self.scene.arrange(), "Ctrl+L")
        self.add_node_action = a("Add &Node…", lambda: self.view.open_search())
        self.add_node_action.setShortcut(QKeySequence("Tab"))
        # the view handles Tab
        self.add_node_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.frame_all_action = a("Frame &All", self.view.frame_all, "Home", canvas=True)
        self.frame_selection_action = a("Frame &Selection", self.view.frame_selection, "F",
                                        canvas=True)
        self.zoom_in_action = a("Zoom &In", lambda: self.view.zoom_by(1.25),
                                QKeySequence.StandardKey.ZoomIn)
        self.zoom_out_action = a("Zoom &Out", lambda: self.view.zoom_by(0.8),
                                 QKeySequence.StandardKey.ZoomOut)
        self.actual_size_action = a("Actual Si&ze", lambda: self.view.set_zoom(1.0), "Ctrl+0")
        self.show_values_action = a("Show &Values on Nodes", self._show_values)
        self.show_values_action.setCheckable(True)
        self.show_values_action.setChecked(True)
        NodeItem.show_previews = True
        self.step_action = a("S&tep Through Evaluation", self._toggle_stepping, "F10")
        self.step_action.setCheckable(True)
        self.step_action.setToolTip("Step through the evaluation of the selected node (F10)")
        self.view.context_actions = [
            self.add_node_action, None, self.cut_action, self.copy_action, self.paste_action,
            self.duplicate_action, self.delete_action, None, self.rename_action,
            self.select_all_action, self.arrange_action, None, self.step_action, None,
            self.frame_all_action, self.frame_selection_action]

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.new_action, self.open_action])
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.examples_menu = file.addMenu("&Examples")
        for path in sorted(EXAMPLES.glob("*.json")):
            action = self.examples_menu.addAction(path.stem)
            action.triggered.connect(lambda _=False, p=path: self.open_file(p, example=True))
        file.addSeparator()
        file.addActions([self.save_action, self.save_as_action])
        file.addSeparator()
        file.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action])
        edit.addSeparator()
        edit.addActions([self.cut_action, self.copy_action, self.paste_action,
                         self.duplicate_action, self.delete_action])
        edit.addSeparator()
        edit.addActions([self.select_all_action, self.rename_action, self.add_node_action,
                         self.arrange_action])
        edit.addSeparator()
        edit.addAction(self.history_dock.toggleViewAction())
        view = self.view_menu = bar.addMenu("&View")
        view.addActions([self.frame_all_action, self.frame_selection_action])
        view.addSeparator()
        view.addActions([self.zoom_in_action, self.zoom_out_action, self.actual_size_action])
        view.addSeparator()
        view.addAction(self.show_values_action)
        view.addSeparator()
        for dock in (self.palette_dock, self.properties_dock, self.tensor_dock,
                     self.history_dock):
            view.addAction(dock.toggleViewAction())
        evaluate = self.evaluate_menu = bar.addMenu("E&valuate")
        evaluate.addAction(self.step_action)

    def _make_toolbar(self) -> None:
        """The actions a user looks for in a toolbar, each with an icon and a word."""
        self.train_action = self._action("&Train", self._train)
        self.train_action.setToolTip("Train with the Training dock's settings")
        self.evaluate_menu.addAction(self.train_action)
        self.addToolBar(make_toolbar(self, [
            (self.open_action, "Open", "open"), (self.save_action, "Save", "save"), None,
            (self.undo_action, "Undo", "undo"), (self.redo_action, "Redo", "redo"), None,
            (self.step_action, "Step Through", "step"), (self.train_action, "Train", "train"),
            None, (self.frame_all_action, "Frame All", "frame")]))

    def _train(self) -> None:
        self.training.dock.show()
        self.training.dock.raise_()
        self.training.training.start()

    # ---- the document ----------------------------------------------------------------------

    def set_document(self, doc: Document) -> None:
        """Show ``doc`` (the previous document is dropped)."""
        old = (self.doc, self.scene) if hasattr(self, "doc") else None
        self.doc, self.scene = doc, GraphScene(doc)
        self.view.setScene(self.scene)
        self.properties.set_scene(self.scene)
        self.live.set_scene(self.scene)
        self.undo_group.addStack(doc.undo_stack)
        self.undo_group.setActiveStack(doc.undo_stack)
        doc.dirty_changed.connect(self._update_title)
        doc.editable_changed.connect(self._editable_changed)
        doc.path_changed.connect(self._update_title)
        self.scene.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        if old is not None:
            old_doc, old_scene = old
            self.undo_group.removeStack(old_doc.undo_stack)
            old_scene.deleteLater()
            old_doc.deleteLater()
        self._update_title()
        self.training.set_document(doc, self.scene)
        self.view.set_zoom(1.0)
        self.view.frame_all()
        if not doc.graph.nodes:
            self.view.centerOn(0, 0)

    def _editable_changed(self, editable: bool) -> None:
        """While the document is locked (training), nothing that edits it is offered."""
        for action in (self.cut_action, self.paste_action, self.duplicate_action,
                       self.delete_action, self.rename_action, self.add_node_action,
                       self.arrange_action):
            action.setEnabled(editable)
        self.undo_action.setEnabled(editable and self.doc.undo_stack.canUndo())
        self.redo_action.setEnabled(editable and self.doc.undo_stack.canRedo())
        for widget in (self.op_palette, self.properties, self.history):
            widget.setEnabled(editable)

    def _reveal(self, name: str) -> None:
        """Scroll the canvas so that node ``name`` is in view."""
        if name in self.doc.graph:
            self.view.ensureVisible(self.scene.node_item(name).sceneBoundingRect(), 40, 40)

    def _update_title(self) -> None:
        mark = "*" if self.doc.dirty else ""
        self.setWindowTitle(f"{self.doc.title}{mark} — {APPLICATION}")

    def maybe_save(self) -> bool:
        """Stop any training (what it trained becomes an undo step), then ask what to do with
        unsaved changes; False if the user cancels."""
        self.training.stop()
        if not self.doc.dirty:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.doc.title}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_document(self) -> None:
        if self.maybe_save():
            self.set_document(Document())

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open graph", self._start_dir(), FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, example: bool = False) -> bool:
        """Open a graph file (an example opens as an untitled copy). A broken file is
        reported and changes nothing."""
        path = Path(path)
        try:
            graph = prepare_graph(load_graph(path))
        except FileFormatError as error:
            QMessageBox.critical(self, "Cannot open the file", str(error))
            return False
        if not self.maybe_save():
            return False
        if example:
            self.set_document(Document(graph, name=f"{path.stem} (example)"))
        else:
            self.set_document(Document(graph, path))
            self._add_recent(path)
        self.statusBar().showMessage(f"Opened {path.name}: {len(graph)} nodes", 5000)
        return True

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._save_to(self.doc.path)

    def save_as(self) -> bool:
        start = str(self.doc.path or Path(self._start_dir()) / f"{self.doc.title.split()[0]}")
        name, _ = QFileDialog.getSaveFileName(self, "Save graph as", start, FILE_FILTER)
        if not name:
            return False
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".json")
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            self.doc.save(path)
        except (OSError, ValueError) as error:
            QMessageBox.critical(self, "Cannot save", f"{path}: {error}")
            return False
        self._add_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _start_dir(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # ---- recent files ----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        if not self.persist:
            return []
        value = cast("str | list[str] | None", settings().value("recent_files", []))
        return [value] if isinstance(value, str) else list(value or [])

    def _add_recent(self, path: Path) -> None:
        if not self.persist:
            return
        entry = str(path.resolve())
        files = [entry] + [f for f in self.recent_files() if f != entry]
        settings().setValue("recent_files", files[:MAX_RECENT])

    def _open_recent(self, file: str) -> None:
        """Open a recent file; one that is gone is also dropped from the list."""
        if not self.open_file(file) and not Path(file).exists():
            settings().setValue("recent_files", [f for f in self.recent_files() if f != file])

    def _fill_recent_menu(self) -> None:
        menu: QMenu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        for file in files:
            action = menu.addAction(file)
            action.triggered.connect(lambda _=False, f=file: self._open_recent(f))
        if not files:
            menu.addAction("No recent files").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear", lambda: settings().setValue("recent_files", []))

    # ---- clipboard -------------------------------------------------------------------------

    def copy(self) -> bool:
        text = self.scene.copy_text()
        if text is None:
            return False
        # as plain text (file format JSON): a QMimeData made here would be freed twice at exit
        QGuiApplication.clipboard().setText(text)
        return True

    def cut(self) -> None:
        if self.copy():
            self.scene.delete_selection()

    def paste(self) -> None:
        text = QGuiApplication.clipboard().text()
        if text:
            self.scene.paste(text, self._cursor_scene_pos())

    def duplicate(self) -> None:
        text = self.scene.copy_text()
        if text is not None:
            self.scene.paste(text, verb="Duplicate")

    def _cursor_scene_pos(self) -> QPointF | None:
        pos = self.view.viewport().mapFromGlobal(self.cursor().pos())
        if self.view.viewport().rect().contains(pos):
            return self.view.mapToScene(pos)
        return None

    def select_names(self, names: list[str]) -> None:
        """Select the nodes called ``names`` (unknown names are ignored)."""
        graph = self.doc.graph
        self.scene.select([graph.get_node(n) for n in names if n in graph])

    def _select_all(self) -> None:
        self.scene.select(self.scene.node_items)

    def _add_at_center(self, op_type: str) -> None:
        center = self.view.mapToScene(self.view.viewport().rect().center())
        self.scene.add_node(op_type, center)
        self.view.setFocus()

    # ---- live evaluation -------------------------------------------------------------------

    def _show_values(self, on: bool) -> None:
        """Show or hide the value previews on the nodes (kept between sessions)."""
        NodeItem.show_previews = on
        self.live.set_previews(on)
        self.scene.update()
        if self.persist:
            settings().setValue("show_values", on)

    def _toggle_stepping(self, on: bool) -> None:
        if on:
            if not self.live.start_stepping():
                self.step_action.setChecked(False)
        else:
            self.live.stop_stepping()

    def _stepping_changed(self, on: bool) -> None:
        self.step_action.setChecked(on)
        self.step_dock.setVisible(on)
        if on:
            self.tensor_dock.show()

    def edit_value_of(self, name: str) -> None:
        """Select node ``name`` and put the cursor in its value field (properties dock)."""
        if name not in self.doc.graph:
            return
        self.live.stop_stepping()
        self.scene.select([self.doc.graph.get_node(name)])
        self.properties_dock.show()
        self.properties_dock.raise_()
        field = self.properties.fields.get("value")
        if field is not None:
            field.widget.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape leaves the step-through, unless the widget with the focus used it (to drop
        a wire being dragged, close the node search or cancel a rename)."""
        if event.key() == Qt.Key.Key_Escape and self.live.stepping:
            self.live.stop_stepping()
            return
        super().keyPressEvent(event)

    # ---- closing ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        if self.persist:
            store = settings()
            store.setValue("geometry", self.saveGeometry())
            store.setValue("window_state", self.saveState())
        self.live.close()
        self.compute.trainer.close()
        event.accept()
