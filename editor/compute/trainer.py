"""Training off the GUI thread: a :class:`Trainer` runs a train node on a snapshot of the graph.

The snapshot is a copy taken when training starts, so the document is never touched by the
worker; the editor applies the :class:`TrainingResult` as one undoable step
(:class:`editor.training_command.TrainCommand`). The run goes to a worker process that runs
:mod:`editor.training_worker`: training and the window each get a core, and neither waits for
the other's turn at Python's interpreter lock. A graph with an op type registered outside the
engine, which a fresh process would not know, trains in a thread instead.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QThread, Signal

from editor.compute import training_worker
from editor.compute.training_worker import PAUSE, STOP, Job, TrainingResult
from engine import train
from engine.data import Schedule, bound_to, split
from engine.errors import EngineError, FeedError
from engine.graph import Graph, Node, Placeholder
from engine.optimizers import VAR_LIST
from engine.registry import TRAIN_STEP, all_ops, get_op, has_role

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = ["Trainer", "TrainingResult", "check_trainable"]

ENGINE_OPS = {opdef.type: opdef for opdef in all_ops()}
"""The op types importing the engine registers: those a worker process knows."""
END_SECONDS = 0.2
"""How long an idle worker process gets to end when asked, before it is terminated (it holds
nothing to keep: closing the window need not wait for one still starting up)."""




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
    train.trained_variables(train_node, train_node.attrs.get(VAR_LIST))


class Trainer(QObject):
    """Trains a snapshot of a graph off the GUI thread; every signal arrives on the GUI thread.

    Signals: ``started()``; ``progress(step, loss, steps_per_second)`` and
    ``logged(steps, losses)`` (arrays of every step since the last batch) at most 5 times a
    second; ``snapshot(values, gradients)`` (dicts by variable name; the gradients of the loss
    at those values) about every 200 ms; ``paused_changed(bool)``; ``finished(TrainingResult)``.
    The worker process is started by :meth:`prepare` or the first run and serves every later
    one; :meth:`close` ends it.
    """

    started = Signal()
    progress = Signal(int, float, float)
    logged = Signal(object, object)
    snapshot = Signal(object, object)
    paused_changed = Signal(bool)
    finished = Signal(object)
    epoch = Signal(object)
    """An :class:`engine.data.Epoch` of a run on a data set, as it ends."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: _WorkerProcess | None = None
        self._worker: _WorkerProcess | _WorkerThread | None = None  # the current run's
        self._new_train_node: dict[str, Any] | None = None
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)

    @property
    def running(self) -> bool:
        """Whether a run is under way (also while paused)."""
        return self._worker is not None

    @property
    def paused(self) -> bool:
        return self._worker is not None and bool(self._worker.control[PAUSE])

    def prepare(self) -> bool:
        """Start the worker process now, so that the first run need not wait for it; False if
        it cannot start (runs then train in a thread)."""
        if self._process is None:
            try:
                self._process = _WorkerProcess(self)
            except (OSError, RuntimeError):
                return False
            self._process.message.connect(self._on_message)
            self._process.ended.connect(self._on_process_ended)
        return True

    def start(self, graph: Graph, train_node: str | None, steps: int, *,
              loss: str | None = None, optimizer: dict[str, Any] | None = None,
              feed: dict[str, Any] | None = None, schedule: Schedule | None = None) -> None:
        """Train ``steps`` steps of ``train_node`` (a train node's name) — or, with
        ``train_node=None``, of a new train node on ``loss`` with ``optimizer`` attributes
        (``{"optimizer": "adam", "learning_rate": 0.01}``; any optimizer of
        :func:`engine.train.optimizers`). ``feed`` maps placeholder names to
        the values of every step. With a ``schedule``, training goes by epochs over the data
        bound to the loss's placeholders instead (``steps`` is ignored). Raises
        :class:`EngineError` (naming the node) or ``ValueError`` without starting if training
        cannot run."""
        if self._worker is not None:
            raise RuntimeError("training is already running")
        if steps < 1 and schedule is None:
            raise ValueError("steps: expected a number of steps ≥ 1")
        snapshot = graph.copy()
        node: Node
        new_train_node = None
        if train_node is None:
            if loss is None:
                raise ValueError("choose a train node, or a loss and an optimizer")
            node = train.add_train_node(snapshot, loss, optimizer)
            new_train_node = {"name": node.name, "loss": loss, "op": node.type,
                              "optimizer": (optimizer or {}).get("optimizer", node.type),
                              "attrs": dict(node.attrs)}
        else:
            node = snapshot.get_node(train_node)
            if not has_role(node, TRAIN_STEP):
                raise EngineError(f"{train_node} is not a train node", node=train_node)
        check_trainable(snapshot, node, feed)
        for name in feed or {}:
            snapshot.get_node(name)  # an unknown name is refused here, not in the worker
        if schedule is not None:
            steps = epoch_steps(snapshot, node, schedule)
        job = Job(snapshot, node.name, steps, dict(feed or {}), schedule)
        if _engine_ops_only(snapshot) and self.prepare():
            worker: _WorkerProcess | _WorkerThread = self._process  # type: ignore[assignment]
        else:
            worker = _WorkerThread(self)
            worker.message.connect(self._on_message)
        worker.control[STOP] = worker.control[PAUSE] = 0
        self._worker, self._new_train_node = worker, new_train_node
        worker.submit(job)
        self.started.emit()

    def pause(self) -> None:
        """Hold training after the current step (it keeps its place)."""
        if self._worker is not None and not self._worker.control[PAUSE]:
            self._worker.control[PAUSE] = 1
            self.paused_changed.emit(True)

    def resume(self) -> None:
        if self._worker is not None and self._worker.control[PAUSE]:
            self._worker.control[PAUSE] = 0
            self.paused_changed.emit(False)

    def stop(self) -> None:
        """End training after the current step; ``finished`` follows with reason "stopped"."""
        if self._worker is not None:
            self._worker.control[STOP] = 1

    def shutdown(self) -> None:
        """Stop and wait for the run to end (before its document is saved, closed or replaced);
        its last messages are delivered by the time the posted events have been."""
        self.stop()
        self.wait()

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the current run has ended (its ``finished`` delivered, or posted to the
        event loop); True if it has."""
        worker = self._worker
        if isinstance(worker, _WorkerThread):
            return worker.wait(ms)
        deadline = time.monotonic() + ms / 1000
        while self._worker is not None and self._worker is worker:
            left = deadline - time.monotonic()
            if left <= 0 or not worker.read(left):  # type: ignore[union-attr]
                return False
        return True

    def close(self) -> None:
        """Stop any run and end the worker process (on quitting or closing the window)."""
        self.shutdown()
        process, self._process = self._process, None
        if process is not None:
            process.end()

    def _on_message(self, message: tuple) -> None:
        kind = message[0]
        if kind == "batch":
            _, steps, losses, step, loss, rate = message
            self.logged.emit(steps, losses)
            self.progress.emit(step, loss, rate)
        elif kind == "snapshot":
            self.snapshot.emit(message[1], message[2])
        elif kind == "epoch":
            self.epoch.emit(message[1])
        elif kind == "done":
            worker, self._worker = self._worker, None
            if isinstance(worker, _WorkerThread):
                worker.wait()
                worker.deleteLater()
            result: TrainingResult = message[1]
            result.new_train_node = self._new_train_node
            self.finished.emit(result)

    def _on_process_ended(self, exit_code: int) -> None:
        """The worker process is gone (killed, or it crashed): report the run it had."""
        process, self._process = self._process, None
        if process is not None:
            process.deleteLater()
        if self._worker is not None and self._worker is process:
            self._worker = None
            self.finished.emit(TrainingResult(
                "", "", "error", 0, {}, {}, np.empty(0),
                message=f"the training process ended unexpectedly (exit code {exit_code}); "
                        "nothing was trained — press Train to start again"))


def epoch_steps(graph: Graph, train_node: Node, schedule: Schedule) -> int:
    """How many steps ``schedule`` takes on the data bound to ``train_node``'s loss."""
    schedule.check()
    data, _ = bound_to(train_node)
    rows = len(split(data.rows, schedule.validation_split, schedule.seed).train)
    return schedule.epochs * -(-rows // schedule.batch_size)


def _engine_ops_only(graph: Graph) -> bool:
    """Whether every op type in ``graph`` comes with the engine (a worker process knows it)."""
    return all(ENGINE_OPS.get(node.type) is get_op(node.type) for node in graph.nodes)


class _WorkerThread(QThread):
    """Runs one job in a thread (graphs with op types the worker process would not know)."""

    message = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.control = bytearray(2)
        self._job: Job | None = None

    def submit(self, job: Job) -> None:
        self._job = job
        self.start()

    def run(self) -> None:
        assert self._job is not None  # submit() sets it before start()
        training_worker.run(self._job, self.message.emit, self.control)


class _WorkerProcess(QObject):
    """A worker process serving jobs one after another; its messages arrive as ``message``
    signals through the event loop (a socket notifier on the pipe), ``ended(exit_code)`` if the
    process dies."""

    message = Signal(object)
    ended = Signal(int)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        import multiprocessing  # (when a worker is first needed, not at start)

        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self.control = context.RawArray("b", 2)
        self._process = context.Process(target=training_worker.serve,
                                        args=(child, self.control), daemon=True,
                                        name="Tensor Canvas training")
        try:
            self._process.start()
        except BaseException:
            self._connection.close()
            self.setParent(None)  # nothing to keep
            raise
        finally:
            child.close()
        self._notifier = QSocketNotifier(self._connection.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._read_available)
        self.destroyed.connect(partial(_end, self._process, self._connection))

    def submit(self, job: Job) -> None:
        self._connection.send(job)

    def read(self, timeout: float) -> bool:
        """Deliver the next message if one comes within ``timeout`` seconds; False if none."""
        try:
            if not self._connection.poll(timeout):
                return False
            self.message.emit(self._connection.recv())
        except (EOFError, OSError):
            self._lost()
            return False
        return True

    def _read_available(self) -> None:
        while self._notifier.isEnabled() and self.read(0):
            pass

    def _lost(self) -> None:
        self._notifier.setEnabled(False)
        self._process.join(END_SECONDS)
        self.ended.emit(self._process.exitcode if self._process.exitcode is not None else -1)

    def end(self) -> None:
        self._notifier.setEnabled(False)
        _end(self._process, self._connection)
        self.deleteLater()


def _end(process: BaseProcess, connection: Connection) -> None:
    """Ask a worker process to end, and terminate it if it does not."""
    if process.exitcode is None:
        try:
            connection.send(None)
        except (OSError, ValueError):
            pass
        process.join(END_SECONDS)
        if process.exitcode is None:
            process.terminate()
            process.join(END_SECONDS)
    connection.close()
