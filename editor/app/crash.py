"""Unexpected errors: never a bare traceback. An exception nothing caught — in a slot, an event
handler or a thread — is shown in a dialog whose details can be copied, the open document is
written to its recovery file first, and the editor goes on."""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from editor.app.recovery import Autosaver

MAX_DETAILS = 20
"""Errors whose details the dialog shows; later ones are only counted (one in a paint event
would come again at every repaint)."""


class ErrorDialog(QDialog):
    """Says that something went wrong and where the work is; the details (tracebacks, the
    latest last) are shown and copied by Copy Details."""

    def __init__(self, details: str, saved: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unexpected error")
        self.count = 1
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("&Copy Details",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)
        self.set_saved(saved)

    def set_saved(self, saved: Path | None) -> None:
        where = (f"Your unsaved work was written to the recovery file {saved}; it is offered "
                 "at the next start should the editor not close properly."
                 if saved is not None else "")
        times = f" ({self.count} errors)" if self.count > 1 else ""
        self.summary.setText(
            f"Tensor Canvas ran into an unexpected error{times} and goes on. {where} "
            "Saving your work now is wise. Please report this with the details below.")

    def add(self, details: str, saved: Path | None) -> None:
        """Another error while the dialog is open: its details follow the others'."""
        self.count += 1
        if self.count <= MAX_DETAILS:
            self.details.appendPlainText("\n" + details)
        self.set_saved(saved)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


class ErrorReporter(QObject):
    """While installed (:meth:`install`), the hook of ``sys.excepthook`` and
    ``threading.excepthook``: each error is printed as before (for a terminal), then — on the
    GUI thread, once the event loop is back — the document is rescued (``autosave``) and the
    error shown in one :class:`ErrorDialog`."""

    _caught = Signal(str)

    def __init__(self, window: QWidget, autosave: Autosaver | None) -> None:
        super().__init__(window)
        self.window, self.autosave = window, autosave
        self.dialog: ErrorDialog | None = None
        self._previous: tuple[Any, Any] | None = None
        self._caught.connect(self._report, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.hook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def hook(self, kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        previous = self._previous[0] if self._previous is not None else sys.__excepthook__
        previous(kind, error, trace)
        if issubclass(kind, (KeyboardInterrupt, SystemExit)):
            return
        self._caught.emit("".join(traceback.format_exception(kind, error, trace)))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.hook(args.exc_type, args.exc_value, args.exc_traceback)

    def _report(self, details: str) -> None:
        saved = self.autosave.rescue() if self.autosave is not None else None
        if self.dialog is not None:
            self.dialog.add(details, saved)
            return
        self.dialog = ErrorDialog(details, saved, self.window)
        self.dialog.finished.connect(self._closed)
        self.dialog.open()

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
