"""Shared by the training UI tests: the examples, a slow test-only op, engine predictions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import engine as ts
from engine.ops import attrs
from engine.registry import LOSS, Attr, OpDef, register, unregister

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
MLP = EXAMPLES / "mlp.json"
PERCEPTRON = EXAMPLES / "perceptron.json"


class SlowOp:
    """A test-only identity op that sleeps ``seconds`` per call and counts its calls; it can
    be told to fail from call ``fail_at`` on."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0
        self.fail_at: int | None = None
        self.lock = threading.Lock()

    def compute(self, x: np.ndarray) -> np.ndarray:
        with self.lock:
            self.calls += 1
            calls = self.calls
        if self.fail_at is not None and calls >= self.fail_at:
            raise RuntimeError("the test op was told to fail")
        time.sleep(self.seconds)
        return x


@contextmanager
def slow_op(seconds: float = 0.02) -> Iterator[SlowOp]:
    """Register ``slow_identity`` for the duration of the block."""
    op = SlowOp(seconds)
    register(OpDef(type="slow_identity", inputs=("x",), compute=op.compute,
                   shape=lambda x: x, category="Test", doc="sleeps, then returns x",
                   gradient=(lambda grad, out, x: grad,)))
    try:
        yield op
    finally:
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
