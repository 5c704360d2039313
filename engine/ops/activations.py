"""TensorFlow 1's further activations and layer ops (``tf.nn``): leaky_relu, elu, softplus,
log_softmax, bias_add, dropout and l2_loss, with TensorFlow's gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import shapes
from ..optimizers import steps_taken
from ..registry import Attr, OpDef, Shape, register
from ..session import NodeContext
from ..tensors import Value, format_shape
from . import attrs
from .math import unbroadcast
from .nn import _KeptForGradient, _softmax_shape, _sum, log_softmax, sigmoid

CATEGORY = "Neural network"


def leaky_relu(x: Value, alpha: float = 0.2) -> Value:
    """Leaky ReLU: x for x > 0, alpha · x otherwise, element-wise."""
    x = np.asarray(x)
    return np.where(x > 0, x, x * np.asarray(alpha, _dtype(x)))


def _dtype(x: Value) -> np.dtype[Any]:
    """The float dtype results computed from ``x`` take."""
    return np.result_type(x, 1.0)


def _same(x: Shape, **_: object) -> Shape:
    """The input's shape, whatever the attributes."""
    return x


def elu(x: Value) -> Value:
    """Exponential linear unit: x for x > 0, eˣ − 1 otherwise, element-wise."""
    x = np.asarray(x)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def softplus(x: Value) -> Value:
    """Softplus log(1 + eˣ), element-wise (without overflow)."""
    return np.logaddexp(np.asarray(x, _dtype(x)), 0)


register(OpDef(
    type="leaky_relu", inputs=("x",), compute=leaky_relu, shape=_same, category=CATEGORY,
    symbol="lrelu", doc="Leaky ReLU: x for x > 0, alpha · x otherwise, element-wise.",
    attrs={"alpha": Attr(0.2, attrs.number, "the slope for x ≤ 0")},
    # TensorFlow's LeakyReluGrad: the slope is alpha at 0, too
    gradient=(lambda g, out, x, alpha=0.2: np.where(x > 0, g, g * alpha),),
))
register(OpDef(
    type="elu", inputs=("x",), compute=elu, shape=shapes.same, category=CATEGORY, symbol="elu",
    doc="Exponential linear unit: x for x > 0, eˣ − 1 otherwise, element-wise.",
    gradient=(lambda g, out, x: np.where(out < 0, g * (out + 1), g),),  # as TF's EluGrad
))
register(OpDef(
    type="softplus", inputs=("x",), compute=softplus, shape=shapes.same, category=CATEGORY,
    symbol="softplus", doc="Softplus log(1 + eˣ), element-wise (without overflow).",
    gradient=(lambda g, out, x: g * sigmoid(x),),
))


def _log_softmax_grad(g: Value, out: Value, x: Value, axis: int = -1) -> Value:
    return g - np.exp(out) * _sum(np.asarray(g), axis)


register(OpDef(
    type="log_softmax", inputs=("logits",), compute=log_softmax, shape=_softmax_shape,
    category=CATEGORY, symbol="log σ",
    doc="Log-softmax along an axis: logits − log Σ exp(logits), numerically stable.",
    attrs={"axis": Attr(-1, attrs.integer, "the class axis")},
    gradient=(_log_softmax_grad,),
))


def bias_add(value: Value, bias: Value) -> Value:
    """value + bias, the bias (a vector) added along the last axis (channels, NHWC)."""
    value, bias = np.asarray(value), np.asarray(bias)
    if bias.ndim != 1 or value.ndim < 2 or value.shape[-1] != bias.shape[0]:
        raise ValueError(f"bias of shape {format_shape(bias.shape)} does not fit the last axis "
                         f"of a value of shape {format_shape(value.shape)} (rank ≥ 2)")
    return value + bias


def _bias_add_shape(value: Shape, bias: Shape) -> Shape:
    if bias is not None and len(bias) != 1:
        raise ValueError(f"the bias must be a vector, not of shape {format_shape(bias)}")
    if value is None:
        return None
    if len(value) < 2:
        raise ValueError(f"the value must have rank ≥ 2, not shape {format_shape(value)}")
    if bias is not None and None not in (value[-1], bias[0]) and value[-1] != bias[0]:
        raise ValueError(f"a bias of {bias[0]} does not fit {value[-1]} channels")
    return value


register(OpDef(
    type="bias_add", inputs=("value", "bias"), compute=bias_add, shape=_bias_add_shape,
    category=CATEGORY, symbol="+b",
    doc="value + bias, the bias (a vector) added along the last axis (channels, NHWC).",
    gradient=(lambda g, out, value, bias: g,
              lambda g, out, value, bias: unbroadcast(g, np.shape(bias))),
))


def l2_loss(t: Value) -> Value:
    """Half the sum of squares, sum(t²) / 2: a scalar (weight decay)."""
    t = np.asarray(t)
    return np.vdot(t, t) / 2 if t.dtype.kind == "f" else np.sum(np.square(t)) / 2


register(OpDef(
    type="l2_loss", inputs=("t",), compute=l2_loss, shape=lambda t: (), category=CATEGORY,
    symbol="½Σx²", doc="Half the sum of squares, sum(t²) / 2: a scalar (weight decay).",
    gradient=(lambda g, out, t: g * t,),
))


# ---- dropout --------------------------------------------------------------------------------

_masks = _KeptForGradient()
"""Each training run's dropout mask (already divided by keep_prob), for the gradient rules."""


def _probability(keep_prob: Value) -> float:
    """keep_prob as a number, checked: a scalar above 0, up to 1."""
    p = np.asarray(keep_prob)
    if p.shape != () or p.dtype.kind not in "iuf" or not 0 < p <= 1:
        raise ValueError(f"keep_prob must be a number above 0, up to 1, not {keep_prob!r}")
    return float(p)


def dropout(ctx: NodeContext, x: Value, keep_prob: Value, seed: int | None = 0) -> Value:
    """Dropout: in a run that takes a train step, each element is kept with probability
    keep_prob (and scaled by 1 / keep_prob) or zeroed; otherwise x unchanged."""
    p = _probability(keep_prob)
    trainers = ctx.trainers
    if not trainers:
        return x
    ctx.forget_after_run()  # the next run, if it does not train, must not see this mask
    step = max(steps_taken(node) for node in trainers) + 1
    x = np.asarray(x)
    dtype = _dtype(x)
    rng = np.random.default_rng(None if seed is None else [seed, step])
    mask = (rng.random(x.shape) < p).astype(dtype)
    mask /= np.asarray(p, dtype)
    out = x * mask
    _masks.keep(out, mask)
    return out


def _dropout_grad_x(g: Value, out: Value, x: Value, keep_prob: Value, seed: int | None = 0
                    ) -> Value:
    mask = _masks.get(out)
    return g if mask is None else g * mask


def _dropout_grad_keep_prob(g: Value, out: Value, x: Value, keep_prob: Value,
                            seed: int | None = 0) -> Value:
    # out = x · kept / keep_prob while training (the draw itself has no gradient); x otherwise
    if _masks.get(out) is None:
        return np.zeros(np.shape(keep_prob))
    return np.reshape(-np.sum(g * out) / keep_prob, np.shape(keep_prob))


def _seed(value: Any) -> int | None:
    """An integer, or ``null`` for a new mask on every run (unseeded)."""
    return None if value is None else attrs.integer(value)


def _dropout_shape(x: Shape, keep_prob: Shape, seed: int | None = 0) -> Shape:
    if keep_prob not in (None, ()):
        raise ValueError(f"keep_prob must be a scalar, not of shape {format_shape(keep_prob)}")
    return x


register(OpDef(
    type="dropout", inputs=("x", "keep_prob"), compute=dropout, shape=_dropout_shape,
    category=CATEGORY, symbol="drop", context=True,
    doc="Dropout: while training, keeps each element with probability keep_prob (scaled by "
        "1 / keep_prob) and zeroes the rest; otherwise x unchanged.",
    attrs={"seed": Attr(0, _seed, "with the train step's number, chooses the mask; None: "
                                  "a new one each run")},
    gradient=(_dropout_grad_x, _dropout_grad_keep_prob),
))
