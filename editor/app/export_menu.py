"""File › Export (ONNX Model…, JAX Training Script…, Python Script…, Image…, Image of the
Selection…) and File › Import ONNX Model…: each asks for a file, writes or reads it — the
engine's part on a copy of the graph in a worker thread — and reports what went wrong in a
message that names the node (the open document is left as it was)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QStatusBar,
    QWidget,
)

from editor.canvas.scene import GraphScene
from editor.document import Document
from engine.errors import EngineError
from engine.graph import Graph


class _Signals(QObject):
    done = Signal(object, str)  # the result, or None and what went wrong


class _Job(QRunnable):
    """``work()`` in a pool thread; ``signals.done`` carries its result or its error's text."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.work = work
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.work()
        except (EngineError, ValueError, KeyError, OSError) as error:
            self.signals.done.emit(None, str(error.args[0] if error.args else error))
        else:
            self.signals.done.emit(result, "")


class Host(Protocol):
    """What the menu needs of the main window."""

    doc: Document
    scene: GraphScene

    def maybe_save(self) -> bool: ...

    def set_document(self, doc: Document) -> None: ...

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)


class ExportMenu(QMenu):
    """The Export submenu of ``window`` and its ``import_action``; ``prepare`` lays out an
    imported graph. ``finished`` carries what the user was told when an export or an import
    is over."""

    finished = Signal(str)

    def __init__(self, window: Host, prepare: Callable[[Graph], Graph]) -> None:
        self.widget = cast(QWidget, window)
        super().__init__("E&xport", self.widget)
        self.window_ = window
        self.prepare = prepare
        self.onnx_action = self.addAction("&ONNX Model…", self.export_onnx)
        self.jax_action = self.addAction("&JAX Training Script…", self.export_jax)
        self.python_action = self.addAction("&Python Script…", self.export_python)
        self.addSeparator()
        self.image_action = self.addAction("&Image…", lambda: self.export_image(False))
        self.selection_image_action = self.addAction("Image of the &Selection…",
                                                     lambda: self.export_image(True))
        self.import_action = QAction("&Import ONNX Model…", self)
        self.import_action.triggered.connect(self.import_onnx)
        self.aboutToShow.connect(self._enable)
        self._jobs: set[_Job] = set()

    def _enable(self) -> None:
        self.selection_image_action.setEnabled(bool(self.window_.scene.selected_nodes()))

    # ---- exports -------------------------------------------------------------------------

    def _target(self, title: str, suffix: str, kind: str) -> Path | None:
        doc = self.window_.doc
        stem = Path(doc.title).stem if doc.path is not None else doc.title.split()[0]
        start = (doc.path.parent if doc.path is not None else Path.home()) / f"{stem}{suffix}"
        name, _ = QFileDialog.getSaveFileName(self.widget, title, str(start), kind)
        if not name:
            return None
        path = Path(name)  # a name typed without its type gets it (".py" of "_jax.py")
        return path if path.suffix else path.with_name(path.name + "." + suffix.rpartition(".")[2])

    def _start(self, work: Callable[[], Any], then: Callable[[Any, str], str]) -> None:
        """Run ``work`` in a worker thread, then ``then(result, error)`` here, which says
        what the user was told."""
        job = _Job(work)
        self._jobs.add(job)

        def done(result: Any, error: str) -> None:
            self._jobs.discard(job)
            if shiboken6.isValid(self):  # (the window may be gone)
                self.finished.emit(then(result, error))

        job.signals.done.connect(done)
        QThreadPool.globalInstance().start(job)

    def _write(self, title: str, suffix: str, kind: str,
               write: Callable[[Graph, Path], list[Path] | None]) -> bool:
        """Ask where, then ``write(a copy of the graph, path)`` in a worker thread (it may
        return the files it wrote, when there are more than ``path``)."""
        path = self._target(title, suffix, kind)
        if path is None:
            return False
        graph = self.window_.doc.graph.copy()
        self._start(lambda: write(graph, path),
                    lambda written, error: self._report(written or [path], error))
        return True

    def _report(self, paths: list[Path], error: str) -> str:
        if error:
            QMessageBox.critical(self.widget, "Cannot export", error)
            return error
        message = f"Exported {' and '.join(str(p) for p in paths)}"
        self.window_.statusBar().showMessage(message, 5000)
        return message

    def export_onnx(self) -> bool:
        """The selected operations (or what nothing but training reads) as an ONNX model."""
        from engine.export.onnx_out import save_onnx

        chosen = [n.name for n in self.window_.scene.selected_nodes() if not n.op.is_source]
        return self._write("Export ONNX model", ".onnx", "ONNX models (*.onnx)",
                           lambda graph, path: save_onnx(graph, path, chosen or None))

    def export_jax(self) -> bool:
        """A JAX script training the graph's train node (the selected one, if any), and the
        data set it trains on beside it, if one is bound."""
        from engine.export.jax_script import write_jax_script
        from engine.train import train_nodes

        selected = set(self.window_.scene.selected_nodes())
        chosen = [n.name for n in train_nodes(self.window_.doc.graph) if n in selected]
        return self._write("Export JAX training script", "_jax.py", "Python scripts (*.py)",
                           lambda graph, path: write_jax_script(graph, path,
                                                                chosen[0] if chosen else None))

    def export_python(self) -> bool:
        """A Python script rebuilding the graph with the engine."""
        from engine.export.python_script import write_python_script

        return self._write("Export Python script", ".py", "Python scripts (*.py)",
                           write_python_script)

    def export_image(self, selection: bool) -> bool:
        """The canvas (or the selection) as PNG, at a scale asked for, or SVG."""
        path = self._target("Export image", ".png", "PNG images (*.png);;SVG images (*.svg)")
        if path is None:
            return False
        scale = 2.0
        if path.suffix.lower() == ".png":
            scale, ok = QInputDialog.getDouble(self.widget, "Export image",
                                               "Pixels per canvas unit:", 2.0, 0.25, 8.0, 2)
            if not ok:
                return False
        from editor.app.export_image import export_image  # (Qt's SVG module: when first used)

        try:
            export_image(self.window_.scene, path, scale, selection)  # (drawing is the GUI's)
        except ValueError as error:
            self.finished.emit(self._report([path], str(error)))
            return False
        self.finished.emit(self._report([path], ""))
        return True

    # ---- import ------------------------------------------------------------------------------

    def import_onnx(self) -> bool:
        """Read an ONNX model in a worker thread, then open it as a new, laid out document; a
        model that cannot be read is reported and changes nothing."""
        from engine.export.onnx_in import load_onnx

        name, _ = QFileDialog.getOpenFileName(self.widget, "Import ONNX model",
                                              str(Path.home()), "ONNX models (*.onnx)")
        if not name:
            return False
        self._start(lambda: load_onnx(name), lambda graph, error: self._open(name, graph, error))
        return True

    def _open(self, name: str, graph: Graph | None, error: str) -> str:
        if graph is None:
            QMessageBox.critical(self.widget, "Cannot import the model", error)
            return error
        if not self.window_.maybe_save():
            return "The import was cancelled"
        self.window_.set_document(Document(self.prepare(graph), name=Path(name).stem))
        message = f"Imported {Path(name).name}: {len(graph)} nodes"
        self.window_.statusBar().showMessage(message, 5000)
        return message
