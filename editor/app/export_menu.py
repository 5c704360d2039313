"""File › Export (ONNX…, JAX Script…, Python Script…, Image…, Image of the Selection…) and
File › Import ONNX…: each asks for a file, writes or reads it, and reports what went wrong in
a message that names the node (the open document is left as it was)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QStatusBar,
    QWidget,
)

from editor.app.export_image import export_image
from editor.canvas.scene import GraphScene
from editor.document import Document
from engine.errors import EngineError
from engine.graph import Graph


class Host(Protocol):
    """What the menu needs of the main window."""

    doc: Document
    scene: GraphScene

    def maybe_save(self) -> bool: ...

    def set_document(self, doc: Document) -> None: ...

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)


class ExportMenu(QMenu):
    """The Export submenu of ``window`` and its ``import_action``; ``prepare`` lays out an
    imported graph."""

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
        path = Path(name)
        return path if path.suffix else path.with_suffix(suffix)

    def _write(self, title: str, suffix: str, kind: str, write: Callable[[Path], None]) -> bool:
        path = self._target(title, suffix, kind)
        if path is None:
            return False
        try:
            write(path)
        except (EngineError, ValueError, OSError) as error:
            message = error.args[0] if error.args else error
            QMessageBox.critical(self.widget, "Cannot export", str(message))
            return False
        self.window_.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    def export_onnx(self) -> bool:
        """The selected operations (or what nothing but training reads) as an ONNX model."""
        from engine.export.onnx_out import save_onnx

        graph = self.window_.doc.graph
        chosen = [n for n in self.window_.scene.selected_nodes() if not n.op.is_source]
        return self._write("Export ONNX model", ".onnx", "ONNX models (*.onnx)",
                           lambda path: save_onnx(graph, path, chosen or None))

    def export_jax(self) -> bool:
        """A JAX script training the graph's train node (the selected one, if any)."""
        from engine.export.jax_script import write_jax_script
        from engine.train import train_nodes

        graph = self.window_.doc.graph
        selected = set(self.window_.scene.selected_nodes())
        chosen = [n.name for n in train_nodes(graph) if n in selected]
        return self._write("Export JAX training script", "_jax.py", "Python scripts (*.py)",
                           lambda path: write_jax_script(graph, path,
                                                         chosen[0] if chosen else None))

    def export_python(self) -> bool:
        """A Python script rebuilding the graph with the engine."""
        from engine.export.python_script import write_python_script

        graph = self.window_.doc.graph
        return self._write("Export Python script", ".py", "Python scripts (*.py)",
                           lambda path: write_python_script(graph, path))

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
        try:
            export_image(self.window_.scene, path, scale, selection)
        except ValueError as error:
            QMessageBox.critical(self.widget, "Cannot export", str(error))
            return False
        self.window_.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    # ---- import ------------------------------------------------------------------------------

    def import_onnx(self) -> bool:
        """Open an ONNX model as a new, laid out document; a model that cannot be read is
        reported and changes nothing."""
        from engine.export.onnx_in import load_onnx

        name, _ = QFileDialog.getOpenFileName(self.widget, "Import ONNX model",
                                              str(Path.home()), "ONNX models (*.onnx)")
        if not name:
            return False
        try:
            graph = self.prepare(load_onnx(name))
        except EngineError as error:
            QMessageBox.critical(self.widget, "Cannot import the model", str(error))
            return False
        if not self.window_.maybe_save():
            return False
        self.window_.set_document(Document(graph, name=Path(name).stem))
        self.window_.statusBar().showMessage(f"Imported {Path(name).name}: {len(graph)} nodes",
                                             5000)
        return True
