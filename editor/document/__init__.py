"""The document: an engine graph, its file and its undo history, seen through Qt signals.

The document never edits the graph itself; commands (:mod:`editor.commands`) do, and the
graph's events come back here as signals that the scene, the docks and the window follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from engine.errors import EngineError, ShapeError
from engine.graph import Graph, GraphEvent, Node
from engine.io import save_graph
from engine.tensors import format_shape

OK, INCOMPLETE, ERROR, BLOCKED = "ok", "incomplete", "error", "blocked"
"""The states a node can be in (see :meth:`Document.shape_state`)."""


class Document(QObject):
    """An engine :class:`Graph` with a file path and a ``QUndoStack`` whose clean state is
    the saved state."""

    node_added = Signal(object)
    node_removed = Signal(object)
    edge_added = Signal(object, int, object)  # target node, input port, source node
    edge_removed = Signal(object, int, object)
    node_changed = Signal(object)  # renamed, attribute or value changed
    node_moved = Signal(object)  # its ``ui`` changed
    shapes_changed = Signal(list)  # nodes whose static shape may have changed
    batch_done = Signal()  # after an edit (a command, an undo or a redo) is complete
    dirty_changed = Signal(bool)
    path_changed = Signal()

    def __init__(self, graph: Graph | None = None, path: str | Path | None = None,
                 name: str = "Untitled", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = graph if graph is not None else Graph()
        self.path = Path(path) if path is not None else None
        self.name = name
        """What the title shows while the document has no file (a new graph, an example)."""
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.read_only: str | None = None
        """While set (e.g. during training), edits are refused with this message."""
        self._batch_depth = 0
        self._reshape: set[Node] = set()
        self._value_shapes: dict[Node, tuple[int, ...] | None] = {
            n: n.value.shape for n in self.graph.nodes if n.op.kind in ("variable", "constant")}
        self.graph.subscribe(self._on_event)

    # ---- state ----------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        return self.path.name if self.path is not None else self.name

    def save(self, path: str | Path | None = None) -> None:
        """Write the graph atomically (to ``path``, which becomes the document's path)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("the document has no file yet")
        save_graph(self.graph, target)
        if target != self.path:
            self.path = target
            self.path_changed.emit()
        self.undo_stack.setClean()

    def _clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    def shape_state(self, node: Node) -> tuple[str, str, str]:
        """What a node shows about its static shape: ``(text, state, message)`` with state
        ``ok``; ``error`` if this node's inputs do not fit it; ``incomplete`` if it, or a node
        it waits for, has an input not wired yet; ``blocked`` if a node upstream has an error.
        """
        try:
            return format_shape(self.graph.shape_of(node)), OK, ""
        except ShapeError as error:
            graph = self.graph
            culprit = graph.get_node(error.node) if error.node in graph else node
            unwired = any(source is None for source in culprit.inputs)
            if culprit is node:
                return ("?", INCOMPLETE, str(error)) if unwired else ("error", ERROR, str(error))
            if unwired:
                return "?", INCOMPLETE, f"waiting for {culprit.name}: {error}"
            return "blocked", BLOCKED, f"blocked by {culprit.name}: {error}"

    # ---- edits ----------------------------------------------------------------------------

    def execute(self, command: QUndoCommand) -> str | None:
        """Apply ``command`` and put it on the undo stack; if the engine refuses it, nothing
        changes and the engine's message is returned (or :attr:`read_only`'s)."""
        if self.read_only:
            return self.read_only
        try:
            with self.batch():
                command.apply()
        except (EngineError, ValueError, KeyError, TypeError, IndexError) as error:
            return str(error).strip("'\"")
        command.skip_next_redo = True
        self.undo_stack.push(command)
        return None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group graph events: shapes are re-announced once, when the outermost batch ends."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self._flush_shapes()
                self.batch_done.emit()

    # ---- graph events ---------------------------------------------------------------------

    def _on_event(self, event: GraphEvent) -> None:
        kind, node = event.kind, event.node
        if kind == "node_added":
            self.node_added.emit(node)
            self._reshape.add(node)
        elif kind == "node_removed":
            self.node_removed.emit(node)
        elif kind == "edge_added":
            self.edge_added.emit(node, event.port, event.source)
            self._reshape.add(node)
        elif kind == "edge_removed":
            self.edge_removed.emit(node, event.port, event.source)
            self._reshape.add(node)
        elif kind == "ui_changed":
            self.node_moved.emit(node)
        elif kind == "value_changed":
            self.node_changed.emit(node)
            if self._value_shape_changed(node):
                self._reshape.add(node)
        else:
            self.node_changed.emit(node)
            if kind != "renamed" and kind != "state_changed":
                self._reshape.add(node)
        if self._batch_depth == 0:
            self._flush_shapes()

    def _value_shape_changed(self, node: Node) -> bool:
        """Whether a new value changes static shapes (an optimizer's step does not)."""
        if node.type == "placeholder":  # its static shape is an attribute, not its default
            return False
        shape = None if node.value is None else node.value.shape
        if self._value_shapes.get(node, ()) == shape:
            return False
        self._value_shapes[node] = shape
        return True

    def _flush_shapes(self) -> None:
        if not self._reshape:
            return
        start = [n for n in self._reshape if n in self.graph]
        self._reshape.clear()
        seen, todo = set(start), list(start)
        successors = self.graph.nx.successors
        while todo:
            for child in successors(todo.pop()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        if seen:
            self.shapes_changed.emit(list(seen))
