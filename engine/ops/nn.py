"""Activations and losses of the series' perceptrons and networks, with their gradients."""

from __future__ import annotations

import numpy as np

from .. import shapes
from ..registry import Attr, OpDef, register
from . import attrs
from .math import unbroadcast


def sigmoid(x):
    # 1/(1+e^-x) written through tanh: never overflows, exact at both tails.
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def relu(x):
    return np.maximum(x, 0)


def softmax(x, axis=-1):
    # Shifting by the maximum keeps exp from overflowing; the result is unchanged.
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_shape(x, axis=-1):
    if x is not None:
        shapes.normalize_axes(axis, len(x))
    return x


def _activation(type: str, compute, symbol: str, doc: str, gradient) -> None:
    register(OpDef(type=type, inputs=("x",), compute=compute, shape=shapes.same,
                   category="Neural network", symbol=symbol, doc=doc, gradient=(gradient,)))


_activation("sigmoid", sigmoid, "σ", "Logistic sigmoid 1 / (1 + e⁻ˣ), element-wise.",
            lambda g, out, x: g * out * (1 - out))
_activation("tanh", np.tanh, "tanh", "Hyperbolic tangent, element-wise.",
            lambda g, out, x: g * (1 - out * out))
_activation("relu", relu, "relu", "Rectified linear unit max(x, 0), element-wise.",
            lambda g, out, x: g * (x > 0))


def _softmax_grad(g, out, x, axis=-1):
    return out * (g - np.sum(g * out, axis=axis, keepdims=True))


register(OpDef(
    type="softmax", inputs=("x",), compute=softmax, shape=_softmax_shape,
    category="Neural network", symbol="softmax",
    doc="Softmax along an axis (numerically stable): exp(x) / sum(exp(x)).",
    attrs={"axis": Attr(-1, attrs.integer, "the axis that sums to one")},
    gradient=(_softmax_grad,),
))


# ---- losses ---------------------------------------------------------------------------------


def log_softmax(x, axis=-1):
    """log(softmax(x)) without overflow or log(0): x − logsumexp(x)."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_cross_entropy(labels, logits, axis=-1):
    return -np.sum(labels * log_softmax(logits, axis), axis=axis)


def _cross_entropy_shape(labels, logits, axis=-1):
    joint = shapes.broadcast(labels, logits)
    return None if joint is None else shapes.reduce(joint, axis, False)


def _cross_entropy_grad_labels(g, out, labels, logits, axis=-1):
    grad = -np.expand_dims(g, axis) * log_softmax(logits, axis)
    return unbroadcast(grad, np.shape(labels))


def _cross_entropy_grad_logits(g, out, labels, logits, axis=-1):
    # d/dlogits of −Σ labels·log softmax = softmax·Σlabels − labels (softmax − labels for
    # labels that sum to one, as one-hot labels do).
    total = np.sum(labels, axis=axis, keepdims=True)
    grad = np.expand_dims(g, axis) * (softmax(logits, axis) * total - labels)
    return unbroadcast(grad, np.shape(logits))


register(OpDef(
    type="softmax_cross_entropy", inputs=("labels", "logits"), compute=softmax_cross_entropy,
    shape=_cross_entropy_shape, category="Loss", symbol="xent",
    doc="Cross-entropy −Σ labels · log softmax(logits) along an axis, one value per example "
        "(fused and numerically stable).",
    attrs={"axis": Attr(-1, attrs.integer, "the class axis")},
    gradient=(_cross_entropy_grad_labels, _cross_entropy_grad_logits),
))


def mean_squared_error(labels, predictions):
    return np.mean(np.square(predictions - labels))


def _mse_shape(labels, predictions):
    shapes.broadcast(labels, predictions)  # raises if they do not fit together
    return ()


def _mse_grad(sign: int):
    def rule(g, out, labels, predictions):
        diff = predictions - labels
        grad = (sign * 2 * g / max(np.size(diff), 1)) * diff
        return unbroadcast(grad, np.shape(predictions if sign > 0 else labels))
    return rule


register(OpDef(
    type="mean_squared_error", inputs=("labels", "predictions"), compute=mean_squared_error,
    shape=_mse_shape,
    category="Loss", symbol="mse",
    doc="Mean of (predictions − labels)² over every element: a scalar.",
    gradient=(_mse_grad(-1), _mse_grad(1)),
))
