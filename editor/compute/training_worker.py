"""The training loop the editor runs off the GUI thread — in a worker process, or in a thread
for graphs with ops a fresh process would not know — and the messages it sends.

Qt-free: a worker process imports only this module and the engine. A run gets a :class:`Job`
and sends ``("batch", steps, losses, step, loss, steps_per_second)`` at most every
:data:`PROGRESS_INTERVAL`, ``("snapshot", values, gradients)`` about every
:data:`SNAPSHOT_INTERVAL` and, last, ``("done", TrainingResult)``. It reads two flags in
``control`` (a shared byte array) before every step: ``control[STOP]`` ends the run,
``control[PAUSE]`` holds it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, MutableSequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

import numpy as np

from engine import train
from engine.errors import EngineError
from engine.graph import Graph, Node
from engine.session import Session

PROGRESS_INTERVAL = 0.2
"""Seconds between progress messages (at most 5 a second); every step's loss is in them."""
SNAPSHOT_INTERVAL = 0.2
"""Seconds between snapshots of the variables (live previews, the decision boundary); one is
taken at the start, and none when the run should end sooner than the next (its result,
with the final values and gradients, follows)."""
STOP, PAUSE = 0, 1
"""Indexes of the flags in ``control``."""
PAUSE_POLL = 0.005
"""Seconds between looks at the flags while paused."""

Send = Callable[[tuple], None]


@dataclass
class Job:
    """A training run: ``graph`` (a copy of the document's, pickled to a worker process as it
    is) trained ``steps`` steps by its train node ``train_node``, with ``feeds`` (placeholder
    name → value) every step."""

    graph: Graph
    train_node: str
    steps: int
    feeds: dict[str, Any] = field(default_factory=dict)


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


def serve(connection: Connection, control: MutableSequence[int]) -> None:
    """A worker process's life: run each :class:`Job` received, until ``None`` arrives or the
    editor's end of the pipe closes."""
    try:
        while (job := connection.recv()) is not None:
            run(job, connection.send, control)
    except (EOFError, OSError, KeyboardInterrupt):
        pass


def run(job: Job, send: Send, control: MutableSequence[int]) -> None:
    """Train ``job`` (checked by the editor) and send its messages; a failure is reported in
    the result, not raised."""
    graph = job.graph
    feeds = {graph.get_node(name): value for name, value in job.feeds.items()}
    _Run(graph, graph.get_node(job.train_node), job.steps, feeds, send, control).run()


class _Run:
    """One run of a train node on its own graph."""

    def __init__(self, graph: Graph, node: Node, steps: int, feeds: dict[Node, Any],
                 send: Send, control: MutableSequence[int]) -> None:
        self.graph, self.node, self.steps, self.feeds = graph, node, steps, feeds
        self.send, self.control = send, control
        self.loss: Node = node.inputs[0]  # type: ignore[assignment]
        self.variables = train.trained_variables(node, node.attrs["var_list"])
        self.gradient_nodes = [graph.add_node("gradient", [self.loss, v]) for v in self.variables]

    def run(self) -> None:
        session = Session(self.graph)
        node, loss, variables, feeds, control = (self.node, self.loss, self.variables,
                                                 self.feeds, self.control)
        names = [v.name for v in variables]
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
                if control[PAUSE] and not control[STOP]:
                    seconds += clock() - start
                    while control[PAUSE] and not control[STOP]:
                        time.sleep(PAUSE_POLL)
                    start = clock()
                if control[STOP]:
                    reason = "stopped"
                    break
                before = ([v.value for v in variables], node.state)
                now = clock()
                if now >= next_snapshot and self._snapshot_due(done, seconds + now - start):
                    out = session.run(snapshot_fetches, feeds)
                    self.send(("snapshot", dict(zip(names, before[0], strict=True)),
                               dict(zip(names, out[2:], strict=True))))
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
                    self.send(("batch", np.arange(sent + 1, done + 1), losses[sent:done].copy(),
                               done, value, rate))
                    sent, next_batch = done, now + PROGRESS_INTERVAL
        except EngineError as error:
            reason, message, culprit = "error", error.args[0], error.node
        except Exception as error:  # an op's own failure must not kill the worker silently
            reason, message = "error", f"{type(error).__name__}: {error}"
        seconds += clock() - start
        if sent < done:
            self.send(("batch", np.arange(sent + 1, done + 1), losses[sent:done].copy(), done,
                       float(losses[done - 1]), done / seconds if seconds else 0.0))
        if diverged:  # the values before the step whose loss was the last finite one
            applied, (values, state) = max(done - 1, 0), good
        else:
            applied, values, state = done, [v.value for v in variables], node.state
        arrays = cast("list[np.ndarray]", values)  # a variable's value is never None
        self.send(("done", self._result(session, reason, message, culprit, applied, arrays,
                                         state, losses[:done], seconds)))

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
            final_loss=final_loss, message=message, node=culprit, seconds=seconds)
