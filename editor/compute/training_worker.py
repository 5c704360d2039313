"""The training loop the editor runs off the GUI thread — in a worker process, or in a thread
for graphs with ops a fresh process would not know — and the messages it sends.

Qt-free: a worker process imports only this module and the engine. A run gets a :class:`Job`
and sends ``("batch", steps, losses, step, loss, steps_per_second)`` at most every
:data:`PROGRESS_INTERVAL`, ``("snapshot", values, gradients)`` about every
:data:`SNAPSHOT_INTERVAL`, for a run on a data set ``("epoch", Epoch)`` after each epoch and,
last, ``("done", TrainingResult)``. It reads two flags in
``control`` (a shared byte array) before every step: ``control[STOP]`` ends the run,
``control[PAUSE]`` holds it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, MutableSequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from engine import train
from engine.autodiff import gradients
from engine.data import Epoch, Schedule, bound_to
from engine.errors import EngineError
from engine.graph import Graph, Node
from engine.optimizers import VAR_LIST, trained_variables
from engine.session import Session

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

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
    schedule: Schedule | None = None
    """Train on the data bound to the loss's placeholders by epochs (``steps`` is then their
    number of steps) instead."""


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
    epochs: list[Epoch] = field(default_factory=list)
    """For a run on a data set: each epoch's losses and accuracy."""
    confusion: np.ndarray | None = None
    """For a classifier trained on a data set: counts of (true, predicted) class."""
    classes: tuple[str, ...] = ()
    """The data set's class names."""

    @property
    def trained(self) -> bool:
        """Whether there is anything to apply."""
        return self.steps > 0


def serve(connection: Connection, control: MutableSequence[int]) -> None:
    """A worker process's life: run each :class:`Job` received, until ``None`` arrives or the
    editor's end of the pipe closes — or the editor's process is gone, whatever this one is
    doing (a run paused, or in a long step): a watcher thread ends it then."""
    import multiprocessing  # (here: the editor's start imports this module, not to run it)

    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True,
                         name="parent watcher").start()
    try:
        while (job := connection.recv()) is not None:
            run(job, connection.send, control)
    except (EOFError, OSError, KeyboardInterrupt):
        pass


def _end_with(parent: int) -> None:
    """End this process when the process behind the ``parent`` sentinel has ended (nothing
    here is worth keeping: its results had no one left to go to)."""
    from multiprocessing.connection import wait

    wait([parent])
    os._exit(0)


def run(job: Job, send: Send, control: MutableSequence[int]) -> None:
    """Train ``job`` (checked by the editor) with the engine's training loop and send its
    messages; a failure is reported in the result, not raised."""
    graph = job.graph
    node = graph.get_node(job.train_node)
    loss = node.inputs[0]
    assert loss is not None  # checked by the editor
    feeds = {graph.get_node(name): value for name, value in job.feeds.items()}
    variables = trained_variables(node, node.attrs.get(VAR_LIST))
    names = [v.name for v in variables]
    grads = gradients(loss, variables)
    progress = _Progress(send, job.steps)

    def should_stop() -> bool:
        """Hold while paused (the loop leaves this time out of the run's); stop if asked."""
        while control[PAUSE] and not control[STOP]:
            time.sleep(PAUSE_POLL)
        return bool(control[STOP])

    def seen(values: list[Any]) -> None:
        n = len(names)
        send(("snapshot", dict(zip(names, values[:n], strict=True)),
              dict(zip(names, values[n:], strict=True))))

    session = Session(graph)
    probe = train.Probe([*variables, *grads], progress.snapshot_due, seen)
    if job.schedule is not None:
        fit, epochs, confusion, classes = _fit_epochs(job, node, loss, send, progress,
                                                      should_stop, probe, session)
        feeds = {}
    else:
        fit = train.fit(graph, node, job.steps, feeds, on_progress=progress.step,
                        should_stop=should_stop, probe=probe, session=session)
        epochs, confusion, classes = [], None, ()
    progress.flush(fit.steps, fit.losses, fit.seconds)
    gradients_now: dict[str, np.ndarray] = {}
    if fit.steps:
        try:
            gradients_now = dict(zip(names, session.run(grads, feeds), strict=True))
        except EngineError:  # the error that ended training, if any, is reported already
            pass
    send(("done", TrainingResult(
        train_node=node.name, loss=loss.name,
        reason="error" if fit.reason == "diverged" else fit.reason, steps=fit.steps,
        values={v.name: v.value for v in variables} if fit.steps else {},  # type: ignore[misc]
        state=dict(node.state) if fit.steps else {}, losses=fit.losses,
        gradients=gradients_now, final_loss=fit.final_loss, message=fit.message,
        node=fit.node, seconds=fit.seconds, epochs=epochs, confusion=confusion,
        classes=classes)))


def _fit_epochs(job: Job, node: Node, loss: Node, send: Send, progress: _Progress,
                should_stop: Callable[[], bool], probe: train.Probe,
                session: Session) -> tuple[train.FitResult, list[Epoch], Any, tuple[str, ...]]:
    """Train ``job`` on the data bound to its loss's placeholders, by epochs; its result as
    :func:`engine.train.fit`'s (the last batch's loss as the final one), and the epochs."""
    graph = job.graph
    assert job.schedule is not None
    data, bindings = bound_to(loss)
    losses = np.empty(job.steps)
    start = time.perf_counter()

    def step(done: int, value: float) -> None:
        losses[done - 1] = value
        progress.step(done, losses[:done], time.perf_counter() - start)

    run = train.fit_data(graph, node, data, bindings, job.schedule,
                         on_epoch=lambda epoch: send(("epoch", epoch)), on_step=step,
                         should_stop=should_stop, probe=probe, session=session)
    final = run.epochs[-1].loss if run.epochs else None
    fit = train.FitResult(run.reason, run.steps, losses[:run.steps].copy(), final, run.seconds,
                          run.message, run.node)
    return fit, run.epochs, run.confusion, tuple(run.classes)


class _Progress:
    """When to send the losses (every step's, in batches at most every
    :data:`PROGRESS_INTERVAL`) and when to take a snapshot."""

    def __init__(self, send: Send, steps: int) -> None:
        self.send, self.steps = send, steps
        self.sent = 0
        self.next_batch = time.perf_counter() + PROGRESS_INTERVAL
        self.next_snapshot = 0.0

    def step(self, done: int, losses: np.ndarray, seconds: float) -> None:
        now = time.perf_counter()
        if now >= self.next_batch:
            self.flush(done, losses, seconds)
            self.next_batch = now + PROGRESS_INTERVAL

    def flush(self, done: int, losses: np.ndarray, seconds: float) -> None:
        """Send the losses not sent yet."""
        if self.sent < done:
            self.send(("batch", np.arange(self.sent + 1, done + 1),
                       losses[self.sent:done].copy(), done, float(losses[done - 1]),
                       done / seconds if seconds else 0.0))
            self.sent = done

    def snapshot_due(self, done: int, seconds: float) -> bool:
        """At the start, then every :data:`SNAPSHOT_INTERVAL` while the run should last longer
        than that (a short run's result, with the final values, follows soon enough)."""
        now = time.perf_counter()
        if now < self.next_snapshot or (
                done and (self.steps - done) * seconds < SNAPSHOT_INTERVAL * done):
            return False
        self.next_snapshot = now + SNAPSHOT_INTERVAL
        return True
