"""The data sets' part in the window: File › Import Data…, the Data dock, and binding as
undoable commands. It talks to the document — never to the window, which places its dock and
menu entry and shows its messages."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDropEvent
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QWidget

from editor.app.preferences import settings
from editor.canvas.items.node import NodeItem
from editor.data.import_dialog import ImportDialog
from editor.data.view import DataView
from editor.document import Document
from editor.document.data_commands import BindData
from engine.data import problems
from engine.data.binding import Change
from engine.data.preview import PREVIEW_ROWS, PreviewBatch
from engine.graph import GraphEvent, Placeholder

STATUS_MS = 15000
PREVIEW_SIZE_KEY = "data/preview_batch_size"
"""The QSettings key of the preview batch's size (a view setting: not in the graph file)."""
DATA_SUFFIXES = (".csv", ".npy", ".npz")


def _data_file(mime: QMimeData) -> str | None:
    """The data file a drag carries (a local .csv, .npy or .npz), if any."""
    for url in mime.urls() if mime.hasUrls() else []:
        path = url.toLocalFile()
        if path.lower().endswith(DATA_SUFFIXES):
            return path
    return None


class DataPanel(QObject):
    """``import_action`` (File › Import Data…) and ``dock`` (the Data view). Signals:
    ``message(text, ms)`` for the status bar, ``preview_changed(PreviewBatch)`` for the rows
    live evaluation feeds: the first batch of each document opened, then the user's choice.
    Its size is kept in QSettings when ``persist``."""

    message = Signal(str, int)
    preview_changed = Signal(object)

    def __init__(self, window: QWidget, persist: bool = True) -> None:
        super().__init__(window)
        self.window = window
        self.persist = persist
        self.view = DataView()
        self.view.preview_changed.connect(self._preview_chosen)
        self.dock = QDockWidget("Data")
        self.dock.setObjectName("Data")
        self.dock.setWidget(self.view)
        self.import_action = QAction("Import &Data…", self)
        self.import_action.setToolTip("Load a .csv, .npy or .npz file (or a built-in data set) "
                                      "and bind it to placeholders")
        self.import_action.triggered.connect(lambda: self.open_import())
        self.dialog: ImportDialog | None = None
        self.doc: Document | None = None
        self._view: QGraphicsView | None = None
        self._refresh = QTimer(self, singleShot=True, interval=0)
        self._refresh.timeout.connect(self._show)

    def set_document(self, doc: Document) -> None:
        """Follow ``doc``; say which bound data files are missing or changed."""
        self.doc = doc
        doc.changed.connect(self._changed)
        self._show()
        size = self.view.batch_size.value()
        if self.persist:
            stored = str(settings().value(PREVIEW_SIZE_KEY, PREVIEW_ROWS))
            size = int(stored) if stored.isdigit() and int(stored) > 0 else size
        self.view.set_preview_batch(PreviewBatch(0, size))
        found = problems(doc.graph)
        if found:  # after the window's "Opened …"
            text = "; ".join(found.values())
            QTimer.singleShot(0, lambda: self.message.emit(text, STATUS_MS))

    def _preview_chosen(self, batch: PreviewBatch) -> None:
        if self.persist:
            settings().setValue(PREVIEW_SIZE_KEY, batch.size)
        self.preview_changed.emit(batch)

    def _changed(self, events: list[GraphEvent]) -> None:
        if any(isinstance(e.node, Placeholder) and e.kind != "ui_changed" for e in events):
            self._refresh.start()

    def _show(self) -> None:
        if self.doc is not None:
            self.view.set_graph(self.doc.graph)

    def open_import(self, path: str | None = None, placeholder: str | None = None) -> None:
        """Show the import dialog (one at a time), with ``path`` chosen if given; its binding
        is applied when accepted."""
        if self.doc is None:
            return
        if self.dialog is None:
            self.dialog = ImportDialog(self.doc.graph, self.window)
            self.dialog.accepted.connect(self._imported)
            self.dialog.finished.connect(self._closed)
            self.dialog.open()
        if path is not None:
            self.dialog.choose_file(path, placeholder)
        self.dialog.raise_()

    def watch(self, view: QGraphicsView) -> None:
        """Take data files dropped on ``view`` (the canvas): the import dialog opens with the
        file, its features bound to the placeholder dropped on, if any."""
        self._view = view
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        path = _data_file(cast(QDropEvent, event).mimeData())
        if path is None:
            return False  # the canvas's own (palette entries)
        drop = cast(QDropEvent, event)
        drop.setDropAction(Qt.DropAction.CopyAction)
        drop.accept()
        if kind == QEvent.Type.Drop:
            self.open_import(path, self._placeholder_at(drop.position().toPoint()))
        return True

    def _placeholder_at(self, point: QPoint) -> str | None:
        item = self._view.itemAt(point) if self._view is not None else None
        while item is not None and not isinstance(item, NodeItem):
            item = item.parentItem()
        if isinstance(item, NodeItem) and isinstance(item.node, Placeholder):
            return item.node.name
        return None

    def _imported(self) -> None:
        assert self.dialog is not None
        self.bind(self.dialog.changes)

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def bind(self, changes: list[Change]) -> bool:
        """Apply a checked binding as one undoable edit; say what happened."""
        if self.doc is None or not changes:
            return False
        command = BindData(self.doc, changes)
        refused = self.doc.execute(command)
        if refused is not None:
            self.message.emit(f"Cannot bind: {refused}", STATUS_MS)
            return False
        self.message.emit(command.text(), STATUS_MS)
        self.dock.show()
        self.dock.raise_()
        return True
