"""Activations of the series' perceptrons and networks."""

from __future__ import annotations

import numpy as np

from .. import shapes
from ..registry import Attr, OpDef, register
from . import attrs


def sigmoid(x):
    # e^-|x| never overflows; each side uses the form that keeps full relative precision.
    e = np.exp(-np.abs(x))
    return np.where(np.greater_equal(x, 0), 1 / (1 + e), e / (1 + e))


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


def _activation(type: str, compute, symbol: str, doc: str) -> None:
    register(OpDef(type=type, inputs=("x",), compute=compute, shape=shapes.same,
                   category="Neural network", symbol=symbol, doc=doc))


_activation("sigmoid", sigmoid, "σ", "Logistic sigmoid 1 / (1 + e⁻ˣ), element-wise.")
_activation("tanh", np.tanh, "tanh", "Hyperbolic tangent, element-wise.")
_activation("relu", relu, "relu", "Rectified linear unit max(x, 0), element-wise.")

register(OpDef(
    type="softmax", inputs=("x",), compute=softmax, shape=_softmax_shape,
    category="Neural network", symbol="softmax",
    doc="Softmax along an axis (numerically stable): exp(x) / sum(exp(x)).",
    attrs={"axis": Attr(-1, attrs.integer, "the axis that sums to one")},
))
