"""The Training dock's part in the window: it follows the open document, locks it while
training runs, shows live values and gradients on the nodes, and applies each run as one
undoable step. It talks to the document, its scene and the compute service — never to the
window, which places its dock and menu entries and listens to its signals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QPointF, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget

from editor.canvas.items.gradient_badge import GAP as BADGE_GAP
from editor.canvas.items.gradient_badge import HEIGHT as BADGE_HEIGHT
from editor.canvas.items.gradient_badge import GradientBadge
from editor.canvas.items.node import NodeItem
from editor.canvas.scene import GraphScene
from editor.compute.service import ComputeService, Gradients
from editor.compute.trainer import TrainingResult
from editor.document import NODE_CHANGED, Document
from editor.document.commands import NameAllocator, NodeSpec
from editor.document.data_commands import SetTrainingSettings
from editor.document.training_commands import AddTrainNode, ApplyTraining, ResetVariables
from editor.training.dock import TrainingDock
from editor.training.loss_curve import format_loss
from engine import train
from engine.graph import GraphEvent, Variable

READ_ONLY = "Training is running: stop it to edit the graph"
GAP = 48.0
"""Scene units between a loss node and the train node added beside it."""
CANVAS_INTERVAL = 500
"""Milliseconds between live updates of the canvas while training (each repaints it)."""
STATUS_MS = 10000


class TrainingPanel(QObject):
    """The Training dock (``dock``, holding the :class:`TrainingDock` ``training``) and the
    "Show Gradients" action (``show_gradients_action``), for the window to place.

    ``gradients`` holds each trained variable's gradient of the loss (by name): from the
    latest training snapshot, at the trained values once a run has finished, or at the current
    values when "Show Gradients" is turned on with none known; an edit of a variable drops its
    entry. Signals: ``gradients_changed()`` (for the Tensor dock), ``message(text, ms)`` for
    the status bar, ``failed(node, message)`` when training fails because of a node (to mark
    it), ``reveal(node)`` to bring a node into view.
    """

    gradients_changed = Signal()
    message = Signal(str, int)
    failed = Signal(str, str)
    reveal = Signal(str)

    def __init__(self, compute: ComputeService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.compute = compute
        self.trainer = compute.trainer
        self.training = TrainingDock(compute)
        self.dock = QDockWidget("Training")
        self.dock.setObjectName("Training")
        self.dock.setWidget(self.training)
        self.dock.visibilityChanged.connect(self.training.set_on_screen)
        self.dock.hide()  # shown for graphs that train (or by the View menu)
        self.gradients: dict[str, np.ndarray] = {}
        self.show_gradients_action = QAction("Show &Gradients", self, checkable=True)
        self.show_gradients_action.setToolTip("Show each trained variable's gradient of the "
                                              "loss under its node")
        self.show_gradients_action.toggled.connect(self._show_gradients)
        self.doc: Document | None = None
        self.scene: GraphScene | None = None
        self._gradients_request = 0
        self._training: Document | None = None  # the document being trained
        self._badges: dict[str, GradientBadge] = {}
        self._latest: tuple[dict, dict] | None = None  # a snapshot not shown yet
        self._canvas_timer = QTimer(self, singleShot=True, interval=CANVAS_INTERVAL)
        self._canvas_timer.timeout.connect(self._show_latest)
        self.training.settings_changed.connect(self._keep_settings)
        self.training.training_started.connect(self._started)
        self.training.training_finished.connect(self._finished)
        self.training.training_failed.connect(self._failed)
        self.training.reset_requested.connect(self._reset)
        self.training.train_node_requested.connect(self._add_train_node)
        self.trainer.snapshot.connect(self._snapshot)
        compute.gradients_ready.connect(self._gradients_ready)

    # ---- the document ---------------------------------------------------------------------

    def set_document(self, doc: Document, scene: GraphScene) -> None:
        """Follow ``doc``, shown by ``scene`` (any run of the previous one is stopped)."""
        self.stop()
        self.doc, self.scene = doc, scene
        self.gradients = {}
        self._badges.clear()  # they went with the old scene
        self.gradients_changed.emit()
        self.training.set_document(doc)
        doc.changed.connect(self._graph_changed)
        if train.train_nodes(doc.graph):
            self.dock.show()
            self.dock.raise_()
            self.trainer.prepare()  # the worker process starts while the user looks around

    def stop(self) -> None:
        """Stop training now, and apply what it trained (before the document is saved, closed
        or replaced)."""
        if self.trainer.running:
            self.trainer.shutdown()
            QCoreApplication.sendPostedEvents(self.trainer)  # its last batch and its result

    def _graph_changed(self, events: list[GraphEvent]) -> None:
        """A node's value or attributes changed: its gradient is stale."""
        stale = {e.node.name for e in events if e.kind in NODE_CHANGED} & self.gradients.keys()
        if self._training is None and stale:
            for name in stale:
                del self.gradients[name]
            self._update_badges()
            self.gradients_changed.emit()

    # ---- training -------------------------------------------------------------------------

    def _keep_settings(self, train_node: str, settings: dict) -> None:
        """Keep a run's data set settings in its train node (one undo step)."""
        if self.doc is not None:
            self.doc.execute(SetTrainingSettings(self.doc, train_node, settings))

    def _started(self) -> None:
        assert self.doc is not None
        self._training = self.doc
        self.doc.lock(READ_ONLY)
        self.message.emit("Training… the graph is read-only until it ends", 0)

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
        if latest is None or self._training is not self.doc:
            return
        values, gradients = latest
        self.compute.assume(values)
        self.training.show_assumed_values()
        self.gradients = dict(gradients)
        self._update_badges()
        self.gradients_changed.emit()
        self._canvas_timer.start()

    def _finished(self, result: TrainingResult) -> None:
        doc, self._training = self._training, None
        self._latest = None
        self._canvas_timer.stop()
        if doc is not None and shiboken6.isValid(doc):
            doc.lock(None)
        if doc is None or doc is not self.doc:
            return  # replaced while training: nothing to apply to
        self.compute.stop_assuming()  # before the run's values are applied
        if result.trained:
            doc.execute(ApplyTraining.of_run(doc, result))
        self.gradients = dict(result.gradients) if result.trained else {}
        self._update_badges()
        self.gradients_changed.emit()
        if result.reason == "error":
            return  # _failed reports it
        loss = "" if result.final_loss is None else f": loss {format_loss(result.final_loss)}"
        what = "Stopped after" if result.reason == "stopped" else "Trained"
        undo = " (Ctrl+Z restores the values before)" if result.trained else ""
        self.message.emit(
            f"{what} {result.steps:,} step{'s' * (result.steps != 1)}{loss}{undo}", STATUS_MS)

    def _failed(self, message: str, node: str | None) -> None:
        """Training could not start or ended in an error: mark the culprit on the canvas."""
        self.message.emit(message, 15000)
        if node is not None and self.doc is not None and node in self.doc.graph:
            self.failed.emit(node, message)
            self.reveal.emit(node)

    def _reset(self) -> None:
        doc = self.doc
        if doc is None or not doc.editable:
            return
        variables = [n for n in doc.graph.nodes if isinstance(n, Variable)]
        drawn = [v.name for v in variables if v.initializer is not None]
        kept = [v.name for v in variables if v.initializer is None]
        if not drawn and not any(n.state for n in doc.graph.nodes):
            self.message.emit(
                "Nothing to reset: no variable has an initializer (choose one in a variable's "
                "properties)", STATUS_MS)
            return
        error = doc.execute(ResetVariables(doc))
        if error is not None:
            self.message.emit(f"Reset variables: {error}", STATUS_MS)
            return
        said = [f"Variables reset from their initializers: {_names(drawn)}" if drawn
                else "Optimizer state cleared"]
        if kept:
            said.append(f"no initializer, value kept: {_names(kept)}")
        self.message.emit("; ".join(said), STATUS_MS)

    def _add_train_node(self, result: TrainingResult) -> None:
        """Add the Minimize node a "loss + optimizer" run trained with, wired to its loss and
        placed beside it — with the run's optimizer state while the variables still hold its
        values — as one undoable edit, then select it on the canvas and in the dock."""
        doc, scene, made = self.doc, self.scene, result.new_train_node
        if doc is None or scene is None or made is None or made["loss"] not in doc.graph:
            return
        loss = scene.node_item(made["loss"])
        spec = NodeSpec(NameAllocator(doc.graph).fresh("train"), made["op"], dict(made["attrs"]),
                        ui={"pos": _spot_beside(loss)}, inputs=[made["loss"]])
        state = result.state if _holds(doc, result.values) else {}
        if not scene.run(AddTrainNode(doc, spec, state)):
            return
        scene.select([doc.graph.get_node(spec.name)])
        self.reveal.emit(spec.name)
        self.training.select_train_node(spec.name)
        self.message.emit(
            f"Added {spec.name}: {made['optimizer']} on {made['loss']}"
            + (" with the run's optimizer state" if state else "") + " (Ctrl+Z removes it)",
            STATUS_MS)

    # ---- gradients on the canvas ----------------------------------------------------------

    def _show_gradients(self, on: bool) -> None:
        if on and not self.gradients and self._training is None:
            self._ask_gradients()
        self._update_badges()

    def _ask_gradients(self) -> None:
        """Ask the compute service for the gradients at the document's current values (no run
        to show them from), for the train node (or loss) the dock has chosen."""
        dock = self.training
        dock.settle()
        train_node, loss = dock.train_combo.currentData(), dock.loss_combo.currentText()
        if train_node is not None or loss:
            self._gradients_request = self.compute.gradients(train_node, loss or None)

    def _gradients_ready(self, result: Gradients) -> None:
        if result.request_id != self._gradients_request:
            return
        if result.failure is not None:
            self.message.emit(f"No gradients to show: {result.failure.message}", STATUS_MS)
            return
        self.gradients = dict(result.values)
        self._update_badges()
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
            existing = self._badges.get(name)
            if existing is None:
                self._badges[name] = GradientBadge(item, self.gradients[name])
            else:
                existing.set_gradient(self.gradients[name])

    def _items(self, names: Mapping[str, object]) -> dict:
        """The node items of the variables named in ``names`` (those still in the document),
        and those of the nodes around them: made if they are not (a badge hangs on an item,
        above or below it, where no other node is)."""
        doc, scene = self.doc, self.scene
        if doc is None or scene is None:
            return {}
        nodes = [doc.graph.get_node(name) for name in names if name in doc.graph]
        items = {node.name: scene.item_for(node) for node in nodes if isinstance(node, Variable)}
        reach = BADGE_HEIGHT + BADGE_GAP
        for item in items.values():
            scene.make_items_in(item.sceneBoundingRect().adjusted(0, -reach, 0, reach))
        return items



def _names(names: list[str], shown: int = 3) -> str:
    """``a, b and c`` — or ``a, b, c and 4 more``."""
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _holds(doc: Document, values: dict[str, np.ndarray]) -> bool:
    """Whether the document's variables still hold these values."""
    graph = doc.graph
    return all(name in graph
               and (held := cast(Variable, graph.get_node(name)).value) is not None
               and np.array_equal(held, value)
               for name, value in values.items())


def _spot_beside(item: NodeItem) -> list[int]:
    """A free place for a node right of ``item`` (the first below it with no node in the way)."""
    shift = QPointF(NodeItem.WIDTH + GAP, 0)
    rect = item.sceneBoundingRect().translated(shift)
    scene = item.scene()
    for _ in range(20):
        if isinstance(scene, GraphScene):
            scene.make_items_in(rect)  # (nodes far off have none till made)
        if not any(isinstance(other, NodeItem) for other in scene.items(rect)):
            break
        shift += QPointF(0, item.height + GAP / 2)
        rect = item.sceneBoundingRect().translated(shift)
    pos = item.pos() + shift
    return [round(pos.x()), round(pos.y())]
