"""Training off the GUI thread: a :class:`Trainer` runs a train node on a snapshot of the graph.

The snapshot is a copy (``graph_from_dict(graph_to_dict(graph))``) taken when training starts,
so the document is never touched by the worker; the editor applies the :class:`TrainingResult`
as one undoable step (:class:`editor.training_command.TrainCommand`).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from engine import train
from engine.errors import EngineError, FeedError
from engine.graph import Graph, Node, Placeholder
from engine.io import graph_from_dict, graph_to_dict
from engine.registry import get_op
from engine.session import Session

PROGRESS_INTERVAL = 0.2
"""Seconds between progress signals (at most 5 a second); every step's loss is in them."""
SNAPSHOT_INTERVAL = 0.2
"""Seconds between snapshots of the variables (live previews, the decision boundary); one is
taken at the start, and none when the run should end sooner than the next (its result,
with the final values and gradients, follows)."""


def train_nodes(graph: Graph) -> list[Node]:
    """Every train node (``minimize``) of the graph, in graph order."""
    return [node for node in graph.nodes if node.type == "minimize"]


def check_trainable(graph: Graph, train_node: Node, feed: dict[str, Any] | None = None) -> None:
    """Raise an :class:`EngineError` naming the culprit if ``train_node`` cannot train: its loss
    is not connected, a placeholder it needs has neither a feed nor a default, a shape does not
    fit, or its ``var_list`` names no variable."""
    loss = train_node.inputs[0]
    if loss is None:
        raise EngineError(f"train node {train_node.name} has no loss connected",
                          node=train_node.name)
    feed = feed or {}
    needed = nx.ancestors(graph.nx, loss)
    for node in graph.nodes:  # in graph order: the same placeholder is named every time
        if (isinstance(node, Placeholder) and node.default is None and node.name not in feed
                and node in needed):
            raise FeedError(f"placeholder '{node.name}' needs a value to train {train_node.name}: "
                            "give it a default value", node=node.name)
    graph.shape_of(train_node)
    train.trained_variables(train_node, train_node.attrs["var_list"])


@dataclass
class TrainingResult:
    """What a training run produced, for the editor to apply as one undoable step."""

    train_node: str
    """The train node's name (in the document, unless :attr:`new_train_node` is set)."""
    loss: str
    reason: str
    """``"done"``, ``"stopped"`` or ``"error"``."""
    steps: int
    """Steps applied to :attr:`values`."""
    values: dict[str, np.ndarray]
    """The trained variables' values, by name."""
    state: dict[str, np.ndarray]
    """The train node's state (step count, optimizer slots) matching :attr:`values`."""
    losses: np.ndarray
    """The loss (its sum) before each logged step, one entry per step."""
    gradients: dict[str, np.ndarray] = field(default_factory=dict)
    """Each trained variable's gradient of the loss at :attr:`values`."""
    final_loss: float | None = None
    """The loss at :attr:`values` (``None`` if it could not be computed)."""
    message: str = ""
    """Why training ended early (the engine's message for an error)."""
    node: str | None = None
    """The node an error is about."""
    new_train_node: dict[str, Any] | None = None
    """For "loss + optimizer": the train node made on the snapshot (``name``, ``loss``,
    ``attrs``), for the editor to add to the document if the user wants it."""
    seconds: float = 0.0
    """Time spent training (pauses excluded)."""

    @property
    def trained(self) -> bool:
        """Whether there is anything to apply."""
        return self.steps > 0


class Trainer(QObject):
    """Trains a snapshot of a graph in a worker thread; every signal arrives on the GUI thread.

    Signals: ``started()``; ``progress(step, loss, steps_per_second)`` and
    ``logged(steps, losses)`` (arrays of every step since the last batch) at most 5 times a
    second; ``snapshot(values, gradients)`` (dicts by variable name; the gradients of the loss
    at those values) about every 200 ms; ``paused_changed(bool)``; ``finished(TrainingResult)``.
    Fewer, larger batches keep the GUI thread from taking the interpreter lock from training.
    """

    started = Signal()
    progress = Signal(int, float, float)
    logged = Signal(object, object)
    snapshot = Signal(object, object)
    paused_changed = Signal(bool)
    finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _TrainingThread | None = None
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def running(self) -> bool:
        """Whether a run is under way (also while paused)."""
        return self._thread is not None

    @property
    def paused(self) -> bool:
        return self._thread is not None and not self._thread.go.is_set()

    def start(self, graph: Graph, train_node: str | None, steps: int, *,
              loss: str | None = None, optimizer: dict[str, Any] | None = None,
              feed: dict[str, Any] | None = None) -> None:
        """Train ``steps`` steps of ``train_node`` (a minimize node's name) — or, with
        ``train_node=None``, of a new minimize node on ``loss`` with ``optimizer`` attributes
        (``{"optimizer": "adam", "learning_rate": 0.01}``). ``feed`` maps placeholder names to
        the values of every step. Raises :class:`EngineError` (naming the node) or
        ``ValueError`` without starting if training cannot run."""
        if self._thread is not None:
            raise RuntimeError("training is already running")
        if steps < 1:
            raise ValueError("steps: expected a number of steps ≥ 1")
        snapshot = graph_from_dict(graph_to_dict(graph))
        new_train_node = None
        if train_node is None:
            if loss is None:
                raise ValueError("choose a train node, or a loss and an optimizer")
            attrs = get_op("minimize").parse_attrs(optimizer or {})
            node = snapshot.add_node("minimize", [snapshot.get_node(loss)], name="train",
                                     attrs=attrs)
            new_train_node = {"name": node.name, "loss": loss, "attrs": attrs}
        else:
            node = snapshot.get_node(train_node)
            if node.type != "minimize":
                raise EngineError(f"{train_node} is not a train node (minimize)", node=train_node)
        check_trainable(snapshot, node, feed)
        feeds = {snapshot.get_node(name): value for name, value in (feed or {}).items()}
        thread = self._thread = _TrainingThread(snapshot, node, steps, feeds, new_train_node)
        thread.batch.connect(self._on_batch)
        thread.snapshot.connect(self._on_snapshot)
        thread.done.connect(self._on_done)
        thread.start()
        self.started.emit()

    def pause(self) -> None:
        """Hold training after the current step (it keeps its place)."""
        if self._thread is not None and self._thread.go.is_set():
            self._thread.go.clear()
            self.paused_changed.emit(True)

    def resume(self) -> None:
        if self._thread is not None and not self._thread.go.is_set():
            self._thread.go.set()
            self.paused_changed.emit(False)

    def stop(self) -> None:
        """End training after the current step; ``finished`` follows with reason "stopped"."""
        if self._thread is not None:
            self._thread.stopping = True
            self._thread.go.set()

    def shutdown(self) -> None:
        """Stop and wait for the worker (on quitting; call it before deleting a trainer that
        may be running)."""
        self.stop()
        self.wait()

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the worker thread has ended (for shutdown); True if it has."""
        return self._thread is None or self._thread.wait(ms)

    @Slot(object, object, int, float, float)
    def _on_batch(self, steps: np.ndarray, losses: np.ndarray, step: int, loss: float,
                  rate: float) -> None:
        self.logged.emit(steps, losses)
        self.progress.emit(step, loss, rate)

    @Slot(object, object)
    def _on_snapshot(self, values: dict, gradients: dict) -> None:
        self.snapshot.emit(values, gradients)

    @Slot(object)
    def _on_done(self, result: TrainingResult) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.wait()
            thread.deleteLater()
        self.finished.emit(result)


class _TrainingThread(QThread):
    """The worker: runs the train node ``steps`` times on the snapshot graph."""

    batch = Signal(object, object, int, float, float)
    snapshot = Signal(object, object)
    done = Signal(object)

    def __init__(self, graph: Graph, node: Node, steps: int, feeds: dict[Node, Any],
                 new_train_node: dict[str, Any] | None) -> None:
        super().__init__()
        self.graph, self.node, self.steps, self.feeds = graph, node, steps, feeds
        self.new_train_node = new_train_node
        self.loss: Node = node.inputs[0]  # type: ignore[assignment]
        self.variables = train.trained_variables(node, node.attrs["var_list"])
        self.gradient_nodes = [graph.add_node("gradient", [self.loss, v]) for v in self.variables]
        self.go = threading.Event()
        self.go.set()
        self.stopping = False

    def run(self) -> None:
        session = Session(self.graph)
        node, loss, variables, feeds = self.node, self.loss, self.variables, self.feeds
        step_fetches = [node, loss]
        snapshot_fetches = [node, loss, *self.gradient_nodes]
        losses = np.empty(self.steps)
        good = ([v.value for v in variables], node.state)
        reason, message, culprit, diverged = "done", "", None, False
        seconds, sent, done = 0.0, 0, 0
        clock = time.perf_counter
        start = clock()
        next_batch, next_snapshot = start + PROGRESS_INTERVAL, start
        try:
            while done < self.steps:
                if not self.go.is_set():
                    seconds += clock() - start
                    self.go.wait()
                    start = clock()
                if self.stopping:
                    reason = "stopped"
                    break
                before = ([v.value for v in variables], node.state)
                now = clock()
                if now >= next_snapshot and self._snapshot_due(done, seconds + now - start):
                    out = session.run(snapshot_fetches, feeds)
                    names = [v.name for v in variables]
                    self.snapshot.emit(dict(zip(names, before[0], strict=True)),
                                       dict(zip(names, out[2:], strict=True)))
                    next_snapshot = now + SNAPSHOT_INTERVAL
                else:
                    out = session.run(step_fetches, feeds)
                value = out[1]
                value = float(value) if value.ndim == 0 else float(value.sum())
                if not math.isfinite(value):
                    reason, culprit, diverged = "error", loss.name, True
                    message = (f"the loss {loss.name} became {value} at step {done + 1}: "
                               f"training stopped, keeping the values of step {max(done - 1, 0)}")
                    break
                losses[done] = value
                good = before
                done += 1
                if now >= next_batch:
                    rate = done / (seconds + now - start)
                    self.batch.emit(np.arange(sent + 1, done + 1), losses[sent:done], done,
                                    value, rate)
                    sent, next_batch = done, now + PROGRESS_INTERVAL
        except EngineError as error:
            reason, message, culprit = "error", error.args[0], error.node
        except Exception as error:  # an op's own failure must not kill the worker silently
            reason, message = "error", f"{type(error).__name__}: {error}"
        seconds += clock() - start
        if sent < done:
            self.batch.emit(np.arange(sent + 1, done + 1), losses[sent:done], done,
                            float(losses[done - 1]), done / seconds if seconds else 0.0)
        if diverged:  # the values before the step whose loss was the last finite one
            applied, (values, state) = max(done - 1, 0), good
        else:
            applied, values, state = done, [v.value for v in variables], node.state
        self.done.emit(self._result(session, reason, message, culprit, applied, values, state,
                                    losses[:done], seconds))

    def _snapshot_due(self, done: int, seconds: float) -> bool:
        """Whether to take a snapshot now, ``done`` steps in after ``seconds`` of training: at
        the start, and while the run should last longer than :data:`SNAPSHOT_INTERVAL`."""
        return done == 0 or (self.steps - done) * seconds >= SNAPSHOT_INTERVAL * done

    def _result(self, session: Session, reason: str, message: str, culprit: str | None,
                applied: int, values: list[np.ndarray], state: dict[str, np.ndarray],
                losses: np.ndarray, seconds: float) -> TrainingResult:
        """The result; the loss and gradients at the final values if they can be computed."""
        names = [v.name for v in self.variables]
        for variable, value in zip(self.variables, values, strict=True):
            self.graph.assign(variable, value)
        gradients: dict[str, np.ndarray] = {}
        final_loss = None
        try:
            out = session.run([self.loss, *self.gradient_nodes], self.feeds)
            final_loss = float(np.sum(out[0]))
            gradients = dict(zip(names, out[1:], strict=True))
        except Exception:  # the error that ended training, if any, is reported already
            pass
        return TrainingResult(
            train_node=self.node.name, loss=self.loss.name, reason=reason, steps=applied,
            values=dict(zip(names, values, strict=True)) if applied else {},
            state=dict(state) if applied else {}, losses=losses.copy(), gradients=gradients,
            final_loss=final_loss, message=message, node=culprit,
            new_train_node=self.new_train_node, seconds=seconds)
