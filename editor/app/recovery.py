"""Autosave to a recovery file, and recovery after a crash.

While a window's document has unsaved changes, its :class:`Autosaver` writes it — never over
the user's file — to ``SESSION.json`` in the recovery folder (beside the settings), with
``SESSION.info.json`` (the document's file or name, when, how many nodes), and holds
``SESSION.lock`` (a ``QLockFile``) while the window lives. Saving the document, or a clean
close, removes them. A session whose lock is free at the next start ended without closing —
a crash, ``kill -9`` — and :func:`find_recoverable` offers it; :class:`RecoveryDialog` asks
what to do with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSettings, QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from editor.app.preferences import settings
from editor.document import Document
from engine.graph import Graph
from engine.io import atomic_write, save_graph

GRAPH, INFO, LOCK = ".json", ".info.json", ".lock"


def recovery_folder(store: QSettings | None = None) -> Path:
    """Where recovery files go: beside the settings file (QSettings' folder) where that is a
    folder, else the application's data folder (Windows keeps settings in the registry)."""
    store = store if store is not None else settings()
    if store.format() == QSettings.Format.IniFormat or sys.platform not in ("win32", "darwin"):
        return Path(store.fileName()).parent / "recovery"
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) / "recovery"


def _lock(path: Path) -> QLockFile | None:
    """The lock at ``path``, if no living process holds it (a crashed one's is taken over)."""
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # stale only when its process is gone, however old it is
    return lock if lock.tryLock(0) else None


# ---- what a crashed session left ------------------------------------------------------------


@dataclass
class Recoverable:
    """A crashed session's document, whose lock we hold until :meth:`discard` or
    :meth:`release`."""

    graph_file: Path
    original: Path | None
    name: str
    saved: float
    nodes: int
    lock: QLockFile = field(repr=False)

    @property
    def title(self) -> str:
        return self.original.name if self.original is not None else self.name

    def files(self) -> list[Path]:
        stem = self.graph_file.name[: -len(GRAPH)]
        return [self.graph_file, self.graph_file.with_name(stem + INFO)]

    def discard(self) -> None:
        """Remove its files and the lock."""
        for path in self.files():
            path.unlink(missing_ok=True)
        self.lock.unlock()

    def release(self) -> None:
        """Leave it for the next start."""
        self.lock.unlock()


def find_recoverable(folder: Path, skip: str = "") -> list[Recoverable]:
    """The documents of sessions that ended without closing, newest first (but not session
    ``skip``, ours). Each one's lock is held until it is discarded or released."""
    for lock_file in folder.glob(f"*{LOCK}"):  # a session that crashed with nothing unsaved
        stem = lock_file.name[: -len(LOCK)]
        if stem != skip and not (folder / (stem + GRAPH)).exists():
            orphan = _lock(lock_file)
            if orphan is not None:
                orphan.unlock()  # removes it
    found = []
    for graph_file in sorted(folder.glob(f"*{GRAPH}")):
        stem = graph_file.name[: -len(GRAPH)]
        if stem.endswith(INFO[: -len(GRAPH)]) or stem == skip:
            continue
        lock = _lock(folder / (stem + LOCK))
        if lock is None:  # its window is still open
            continue
        try:
            info = json.loads((folder / (stem + INFO)).read_text(encoding="utf-8"))
            assert isinstance(info, dict)
        except (OSError, ValueError, AssertionError):
            info = {}
        original = info.get("path")
        found.append(Recoverable(
            graph_file, Path(original) if isinstance(original, str) else None,
            str(info.get("name", "Untitled")),
            float(info.get("saved", graph_file.stat().st_mtime)), int(info.get("nodes", 0)),
            lock))
    return sorted(found, key=lambda r: r.saved, reverse=True)


# ---- autosave -------------------------------------------------------------------------------


class Autosaver(QObject):
    """Keeps the recovery file of one window's document: every ``interval`` seconds and a
    moment (:attr:`IDLE_MS`) after each edit, while the document has unsaved changes that
    the file does not hold yet. A clean document has no recovery file."""

    IDLE_MS = 1000
    """How long after the last edit the recovery file is written (edits come in bursts: a
    drag is an edit per mouse move)."""
    failed = Signal(str)

    def __init__(self, folder: Path, interval: int = 30, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.session = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.graph_file = folder / (self.session + GRAPH)
        self.info_file = folder / (self.session + INFO)
        self._lock: QLockFile | None = None
        self._doc: Document | None = None
        self.pending = False
        """The document changed since the recovery file was written."""
        self.periodic = QTimer(self)
        self.periodic.timeout.connect(self._tick)
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(self.IDLE_MS)
        self.idle.timeout.connect(self.save_now)
        self._failure_reported = False
        self.set_interval(interval)

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def set_interval(self, seconds: int) -> None:
        """Autosave every ``seconds`` (0: not at all, and no recovery file is kept)."""
        self.interval = seconds
        if seconds > 0:
            self.periodic.start(seconds * 1000)
            if self.pending:
                self.idle.start()
        else:
            self.periodic.stop()
            self.idle.stop()
            self.remove()

    def watch(self, doc: Document) -> None:
        """Follow ``doc`` (the window's new document) instead of the last one."""
        if self._doc is not None:
            for signal in ("indexChanged", "cleanChanged"):
                with contextlib.suppress(RuntimeError, TypeError):
                    getattr(self._doc.undo_stack, signal).disconnect(self._edited)
        self._doc = doc
        doc.undo_stack.indexChanged.connect(self._edited)
        doc.undo_stack.cleanChanged.connect(self._edited)
        self.pending = doc.dirty
        if not doc.dirty:
            self.remove()
        elif self.enabled:
            self.idle.start()

    def _edited(self) -> None:
        try:
            dirty = self._doc is not None and self._doc.dirty
        except RuntimeError:  # the undo stack is being destroyed (its clear() says so):
            return  # the recovery file stays, unless a clean close removed it
        if not dirty:  # saved, or undone to the saved state
            self.pending = False
            self.idle.stop()
            self.remove()
            return
        self.pending = True
        if self.enabled:
            self.idle.start()

    def _tick(self) -> None:
        if self.pending:
            self.save_now()

    def save_now(self) -> bool:
        """Write the recovery file now (or remove it, if the document has nothing unsaved).
        False if writing failed (said once by :attr:`failed`)."""
        self.idle.stop()
        doc = self._doc
        if doc is None or not self.enabled:
            return False
        self.pending = False
        if not doc.dirty:
            self.remove()
            return True
        try:
            self._write(doc)
        except (OSError, ValueError) as error:
            self.pending = True
            if not self._failure_reported:
                self._failure_reported = True
                self.failed.emit(f"Autosave failed: {error}")
            return False
        self._failure_reported = False
        return True

    def rescue(self) -> Path | None:
        """Write the recovery file now, even with autosave off (after an unexpected error:
        the work must not be lost); where it went — ``None`` if the document has nothing
        unsaved or writing failed (what failed is not worth another error)."""
        doc = self._doc
        if doc is None or not doc.dirty:
            return None
        try:
            self._write(doc)
        except Exception:
            return None
        self.pending = False
        return self.graph_file

    def _write(self, doc: Document) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = _lock(self.folder / (self.session + LOCK))
        save_graph(doc.graph, self.graph_file)
        info = {"path": str(doc.path.resolve()) if doc.path is not None else None,
                "name": doc.name, "saved": time.time(), "nodes": len(doc.graph)}
        atomic_write(self.info_file, json.dumps(info, ensure_ascii=False))

    def remove(self) -> None:
        """Remove the recovery file (the lock stays while the window lives)."""
        for path in (self.graph_file, self.info_file):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """A clean close: no recovery file, no lock."""
        self.periodic.stop()
        self.idle.stop()
        self.remove()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


# ---- the dialog -----------------------------------------------------------------------------


class RecoveryDialog(QDialog):
    """Offers a crashed session's document: Recover, Discard, or Show (the recovery folder,
    in the file manager; its path is always on the dialog too). Closing it decides nothing:
    the file is offered again at the next start. ``choice`` is ``"recover"``, ``"discard"``
    or ``""``."""

    def __init__(self, found: Recoverable, more: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.found = found
        self.choice = ""
        self.setWindowTitle("Recover unsaved work")
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(found.saved))
        where = f" ({found.original})" if found.original is not None else ""
        nodes = f", {found.nodes} node{'s' * (found.nodes != 1)}" if found.nodes else ""
        text = QLabel(
            f"<p><b>Tensor Canvas did not close properly last time.</b></p>"
            f"<p>Unsaved changes to <b>{_html(found.title)}</b>{_html(where)} were saved "
            f"automatically at {when}{nodes}.</p>"
            "<p>Recover opens them as an unsaved document; Save then writes them to the "
            "original file.</p>"
            + (f"<p>{more} more recovery file{'s' * (more != 1)} will be offered after this "
               "one (if you discard it) or at the next start.</p>" if more else ""))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.message = text
        self.path_label = QLabel(f"Recovery file: {found.graph_file}")
        self.path_label.setProperty("role", "muted")
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        buttons = QDialogButtonBox()
        self.recover_button = buttons.addButton("&Recover", QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = buttons.addButton("&Discard",
                                                QDialogButtonBox.ButtonRole.DestructiveRole)
        self.show_button = buttons.addButton("&Show Files", QDialogButtonBox.ButtonRole.ActionRole)
        self.recover_button.setDefault(True)
        self.recover_button.clicked.connect(lambda: self._decide("recover"))
        self.discard_button.clicked.connect(lambda: self._decide("discard"))
        self.show_button.clicked.connect(self.show_files)
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addSpacing(8)
        column = QVBoxLayout()
        column.addWidget(text)
        column.addWidget(self.path_label)
        row.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addSpacing(8)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _decide(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def show_files(self) -> None:
        """Open the recovery folder in the file manager; where there is none, say where it is
        (the path stays on the dialog either way)."""
        folder = self.found.graph_file.parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.path_label.setText(f"No file manager could be opened. The recovery file "
                                    f"is {self.found.graph_file}")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def recovered_document(found: Recoverable, graph: Graph) -> Document:
    """The crashed session's document (``graph``, read from its recovery file): unsaved, with
    the file (or name) it had, so that Save writes to that file."""
    doc = Document(graph, found.original, name=found.name)
    doc.undo_stack.resetClean()  # unsaved, and no undo step leads back to a "saved" state
    return doc
