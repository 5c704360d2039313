"""TensorFlow 1's RMSProp and Adagrad as train-step ops of their own, with its update formulas
and defaults, and ``exponential_decay``, the decayed learning rate as a node."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..optimizers import Array, Slots, decayed_rate
from ..registry import Attr, OpDef, Shape, register
from ..tensors import Value, format_shape
from . import attrs
from .training import register_optimizer_op

LEARNING_RATE = Attr(0.01, attrs.non_negative, "step size")


def _rmsprop(value: Array, grad: Array, slots: Slots, step: int, *, learning_rate: float,
             decay: float, momentum: float, epsilon: float) -> tuple[Array, Slots]:
    """tf.train.RMSPropOptimizer (not centered): ms = decay · ms + (1 − decay) · grad², from
    ms = 1; mom = momentum · mom + learning_rate · grad / √(ms + epsilon); var −= mom."""
    ms, mom = slots
    ms = np.ones_like(value) if ms is None else ms
    ms = decay * ms + (1 - decay) * grad * grad
    update = learning_rate * grad / np.sqrt(ms + epsilon)
    if mom is not None:
        update += momentum * mom
    return value - update, (ms, update)


def _adagrad(value: Array, grad: Array, slots: Slots, step: int, *, learning_rate: float,
             initial_accumulator_value: float) -> tuple[Array, Slots]:
    """tf.train.AdagradOptimizer: acc = acc + grad², from initial_accumulator_value;
    var −= learning_rate · grad / √acc."""
    (accumulator,) = slots
    if accumulator is None:
        accumulator = np.full_like(value, initial_accumulator_value)
    accumulator = accumulator + grad * grad
    return value - learning_rate * grad / np.sqrt(accumulator), (accumulator,)


RMSPROP = register_optimizer_op(
    "rmsprop", _rmsprop, ("ms", "mom"), symbol="rms",
    doc="A train step by RMSProp (TensorFlow's): each run scales the gradient by a running "
        "root mean square of the gradients; its value is the loss before the step.",
    hyper={"learning_rate": LEARNING_RATE,
           "decay": Attr(0.9, attrs.fraction, "decay of the mean of the squared gradients"),
           "momentum": Attr(0.0, attrs.fraction, "weight of the previous step"),
           "epsilon": Attr(1e-10, attrs.positive, "added to the mean square")})
ADAGRAD = register_optimizer_op(
    "adagrad", _adagrad, ("accumulator",), symbol="adagrad",
    doc="A train step by Adagrad (TensorFlow's): each run scales the gradient by the root of "
        "the sum of its squares so far; its value is the loss before the step.",
    hyper={"learning_rate": LEARNING_RATE,
           "initial_accumulator_value": Attr(0.1, attrs.positive,
                                             "where the sum of squared gradients starts")})


def exponential_decay(global_step: Value, learning_rate: float = 0.01,
                      decay_steps: float = 1.0, decay_rate: float = 1.0,
                      staircase: bool = False) -> Value:
    """A learning rate decayed exponentially: learning_rate · decay_rate ^ (global_step /
    decay_steps) (tf.train.exponential_decay)."""
    step = np.asarray(global_step)
    if step.shape != ():
        raise ValueError(f"global_step must be a scalar, not of shape {format_shape(step.shape)}")
    return np.float64(decayed_rate(learning_rate, step, decay_rate, decay_steps, staircase))


def _scalar(global_step: Shape, **attrs: Any) -> Shape:
    if global_step not in (None, ()):
        raise ValueError(f"global_step must be a scalar, not of shape "
                         f"{format_shape(global_step)}")
    return ()


EXPONENTIAL_DECAY = register(OpDef(
    type="decayed_learning_rate", inputs=("global_step",), compute=exponential_decay,
    shape=_scalar, category="Training", symbol="lr↘",
    doc="A learning rate decayed exponentially: learning_rate · decay_rate ^ (global_step / "
        "decay_steps) (tf.train.exponential_decay).",
    attrs={"learning_rate": LEARNING_RATE,
           "decay_steps": Attr(1.0, attrs.positive, "steps over which it decays by decay_rate"),
           "decay_rate": Attr(1.0, attrs.positive, "its factor every decay_steps steps"),
           "staircase": Attr(False, attrs.boolean, "decay in whole periods of decay_steps")},
))
"""Minimize with such a node as its learning rate gets its decay (see engine.train)."""
