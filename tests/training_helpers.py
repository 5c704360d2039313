"""Shared by the training UI tests: the examples, a slow test-only op whose steps the test
paces (no sleeps), engine predictions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from gates import HANG_GUARD, Gate

import engine as ts
from editor.compute import training_worker
from editor.compute.trainer import Trainer
from engine import loop
from engine.ops import attrs
from engine.registry import LOSS, Attr, OpDef, register, unregister

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
MLP = EXAMPLES / "mlp.json"
PERCEPTRON = EXAMPLES / "perceptron.json"


class WorkerClock:
    """The clock a training run in a thread reads while a :func:`slow_op` is registered (it
    stands in for the ``time`` module of :mod:`editor.compute.training_worker`; graphs with
    test-only ops train in a thread). Time passes only when the test op says so, so progress
    batches and snapshots come after a set number of steps however loaded the machine. A
    paused run's looks at its flags are counted (``polls``), and each waits until the test lets
    it go on (:meth:`let_poll`) — or the run is told to stop."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._now = 0.0
        self._permits = 0
        self._free = False
        self.polls = 0
        self.polling = 0
        """Polls waiting for the test now."""

    def perf_counter(self) -> float:
        with self._changed:
            return self._now

    monotonic = perf_counter

    def advance(self, seconds: float) -> None:
        with self._changed:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """A paused run's wait between looks at its flags."""
        with self._changed:
            if self._free:  # the test is over: as the real one
                self._changed.wait(seconds)
                return
            self.polls += 1
            self.polling += 1
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._free or self._permits > 0, HANG_GUARD)
            self.polling -= 1
            if self._permits:
                self._permits -= 1
            self._now += seconds

    def let_poll(self, polls: int = 1) -> None:
        """Let ``polls`` more looks at the flags end."""
        with self._changed:
            self._permits += polls
            self._changed.notify_all()

    def wake(self) -> None:
        """End the poll waiting now, if any (the run was told to stop)."""
        with self._changed:
            self._permits = self.polling
            self._changed.notify_all()

    def release(self) -> None:
        with self._changed:
            self._free = True
            self._changed.notify_all()


class SlowOp:
    """A test-only identity op that counts its calls, takes ``seconds`` of the worker's
    :class:`WorkerClock` per call (no real time) and, while its ``gate`` is closed, holds the
    run inside the call until the test lets it through — or the run is told to stop. It can be
    told to fail from call ``fail_at`` on."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0
        self.fail_at: int | None = None
        self.lock = threading.Lock()
        self.gate = Gate(open=True)
        self.clock = WorkerClock()

    def compute(self, x: np.ndarray) -> np.ndarray:
        with self.lock:
            self.calls += 1
            calls = self.calls
        if self.fail_at is not None and calls >= self.fail_at:
            raise RuntimeError("the test op was told to fail")
        self.gate.wait()
        self.clock.advance(self.seconds)
        return x

    def stopping(self) -> None:
        """The run was told to stop: the step under way ends, and so does a paused wait."""
        self.gate.open()
        self.clock.wake()


@contextmanager
def slow_op(seconds: float = 0.02) -> Iterator[SlowOp]:
    """Register ``slow_identity`` for the duration of the block; training runs in a thread
    meanwhile read the op's clock (the worker's and the engine's training loop's), and a
    trainer told to stop lets the op go."""
    op = SlowOp(seconds)
    register(OpDef(type="slow_identity", inputs=("x",), compute=op.compute,
                   shape=lambda x: x, category="Test", doc="takes a while, then returns x",
                   gradient=(lambda grad, out, x: grad,)))
    stop = Trainer.stop

    def stop_and_let_go(self: Trainer) -> None:
        stop(self)
        op.stopping()

    training_worker.time = loop.time = op.clock  # type: ignore[assignment]
    Trainer.stop = stop_and_let_go  # type: ignore[method-assign]
    try:
        yield op
    finally:
        Trainer.stop = stop  # type: ignore[method-assign]
        training_worker.time = loop.time = time
        op.gate.open()
        op.clock.release()
        unregister("slow_identity")


def slow_graph() -> ts.Graph:
    """A quadratic loss J = sum((w - 3)²) through ``slow_identity``, trained by ``train``."""
    with ts.Graph().as_default() as g:
        w = ts.Variable([0.0, 1.0], name="w")
        J = ts.Operation("slow_identity", [ts.reduce_sum(ts.square(w - 3.0))], name="J")
        ts.train.GradientDescentOptimizer(0.01).minimize(J, name="train")
    return g


def accuracy(graph: ts.Graph) -> float:
    """The share of the series' points the graph's p_output classifies right."""
    p = ts.Session(graph).run("p_output")
    labels = graph.get_node("c").default
    return float(np.mean(np.argmax(p, axis=1) == np.argmax(labels, axis=1)))


def _mae_grad(sign: int):
    def rule(g, out, labels, predictions):
        return sign * g * np.sign(predictions - labels) / np.size(predictions)
    return rule


def _signum(value, grad, slots, step, *, learning_rate, beta):
    """Sign of a momentum of the gradients (Bernstein et al.'s signum)."""
    (m,) = slots
    m = (1 - beta) * grad if m is None else beta * m + (1 - beta) * grad
    return value - learning_rate * np.sign(m), (m,)


@contextmanager
def registered_loss_and_optimizer() -> Iterator[None]:
    """A loss (``test_mae``, mean |predictions − labels|, role LOSS) and an optimizer op
    (``test_signum``) registered for a test only, as a plugin would: nothing else knows them."""
    register(OpDef(
        type="test_mae", inputs=("labels", "predictions"), category="Loss", symbol="mae",
        compute=lambda labels, predictions: np.mean(np.abs(predictions - labels)),
        shape=lambda labels, predictions: (), roles=frozenset({LOSS}),
        doc="Mean of |predictions − labels|.", gradient=(_mae_grad(-1), _mae_grad(1)),
    ))
    ts.train.register_optimizer_op(
        "test_signum", _signum, slots=("m",), doc="Signum: steps by the sign of a momentum.",
        hyper={"learning_rate": Attr(0.01, attrs.non_negative, "step size"),
               "beta": Attr(0.9, attrs.fraction, "decay of the momentum")})
    try:
        yield
    finally:
        unregister("test_mae")
        unregister("test_signum")


def ticks_between(log: list[str], event: str) -> int:
    """How many times the log shows a timer tick between two ``event`` entries."""
    between, seen, ticked = 0, False, False
    for entry in log:
        if entry == event:
            between += seen and ticked
            seen, ticked = True, False
        elif entry == "tick":
            ticked = True
    return between
