"""The main window: canvas, docks, menus, files, recent files and settings."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import cast

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor import style
from editor.app import opening
from editor.app.export_menu import ExportMenu
from editor.app.history import HistoryView
from editor.app.node_menu import NodeMenu
from editor.app.opening import Opener
from editor.app.preferences import APPLICATION as APPLICATION
from editor.app.preferences import ORGANIZATION as ORGANIZATION
from editor.app.preferences import Preferences, PreferencesDialog, apply_blas_threads, settings
from editor.app.recovery import (
    Autosaver,
    Recoverable,
    RecoveryDialog,
    find_recoverable,
    recovered_document,
    recovery_folder,
)
from editor.app.status_bar import StatusBar
from editor.app.toolbar import make_toolbar
from editor.canvas import capacity, layout
from editor.canvas.items import NodeItem
from editor.canvas.items.overview import OVERVIEW_ZOOM
from editor.canvas.palette import Palette
from editor.canvas.scene import GraphScene
from editor.canvas.view import GraphView
from editor.compute.live import LiveEvaluation
from editor.compute.service import ComputeService
from editor.data.panel import DataPanel
from editor.document import Document, freeze_if_many
from editor.inspect.properties import PropertiesPanel
from editor.inspect.step_controls import StepControls
from editor.inspect.tensor_view import TensorView
from editor.training.panel import TrainingPanel
from engine import train
from engine.errors import FileFormatError
from engine.gcpause import gc_paused
from engine.graph import Graph
from engine.io import load_graph

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
DEFAULT_EXAMPLE = EXAMPLES / "affine.json"
FILE_FILTER = "Tensor Canvas graphs (*.json);;All files (*)"
MAX_RECENT = 10
LAYOUT_VERSION = 1
"""Of the docks' arrangement saved in the settings: a state saved by an older layout is not
restored (the window starts with the current default)."""
COLUMN_WIDTH = 400
"""The least width of the docks' column: the Training dock's content fits, and the Tensor
dock's but for a matrix's heatmap (it scrolls)."""


class _LeastHeight(QVBoxLayout):
    """Holds a widget that a scroll area should scroll only below its least height: without
    this, a scroll area gives a widget whose height depends on its width (wrapped text) its
    preferred height, and scrolls long before the widget is short of room."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False


def _scrolling(widget: QWidget, least: bool = False) -> QScrollArea:
    """``widget`` in a frameless scroll area: it scrolls when its dock is shorter than it —
    than its least height, with ``least`` — and a change of its size hint (a new value, a
    message instead of a table) stays inside its dock instead of laying out, and repainting,
    the whole window."""
    scroll = QScrollArea()
    if least:
        box = QWidget()
        layout = _LeastHeight(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget)
        widget = box
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll


def prepare_graph(graph: Graph) -> Graph:
    """Lay out a graph whose file has no positions (one written with the engine's API)."""
    if not layout.has_positions(graph):
        for name, pos in layout.arrange(graph).items():
            graph.set_ui(name, pos=pos)
    return graph


def prepare_to_show(graph: Graph) -> Graph:
    """:func:`prepare_graph`, the static shapes the canvas shows inferred and the order it
    makes its items in sorted (File › Open does all in its reading thread)."""
    graph = prepare_graph(graph)
    graph.infer_shapes(graph.nodes)
    graph.topological_order()  # sorted here, for the canvas
    return graph


class MainWindow(QMainWindow):
    """One document at a time on a canvas, with the palette, properties and history docks.

    With ``persist`` false (screenshots), the window neither reads nor writes settings, and
    neither autosaves nor offers recovery.
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
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.properties_dock = self._dock("Properties", _scrolling(self.properties),
                                          Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_dock = self._dock("History", self.history,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.tensor_view = TensorView()
        self.tensor_dock = self._dock("Tensor", self.tensor_view,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.compute = ComputeService(self)
        self.live = LiveEvaluation(self.compute, self.tensor_view, self)
        self.step_controls = StepControls(self.live.stepper)
        self.step_dock = self._dock("Step through", self._step_bar(),
                                    Qt.DockWidgetArea.BottomDockWidgetArea)
        self.step_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.step_dock.hide()
        self.setStatusBar(StatusBar())
        self.statusBar().addPermanentWidget(self.live.busy_indicator)
        self.live.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.live.stepping_changed.connect(self._stepping_changed)
        self.tensor_view.value_wanted.connect(self.edit_value_of)
        self.tensor_dock.visibilityChanged.connect(self.tensor_view.set_on_screen)
        self.history_dock.visibilityChanged.connect(self.history.set_on_screen)
        self.op_palette.activated.connect(self._add_at_center)
        self.doc: Document  # both set by set_document, at the end of __init__
        self.scene: GraphScene
        self.preferences = Preferences.load() if persist else Preferences()
        self.autosave: Autosaver | None = None
        if persist:
            self.autosave = Autosaver(recovery_folder(), self.preferences.autosave_seconds, self)
            self.autosave.failed.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.dialogs: dict[str, QDialog] = {}
        """The Help and Edit menus' dialogs, while they are open (one of each)."""
        self.recovery_dialog: RecoveryDialog | None = None
        self.opener = Opener(self, prepare_to_show)  # File › Open reads off the GUI thread
        self.opener.opened.connect(self._draw_opened)
        self.opener.failed.connect(self._open_failed)
        self._make_actions()
        self._make_menus()
        self.training = TrainingPanel(self.compute, self)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.training.dock.toggleViewAction())
        self.view_menu.addAction(self.training.show_gradients_action)
        self.training.gradients_changed.connect(
            lambda: self.live.set_gradients(self.training.gradients))
        self.training.message.connect(self.statusBar().showMessage)
        self.training.failed.connect(self.live.mark_failure)
        self.compute.trainer.started.connect(self.live.clear_reported)
        self.training.reveal.connect(self._reveal)
        self.data = DataPanel(self, persist)
        self.data.preview_changed.connect(self.live.set_preview_batch)
        self.data.watch(self.view)
        self.file_menu.insertAction(self.examples_menu.menuAction(), self.data.import_action)
        self.view_menu.addAction(self.data.dock.toggleViewAction())
        self.data.message.connect(self.statusBar().showMessage)
        self._make_toolbar()
        self.view.node_actions = NodeMenu(
            self.view, self.live, self.delete_action, self.duplicate_action, self.step_action,
            self.training.show_gradients_action).actions
        self.statusBar().showMessage("Ready")
        self.resize(1280, 800)
        self._lay_out()
        self._laid_out = False  # sized to the window when first shown, unless restored
        self._shown = False
        if persist:
            store = settings()
            self.restoreGeometry(cast(QByteArray, store.value("geometry", QByteArray())))
            self._laid_out = self.restoreState(
                cast(QByteArray, store.value("window_state", QByteArray())), LAYOUT_VERSION)
            shown = self.preferences.show_values
            self.show_values_action.setChecked(shown)
            NodeItem.show_previews = self.live.previews = shown
        self.step_dock.hide()  # a restored state does not start a step-through
        self.set_document(Document())
        if persist:
            QTimer.singleShot(0, self.offer_recovery)  # once the window is up

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _lay_out(self) -> None:
        """Give the canvas the larger part of the window: one column on the right, the
        properties above the Palette, Tensor, Training and History docks, tabbed (training never
        squeezes the properties); the step-through bar, when shown, under the canvas."""
        right, vertical = Qt.DockWidgetArea.RightDockWidgetArea, Qt.Orientation.Vertical
        self.setCorner(Qt.Corner.BottomRightCorner, right)
        training = self.training.dock
        for dock in (self.tensor_dock, training):  # they scroll when short of room, rather than
            dock.setWidget(_scrolling(dock.widget(), least=True))  # widen the column (and move
            # the canvas) or squeeze the properties
        self.addDockWidget(right, training)
        self.addDockWidget(right, self.data.dock)
        self.splitDockWidget(self.properties_dock, self.palette_dock, vertical)
        tabs = [self.palette_dock, self.tensor_dock, training, self.data.dock, self.history_dock]
        for first, second in zip(tabs, tabs[1:], strict=False):
            self.tabifyDockWidget(first, second)
        self.tensor_dock.raise_()
        self._size_docks()

    def _size_docks(self) -> None:
        """Dock sizes in proportion to the window: the canvas keeps about two thirds of its
        width (a little less in a small window), the properties not quite half the column's
        height."""
        column = min(max(round(self.width() * 0.35), COLUMN_WIDTH), 2 * COLUMN_WIDTH)
        self.resizeDocks([self.properties_dock], [column], Qt.Orientation.Horizontal)
        height = self.height()
        self.resizeDocks([self.properties_dock, self.palette_dock],
                         [round(height * 0.44), round(height * 0.56)], Qt.Orientation.Vertical)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            if not self._laid_out:  # the default layout, for the size the window is shown at
                self._size_docks()
            self._bring_forward()  # a dock hidden until now had no tab to bring forward

    def _bring_forward(self) -> None:
        """Put in front the dock the document needs first: the palette for an empty one, the
        Training dock for one that trains (the training panel shows it), else the Tensor dock."""
        graph = self.doc.graph
        front = (self.training.dock if train.train_nodes(graph) else
                 self.tensor_dock if graph.nodes else self.palette_dock)
        behind = self.palette_dock if front is not self.palette_dock else self.tensor_dock
        behind.raise_()  # (raise_ does nothing for the widget raised last)
        front.raise_()

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
        self.undo_action.setProperty("help_name", "Undo")  # not "Undo Connect"
        self.redo_action.setProperty("help_name", "Redo")
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
        self.arrange_action = a("Arrange", self.view.arrange, "Ctrl+L")
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
        self.preferences_action = a("&Preferences…", self.open_preferences, "Ctrl+,")
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.shortcuts_action = a("&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.guide_action = a("&User Guide", self.show_user_guide)
        self.about_action = a(f"&About {APPLICATION}", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.view.context_actions = [
            self.add_node_action, None, self.cut_action, self.copy_action, self.paste_action,
            self.duplicate_action, self.delete_action, None, self.rename_action,
            self.select_all_action, self.arrange_action, None, self.step_action, None,
            self.frame_all_action, self.frame_selection_action]

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file = self.file_menu = bar.addMenu("&File")
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
        self.export_menu = ExportMenu(self, prepare_graph)
        file.addAction(self.export_menu.import_action)
        file.addMenu(self.export_menu)
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
        edit.addSeparator()
        edit.addAction(self.preferences_action)
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
        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addActions([self.shortcuts_action, self.guide_action])
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.about_action)

    def _make_toolbar(self) -> None:
        """The actions a user looks for in a toolbar, each with an icon and a word."""
        self.train_action = self._action("&Train", self._train)
        self.train_action.setToolTip("Train with the Training dock's settings")
        self.evaluate_menu.addAction(self.train_action)
        self.menuBar().setCornerWidget(make_toolbar(self, [  # beside the menus: no row of its own
            (self.open_action, "Open", "open"), (self.save_action, "Save", "save"), None,
            (self.undo_action, "Undo", "undo"), (self.redo_action, "Redo", "redo"), None,
            (self.step_action, "Step Through", "step"), (self.train_action, "Train", "train"),
            None, (self.frame_all_action, "Frame All", "frame")]))

    def _train(self) -> None:
        self.training.dock.show()
        self.training.dock.raise_()
        self.training.training.start()

    # ---- the document ----------------------------------------------------------------------

    def set_document(self, doc: Document, scene: GraphScene | None = None) -> None:
        """Show ``doc`` (the previous document is dropped), on ``scene`` if it is made."""
        for step in self._swap_steps(doc, scene):
            step()

    def _swap_steps(self, doc: Document, scene: GraphScene | None = None,
                    extent: QRectF | None = None) -> list[Callable[[], None]]:
        """:meth:`set_document`'s work in steps, each a few dozen ms for 40,000 nodes: File ›
        Open runs one a turn of the event loop, under its (window-modal) progress dialog. The
        new undo stack becomes the active one last: the document is shown once all are done.
        The live evaluation follows it just before: its worker then copies and evaluates the
        graph, a thread that would slow the steps after it (they share the GIL).
        ``extent``: where the scene's items are, framed (else worked out)."""
        old = (self.doc, self.scene) if hasattr(self, "doc") else None
        new = scene if scene is not None else GraphScene(doc)

        def canvas() -> None:
            self.doc, self.scene = doc, new
            self.view.setScene(new)
            self.properties.set_scene(new)
            if doc.graph.nodes and extent is not None:
                self.view.frame(extent)
            elif doc.graph.nodes:
                self.view.frame_all()
            else:
                self.view.set_zoom(1.0)
                self.view.centerOn(0, 0)

        def listen() -> None:
            doc.dirty_changed.connect(self._update_title)
            doc.editable_changed.connect(self._editable_changed)
            doc.path_changed.connect(self._update_title)
            if self.autosave is not None:
                self.autosave.watch(doc)
            new.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
            self.training.set_document(doc, new)

        def show() -> None:
            self.undo_group.addStack(doc.undo_stack)
            self.undo_group.setActiveStack(doc.undo_stack)
            if old is not None:
                old_doc, old_scene = old
                self.undo_group.removeStack(old_doc.undo_stack)
                old_scene.deleteLater()
                old_doc.deleteLater()
            self._update_title()
            self._bring_forward()

        return [canvas, listen, lambda: self.data.set_document(doc),
                lambda: self.live.set_scene(new), show]

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
            self.opener.open(Path(path))

    def open_file(self, path: str | Path, example: bool = False) -> bool:
        """Open a graph file (an example opens as an untitled copy). A broken file is
        reported and changes nothing."""
        path = Path(path)
        try:
            with gc_paused():  # what a big file makes lives as long as its document
                graph = prepare_graph(load_graph(path, limits=capacity.limits()))
        except (FileFormatError, ValueError) as error:  # ValueError: a limit set wrongly
            QMessageBox.critical(self, "Cannot open the file", str(error))
            return False
        return self._show_opened(path, graph, example)

    def _show_opened(self, path: Path, graph: Graph, example: bool = False) -> bool:
        """Make ``graph``, read from ``path``, the document (after asking about unsaved
        changes)."""
        if not self.maybe_save():
            return False
        with gc_paused():  # what a big file makes lives as long as its document
            if example:
                self.set_document(Document(graph, name=f"{path.stem} (example)"))
            else:
                self.set_document(Document(graph, path))
                self._add_recent(path)
            # out of the collector's sight until the document goes (as for edits); before it
            freeze_if_many(len(graph))  # resumes, which would scan it all
        self.statusBar().showMessage(f"Opened {path.name}: {len(graph)} nodes", 5000)
        return True

    def _draw_opened(self, path: Path, graph: Graph) -> None:
        """File › Open's ``graph``, read from ``path``: its canvas is made in slices under the
        opener's progress dialog (the window stays live; Cancel drops it) and then, once
        unsaved changes are dealt with (made before or meanwhile), replaces the document."""
        self.opener.follow(self._drawing(path, graph))

    def _drawing(self, path: Path, graph: Graph) -> Generator[float, None, None]:
        with gc_paused():  # what a big file makes lives as long as its document
            doc = Document(graph, path)
            scene = GraphScene(doc, build=False)
            try:
                yield from scene.build(opening.BUILD_SLICE, lambda extent: (
                    self.view.framing_zoom(extent) < OVERVIEW_ZOOM))
            except GeneratorExit:  # cancelled: the half-made canvas goes
                scene.deleteLater()
                doc.deleteLater()
                raise
            if not self.maybe_save():
                scene.deleteLater()
                doc.deleteLater()
                return
            first, *steps = self._swap_steps(doc, scene, scene.built_extent)
            first()
            for at, step in enumerate(steps):
                try:
                    yield 1.0  # a turn of the event loop between two steps
                except GeneratorExit:  # cancelled while swapping: it is finished all the same
                    for rest in steps[at:]:
                        rest()
                    raise
                step()
            self._add_recent(path)
            freeze_if_many(len(graph))  # (as in _show_opened)
        self.statusBar().showMessage(f"Opened {path.name}: {len(graph)} nodes", 5000)

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

    def _open_failed(self, path: Path, message: str) -> None:
        """Say why ``path`` did not open; a recent file that is gone leaves the list."""
        QMessageBox.critical(self, "Cannot open the file", message)
        if not path.exists():
            file = str(path)
            settings().setValue("recent_files", [f for f in self.recent_files() if f != file])

    def _fill_recent_menu(self) -> None:
        menu: QMenu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        for file in files:
            action = menu.addAction(file)
            action.triggered.connect(lambda _=False, f=file: self.opener.open(Path(f)))
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
        self.scene.select(self.doc.graph.nodes)

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
        self.preferences = replace(self.preferences, show_values=on)
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
            self.tensor_dock.raise_()

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

    # ---- preferences and help ---------------------------------------------------------------

    def _open_dialog(self, key: str, make: Callable[[], QDialog]) -> QDialog:
        """Show the dialog ``key`` (made by ``make`` unless it is open already), window-modal
        for preferences, beside the window for help."""
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = self.dialogs[key] = make()
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda: self.dialogs.pop(key, None))
            dialog.finished.connect(lambda _: self.dialogs.pop(key, None))
        if key == "preferences":
            dialog.open()
        else:
            dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_preferences(self) -> None:
        """Edit › Preferences… (Ctrl+,): applied, and kept, when the dialog is accepted."""
        def make() -> QDialog:
            folder = str(self.autosave.folder) if self.autosave is not None else ""
            dialog = PreferencesDialog(self.preferences, folder, self)
            dialog.accepted.connect(lambda: self.apply_preferences(dialog.preferences()))
            return dialog
        self._open_dialog("preferences", make)

    def apply_preferences(self, prefs: Preferences) -> None:
        """Make ``prefs`` the preferences: the theme, autosave, values on nodes (the View
        menu's item follows) and the BLAS threads; kept in the settings."""
        old, self.preferences = self.preferences, prefs
        if self.persist:
            prefs.save()
        app = QApplication.instance()
        if prefs.theme != style.current_theme and isinstance(app, QApplication):
            style.apply_theme(app, prefs.theme)
            self.view.theme_changed()
            self.scene.update()
        if self.autosave is not None:
            self.autosave.set_interval(prefs.autosave_seconds)
        if prefs.show_values != self.show_values_action.isChecked():
            self.show_values_action.setChecked(prefs.show_values)
            self._show_values(prefs.show_values)
        if prefs.blas_threads != old.blas_threads:
            threads = prefs.blas_threads or "as many as there are cores"
            if apply_blas_threads(prefs.blas_threads):
                self.statusBar().showMessage(f"BLAS threads: {threads}", 5000)
            else:
                self.statusBar().showMessage(f"BLAS threads: {threads} from the next start", 5000)

    def show_shortcuts(self) -> None:
        """Help › Keyboard Shortcuts (F1): a searchable list of every shortcut and gesture."""
        from editor.app import help as dialogs  # (their Qt classes load when first asked for)

        rows = dialogs.action_rows
        self._open_dialog("shortcuts", lambda: dialogs.ShortcutsDialog(rows(self.menuBar()), self))

    def show_user_guide(self) -> None:
        """Help › User Guide: docs/user-guide.md, rendered in a dialog (works offline)."""
        from editor.app import help as dialogs

        self._open_dialog("guide", lambda: dialogs.UserGuideDialog(parent=self))

    def show_about(self) -> None:
        from editor.app import help as dialogs

        self._open_dialog("about", lambda: dialogs.AboutDialog(self))

    # ---- recovery --------------------------------------------------------------------------

    def offer_recovery(self) -> None:
        """Offer what the sessions that crashed left (after a start), one dialog at a time."""
        if self.autosave is not None and self.recovery_dialog is None:
            self._offer(find_recoverable(self.autosave.folder, skip=self.autosave.session))

    def _offer(self, found: list[Recoverable]) -> None:
        if not found:
            self.recovery_dialog = None
            return
        first, rest = found[0], found[1:]
        dialog = self.recovery_dialog = RecoveryDialog(first, len(rest), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def decided() -> None:
            self.recovery_dialog = None
            self.activateWindow()  # back to the window (its shortcuts), as the dialog closes
            if dialog.choice == "recover":
                if not self.recover(first):  # unreadable, or the open document kept
                    self._offer(found)
                    return
                for other in rest:  # one document per window: the others at the next start
                    other.release()
            elif dialog.choice == "discard":
                first.discard()
                self._offer(rest)
            else:  # closed: decided later, at the next start
                for other in found:
                    other.release()

        dialog.finished.connect(decided)
        dialog.open()

    def recover(self, found: Recoverable) -> bool:
        """Open a crashed session's document, unsaved and titled after its file, and remove
        its recovery file (ours, written at once, takes over)."""
        try:
            graph = prepare_graph(load_graph(found.graph_file, limits=capacity.limits()))
        except (FileFormatError, ValueError) as error:
            QMessageBox.critical(self, "Cannot recover the document", str(error))
            return False
        if not self.maybe_save():
            return False
        self.set_document(recovered_document(found, graph))
        if self.autosave is not None:
            self.autosave.save_now()
        found.discard()
        self.statusBar().showMessage(
            f"Recovered {found.title}: {len(graph)} nodes, not saved yet", 10000)
        return True

    # ---- closing ---------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        if self.persist:
            store = settings()
            store.setValue("geometry", self.saveGeometry())
            store.setValue("window_state", self.saveState(LAYOUT_VERSION))
        if self.autosave is not None:
            self.autosave.close()  # a clean close leaves nothing to recover
        self.opener.cancel()  # a file being opened is not
        self.live.close()
        self.compute.trainer.close()
        event.accept()
