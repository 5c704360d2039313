"""The document: an engine graph, its file and its undo history, seen through Qt signals.

The document never edits the graph itself; commands (:class:`Command`, in
:mod:`editor.document.commands`) do, and the graph's events come back here as signals that the
scene, the docks, the compute service and the window follow.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from engine.errors import EngineError, ShapeError
from engine.gcpause import gc_paused
from engine.graph import Graph, GraphEvent, Node
from engine.io import save_graph
from engine.tensors import format_shape

OK, INCOMPLETE, ERROR, BLOCKED = "ok", "incomplete", "error", "blocked"
"""The states a node can be in (see :meth:`Document.shape_state`)."""
FREEZE_AFTER = 1000
"""After an edit of this many graph events or more, every object then alive is moved out of
the garbage collector's sight (``gc.freeze``): the edit made thousands (nodes, canvas items,
change records) that live as long as the document, and the collector would scan them all, and
again at each full collection; they are handed back (``gc.unfreeze``) when the document goes."""
NODE_CHANGED = frozenset({"renamed", "attr_changed", "value_changed", "state_changed"})
"""The kinds of graph event by which a node itself changed: its name, an attribute, its value
or what it keeps between runs (not its wiring, nor its place on the canvas)."""


def freeze_if_many(made: int) -> None:
    """``gc.freeze`` after work that made ``made`` (graph events, nodes) of at least
    :data:`FREEZE_AFTER`."""
    if made >= FREEZE_AFTER:
        gc.freeze()


def _unfreeze_later() -> None:
    """Hand frozen objects back to the collector from the event loop (a document may be
    destroyed by the collector itself, which must not have its generations changed meanwhile)."""
    QTimer.singleShot(0, gc.unfreeze)


class Document(QObject):
    """An engine :class:`Graph` with a file path and a ``QUndoStack`` whose clean state is
    the saved state.

    It is the one channel the editor listens to: ``changed(events)`` carries every change of
    the graph (:class:`GraphEvent` s), in order — the events of an edit (a command, an undo or
    a redo) all at once, when it is complete, so that an edit of thousands of nodes is
    followed in one pass; a change made outside an edit comes at once, alone. Only commands
    (:meth:`execute`) change it; while it is locked (:meth:`lock`, e.g. during training)
    every edit is refused with the lock's reason.
    """

    # (lists carried as ``object``: a ``list`` signal copies every element for every slot)
    changed = Signal(object)  # a list of GraphEvents: an edit's, or one made outside an edit
    shapes_changed = Signal(object)  # a list of nodes whose static shape may have changed
    batch_done = Signal()  # after an edit (a command, an undo or a redo) is complete
    dirty_changed = Signal(bool)
    path_changed = Signal()
    editable_changed = Signal(bool)

    def __init__(self, graph: Graph | None = None, path: str | Path | None = None,
                 name: str = "Untitled", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = graph if graph is not None else Graph()
        self.path = Path(path) if path is not None else None
        self.name = name
        """What the title shows while the document has no file (a new graph, an example)."""
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.lock_reason: str | None = None
        """Why edits are refused (e.g. "Training is running…"), or ``None``."""
        self.histories: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        """Each train node's loss per step over the runs made while the document is open."""
        self._batch_depth = 0
        self._events: list[GraphEvent] = []
        self.destroyed.connect(_unfreeze_later)
        self._added: list[Node] = []
        self.graph.subscribe(self._on_events, batched=True)

    # ---- state ----------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        return self.path.name if self.path is not None else self.name

    @property
    def editable(self) -> bool:
        return self.lock_reason is None

    def lock(self, reason: str | None) -> None:
        """Refuse edits with ``reason`` from now on (``None``: accept them again)."""
        was = self.editable
        self.lock_reason = reason
        if self.editable != was:
            self.editable_changed.emit(self.editable)

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
            culprit = (graph.get_node(error.node)
                       if error.node is not None and error.node in graph else node)
            unwired = any(source is None for source in culprit.inputs)
            if culprit is node:
                return ("?", INCOMPLETE, str(error)) if unwired else ("error", ERROR, str(error))
            if unwired:
                return "?", INCOMPLETE, f"waiting for {culprit.name}: {error}"
            return "blocked", BLOCKED, f"blocked by {culprit.name}: {error}"

    # ---- edits ----------------------------------------------------------------------------

    def execute(self, command: Command) -> str | None:
        """Apply ``command`` and put it on the undo stack. If the engine refuses it, nothing
        changes (a command is all-or-nothing) and the engine's message is returned — or the
        lock's reason while the document is locked."""
        if self.lock_reason is not None:
            return self.lock_reason
        try:
            with self.batch():
                command.apply()
        except (EngineError, ValueError) as error:
            return str(error).strip("'\"")
        command.skip_next_redo = True
        self.undo_stack.push(command)
        return None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group graph events: they are announced (``changed``), then shapes (once), when the
        outermost batch ends. Python's cyclic garbage collector waits meanwhile: an edit of
        ten thousand nodes and the editor's response allocate enough to make it scan the whole
        heap several times, for garbage they do not make."""
        with gc_paused():
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
                if self._batch_depth == 0:
                    events, self._events = self._events, []
                    if events:
                        self.changed.emit(events)
                    self._flush_shapes()
                    self.batch_done.emit()
                    freeze_if_many(len(events))

    # ---- graph events ---------------------------------------------------------------------

    def _on_events(self, events: list[GraphEvent]) -> None:
        self._added.extend(event.node for event in events if event.kind == "node_added")
        if self._batch_depth:
            self._events.extend(events)
            return
        self.changed.emit(list(events))
        self._flush_shapes()

    def _flush_shapes(self) -> None:
        """Announce the nodes the graph dropped inferred shapes of, and the new ones."""
        graph = self.graph
        reshaped = graph.take_reshaped()
        reshaped.update(n for n in self._added if n in graph)
        self._added.clear()
        if reshaped:
            graph.infer_shapes(reshaped)  # in one pass: listeners ask for each shape
            self.shapes_changed.emit(list(reshaped))


class Command(QUndoCommand):
    """Base of every edit: ``apply``/``revert`` do the work on :attr:`doc`'s graph, and each
    leaves the graph as it found it if it raises. The first ``redo`` after
    :meth:`Document.execute` is skipped because ``apply`` already ran."""

    def __init__(self, doc: Document, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.skip_next_redo = False

    @property
    def graph(self) -> Graph:
        return self.doc.graph

    def redo(self) -> None:
        if self.skip_next_redo:
            self.skip_next_redo = False
            return
        with self.doc.batch():
            self.apply()

    def undo(self) -> None:
        with self.doc.batch():
            self.revert()

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError
