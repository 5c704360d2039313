"""The Training dock in the main window: it follows the open document, keeps the canvas
read-only while training runs, shows live values and gradients on the nodes, and applies each
run as one undoable step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QDockWidget, QGraphicsItem

from editor.canvas.items.gradient_badge import GradientBadge
from editor.canvas.items.node import NodeItem
from editor.compute.trainer import TrainingResult, check_trainable, train_nodes
from editor.document import ERROR, OK, Document
from editor.document.commands import NameAllocator, NodeSpec
from editor.document.training_commands import AddTrainNode, ResetVariablesCommand, TrainCommand
from editor.training.dock import TrainingDock
from editor.training.loss_curve import format_loss
from engine import train
from engine.errors import EngineError
from engine.graph import Node, Variable
from engine.io import graph_from_dict, graph_to_dict
from engine.session import Session

if TYPE_CHECKING:
    from editor.app.window import MainWindow

READ_ONLY = "Training is running: stop it to edit the graph"
GAP = 48.0
"""Scene units between a loss node and the train node added beside it."""
CANVAS_INTERVAL = 500
"""Milliseconds between live updates of the canvas while training (each repaints it)."""


class DocumentEdit(QUndoCommand):
    """Runs an engine-level command (on the graph) as one document edit, so that the
    document announces it once it is complete (``batch_done``)."""

    def __init__(self, doc: Document, command: QUndoCommand) -> None:
        super().__init__(command.text())
        self.doc, self.command = doc, command

    def redo(self) -> None:
        with self.doc.batch():
            self.command.redo()

    def undo(self) -> None:
        with self.doc.batch():
            self.command.undo()


class TrainingPanel(QObject):
    """The main window's Training dock (``dock``, holding the :class:`TrainingDock`
    ``training``) and its View-menu entries ("Training", "Show Gradients").

    ``gradients`` holds each trained variable's gradient of the loss (by name): from the
    latest training snapshot, at the trained values once a run has finished, or at the current
    values when "Show Gradients" is turned on with none known; an edit of a variable drops its
    entry. ``gradients_changed`` announces changes (for the Tensor dock).
    """

    gradients_changed = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.training = TrainingDock()
        self.dock = QDockWidget("Training", window)
        self.dock.setObjectName("Training")
        self.dock.setWidget(self.training)
        window.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.history_dock, self.dock)  # the plots need the height
        window.resizeDocks([window.properties_dock, self.dock], [250, 550], Qt.Vertical)
        self.dock.hide()  # shown for graphs that train (or by the View menu)
        self.trainer = self.training.trainer
        self.gradients: dict[str, np.ndarray] = {}
        self.show_gradients_action = QAction("Show &Gradients", self, checkable=True)
        self.show_gradients_action.setToolTip("Show each trained variable's gradient of the "
                                              "loss under its node")
        self.show_gradients_action.toggled.connect(self._show_gradients)
        menu = window.view_menu
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        menu.addAction(self.show_gradients_action)
        self._doc: Document | None = None  # the document being trained
        self._badges: dict[str, GradientBadge] = {}
        self._marked: Node | None = None
        self._latest: tuple[dict, dict] | None = None  # a snapshot not shown yet
        self._canvas_timer = QTimer(self, singleShot=True, interval=CANVAS_INTERVAL)
        self._canvas_timer.timeout.connect(self._show_latest)
        self.training.training_started.connect(self._started)
        self.training.training_finished.connect(self._finished)
        self.training.training_failed.connect(self._failed)
        self.training.reset_requested.connect(self._reset)
        self.training.train_node_requested.connect(self._add_train_node)
        self.trainer.snapshot.connect(self._snapshot)
        window.document_changed.connect(self._document_changed)

    @property
    def editing_actions(self) -> list[QAction]:
        """The window's actions that edit the graph (disabled while training runs)."""
        w = self.window
        return [w.cut_action, w.paste_action, w.duplicate_action, w.delete_action,
                w.rename_action, w.add_node_action, w.arrange_action, w.undo_action,
                w.redo_action]

    # ---- the document ---------------------------------------------------------------------

    def _document_changed(self, doc: Document) -> None:
        self.stop()
        self.gradients = {}
        self._badges.clear()  # they went with the old scene
        self._marked = None
        self.gradients_changed.emit()
        self.training.set_graph(doc.graph)
        doc.node_changed.connect(self._node_changed)
        if train_nodes(doc.graph):
            self.dock.show()
            self.dock.raise_()
            self.trainer.prepare()  # the worker process starts while the user looks around

    def stop(self) -> None:
        """Stop training now, and apply what it trained (before the document is saved, closed
        or replaced)."""
        if self.trainer.running:
            self.trainer.shutdown()
            QCoreApplication.sendPostedEvents(self.trainer)  # its last batch and its result

    def _node_changed(self, node: Node) -> None:
        """A node's value or attributes changed: its error mark and its gradient are stale."""
        if self._doc is not None:
            return  # training: nothing changes but what training itself applies
        if node is self._marked:
            self._clear_mark()
        if node.name in self.gradients:
            del self.gradients[node.name]
            self._update_badges()
            self.gradients_changed.emit()

    # ---- training -------------------------------------------------------------------------

    def _started(self) -> None:
        doc = self._doc = self.window.doc
        self._clear_mark()
        self._set_editable(False)
        doc.read_only = READ_ONLY
        self.window.statusBar().showMessage("Training… the graph is read-only until it ends")

    def _set_editable(self, on: bool) -> None:
        w = self.window
        for action in self.editing_actions:
            action.setEnabled(on)
        if on:  # as the undo group keeps them
            w.undo_action.setEnabled(w.doc.undo_stack.canUndo())
            w.redo_action.setEnabled(w.doc.undo_stack.canRedo())
        for widget in (w.op_palette, w.properties, w.history):
            widget.setEnabled(on)
        if w.scene is not None:
            for item in w.scene.node_items.values():
                item.setFlag(QGraphicsItem.ItemIsMovable, on)

    def _snapshot(self, values: dict[str, np.ndarray], gradients: dict[str, np.ndarray]) -> None:
        """Keep the latest snapshot; the canvas shows one at most every ``CANVAS_INTERVAL``."""
        self._latest = values, gradients
        if not self._canvas_timer.isActive():
            self._show_latest()

    def _show_latest(self) -> None:
        """Live values: the canvas and the Tensor dock show every node as if the variables held
        the snapshot's values (the document keeps its own until the run is applied), with the
        gradients at those values."""
        latest, self._latest = self._latest, None
        if latest is None or self._doc is not self.window.doc:
            return
        values, gradients = latest
        self.window.live.evaluator.assume(values)
        self.gradients = dict(gradients)
        self._update_badges()
        self.gradients_changed.emit()
        self._canvas_timer.start()

    def _finished(self, result: TrainingResult) -> None:
        doc = self._doc
        self._latest = None
        self._canvas_timer.stop()
        self._set_editable(True)
        if doc is not None and shiboken6.isValid(doc):
            doc.read_only = None
        if doc is None or doc is not self.window.doc:
            self._doc = None
            return  # replaced while training: nothing to apply to
        self.window.live.evaluator.stop_assuming()  # before the run's values are applied
        if result.trained:  # while _doc is set: applying the run keeps its gradients
            command = TrainCommand.from_result(doc.graph, result)
            if result.new_train_node is not None:  # "loss + optimizer": no train node to keep
                command = TrainCommand(doc.graph, result.values, text=command.text())
            doc.undo_stack.push(DocumentEdit(doc, command))
        self._doc = None
        self.gradients = dict(result.gradients) if result.trained else {}
        self._update_badges()
        self.gradients_changed.emit()
        if result.reason == "error":
            return  # _failed reports it
        loss = "" if result.final_loss is None else f": loss {format_loss(result.final_loss)}"
        what = "Stopped after" if result.reason == "stopped" else "Trained"
        undo = " (Ctrl+Z restores the values before)" if result.trained else ""
        self.window.statusBar().showMessage(
            f"{what} {result.steps:,} step{'s' * (result.steps != 1)}{loss}{undo}", 10000)

    def _failed(self, message: str, node: str | None) -> None:
        """Training could not start or ended in an error: mark the culprit on the canvas."""
        self.window.statusBar().showMessage(message, 15000)
        doc = self.window.doc
        if node is None or node not in doc.graph:
            return
        self._clear_mark()
        item = self.window.scene.node_item(node)
        item.set_state(ERROR, message)
        self._marked = item.node
        self.window.view.ensureVisible(item.sceneBoundingRect(), 40, 40)

    def _clear_mark(self) -> None:
        node, self._marked = self._marked, None
        doc, scene = self.window.doc, self.window.scene
        if node is not None and scene is not None and node in doc.graph:
            scene.node_items[node].set_state(OK)

    def _reset(self) -> None:
        doc = self.window.doc
        if doc.read_only:
            return
        variables = [n for n in doc.graph.nodes if isinstance(n, Variable)]
        drawn = [v.name for v in variables if v.initializer is not None]
        kept = [v.name for v in variables if v.initializer is None]
        if not drawn and not any(n.state for n in doc.graph.nodes):
            self.window.statusBar().showMessage(
                "Nothing to reset: no variable has an initializer (choose one in a variable's "
                "properties)", 10000)
            return
        doc.undo_stack.push(DocumentEdit(doc, ResetVariablesCommand(doc.graph)))
        said = [f"Variables reset from their initializers: {_names(drawn)}" if drawn
                else "Optimizer state cleared"]
        if kept:
            said.append(f"no initializer, value kept: {_names(kept)}")
        self.window.statusBar().showMessage("; ".join(said), 10000)

    def _add_train_node(self, result: TrainingResult) -> None:
        """Add the Minimize node a "loss + optimizer" run trained with, wired to its loss and
        placed beside it — with the run's optimizer state while the variables still hold its
        values — as one undoable edit, then select it on the canvas and in the dock."""
        doc, scene, made = self.window.doc, self.window.scene, result.new_train_node
        if made is None or scene is None or made["loss"] not in doc.graph:
            return
        loss = scene.node_item(made["loss"])
        spec = NodeSpec(NameAllocator(doc.graph).fresh("train"), "minimize", dict(made["attrs"]),
                        ui={"pos": _spot_beside(loss)}, inputs=[made["loss"]])
        state = result.state if _holds(doc, result.values) else {}
        if not scene.run(AddTrainNode(doc, spec, state)):
            return
        scene.select([doc.graph.get_node(spec.name)])
        self.window.view.ensureVisible(scene.node_item(spec.name).sceneBoundingRect(), 40, 40)
        self.training.select_train_node(spec.name)
        self.window.statusBar().showMessage(
            f"Added {spec.name}: {made['attrs']['optimizer']} on {made['loss']}"
            + (" with the run's optimizer state" if state else "") + " (Ctrl+Z removes it)",
            10000)

    # ---- gradients on the canvas ----------------------------------------------------------

    def _show_gradients(self, on: bool) -> None:
        if on and not self.gradients and self._doc is None:
            self._compute_gradients()
        self._update_badges()

    def _compute_gradients(self) -> None:
        """The gradients at the document's current values (no run to show them from): the
        engine's, on a copy of the graph, for the train node (or loss) the dock has chosen."""
        graph, dock = self.window.doc.graph, self.training
        train_node, loss = dock.train_combo.currentData(), dock.loss_combo.currentText()
        if train_node is None and not loss:
            return
        copy = graph_from_dict(graph_to_dict(graph))
        try:
            node = (copy.get_node(train_node) if train_node is not None
                    else copy.add_node("minimize", [copy.get_node(loss)]))
            check_trainable(copy, node)
            names = [v.name for v in train.trained_variables(node, node.attrs["var_list"])]
            fetches = [copy.add_node("gradient", [node.inputs[0], copy.get_node(n)])
                       for n in names]
            self.gradients = dict(zip(names, Session(copy).run(fetches), strict=True))
        except EngineError as error:
            self.window.statusBar().showMessage(f"No gradients to show: {error}", 10000)
            return
        self.gradients_changed.emit()

    def _update_badges(self) -> None:
        """One badge per variable with a gradient while "Show Gradients" is on; none else."""
        wanted = self._items(self.gradients) if self.show_gradients_action.isChecked() else {}
        for name, badge in list(self._badges.items()):
            if wanted.get(name) is not badge.parentItem():
                del self._badges[name]
                if badge.scene() is not None:
                    badge.scene().removeItem(badge)
        for name, item in wanted.items():
            badge = self._badges.get(name)
            if badge is None:
                self._badges[name] = GradientBadge(item, self.gradients[name])
            else:
                badge.set_gradient(self.gradients[name])

    def _items(self, names: dict[str, object]) -> dict:
        """The node items of the variables named in ``names`` (those still in the document)."""
        doc, scene = self.window.doc, self.window.scene
        if scene is None:
            return {}
        nodes = (doc.graph.get_node(name) for name in names if name in doc.graph)
        return {node.name: scene.node_items[node] for node in nodes
                if isinstance(node, Variable) and node in scene.node_items}



def _names(names: list[str], shown: int = 3) -> str:
    """``a, b and c`` — or ``a, b, c and 4 more``."""
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _holds(doc: Document, values: dict[str, np.ndarray]) -> bool:
    """Whether the document's variables still hold these values."""
    graph = doc.graph
    return all(name in graph and np.array_equal(graph.get_node(name).value, value)
               for name, value in values.items())


def _spot_beside(item: NodeItem) -> list[int]:
    """A free place for a node right of ``item`` (the first below it with no node in the way)."""
    shift = QPointF(NodeItem.WIDTH + GAP, 0)
    rect = item.sceneBoundingRect().translated(shift)
    for _ in range(20):
        if not any(isinstance(other, NodeItem) for other in item.scene().items(rect)):
            break
        shift += QPointF(0, item.height + GAP / 2)
        rect = item.sceneBoundingRect().translated(shift)
    pos = item.pos() + shift
    return [round(pos.x()), round(pos.y())]
