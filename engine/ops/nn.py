"""Activations and losses of the series' perceptrons and networks, with their gradients."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import shapes
from ..registry import LOGITS_LOSS, LOSS, PROBABILITIES, SOFTMAX, Attr, OpDef, Shape, register
from ..tensors import Value
from . import attrs
from .math import filled, unbroadcast


def _float(x: Value) -> np.dtype[Any]:
    """The float dtype results computed from ``x`` take."""
    dtype = getattr(x, "dtype", None)
    return dtype if dtype is not None and dtype.kind == "f" else np.result_type(x, 1.0)


def sigmoid(x: Value) -> Value:
    # 1 / (1 + e⁻ˣ) in one array. For very negative x, e⁻ˣ overflows to inf (the session
    # silences the warning) and the result is exactly 0, as it should be.
    e = np.asarray(np.negative(x, dtype=_float(x)))  # a scalar for a 0-d x
    np.exp(e, out=e)
    e += 1
    return np.divide(1.0, e, out=e)  # (numpy's reciprocal is not vectorised: twice as slow)


def _sigmoid_grad(g: Value, out: Value, x: Value) -> Value:
    grad = 1 - out
    grad *= out
    grad *= g
    return grad


def _tanh_grad(g: Value, out: Value, x: Value) -> Value:
    grad = 1 - out * out
    grad *= g
    return grad


def relu(x: Value) -> Value:
    return np.maximum(x, 0)


def _rows(x: Value, axis: int) -> bool:
    """Whether ``axis`` is the last axis of a float matrix: numpy reduces such short rows
    slowly, so :func:`_max` and :func:`_sum` take faster routes there."""
    return x.ndim == 2 and axis in (-1, 1) and x.dtype.kind == "f"


def _max(x: Value, axis: int) -> Value:
    """``x.max(axis, keepdims=True)``."""
    if _rows(x, axis) and x.shape[1] <= 32:
        return np.maximum.reduce(np.ascontiguousarray(x.T), axis=0)[:, None]
    return x.max(axis=axis, keepdims=True)


def _sum(x: Value, axis: int) -> Value:
    """``x.sum(axis, keepdims=True)``."""
    if _rows(x, axis):
        return x.dot(filled((x.shape[1], 1), x.dtype, 1))  # (dot: matmul without dispatch)
    return np.add.reduce(x, axis=axis, keepdims=True)


def softmax(x: Value, axis: int = -1) -> np.ndarray:
    # Shifting by the maximum keeps exp from overflowing; the result is unchanged.
    x = np.asarray(x)
    e = np.asarray(np.subtract(x, _max(x, axis), dtype=_float(x)))
    np.exp(e, out=e)
    e /= _sum(e, axis)
    return e


def _softmax_shape(x: Shape, axis: int = -1) -> Shape:
    if x is not None:
        shapes.normalize_axes(axis, len(x))
    return x


def _activation(type: str, compute: Callable[..., Value], symbol: str, doc: str,
                gradient: Callable[..., Value], roles: frozenset[str] = frozenset()) -> None:
    register(OpDef(type=type, inputs=("x",), compute=compute, shape=shapes.same,
                   category="Neural network", symbol=symbol, doc=doc, gradient=(gradient,),
                   roles=roles))


_activation("sigmoid", sigmoid, "σ", "Logistic sigmoid 1 / (1 + e⁻ˣ), element-wise.",
            _sigmoid_grad, frozenset({PROBABILITIES}))
_activation("tanh", np.tanh, "tanh", "Hyperbolic tangent, element-wise.", _tanh_grad)
_activation("relu", relu, "relu", "Rectified linear unit max(x, 0), element-wise.",
            lambda g, out, x: g * (x > 0))


def _softmax_grad(g: Value, out: Value, x: Value, axis: int = -1) -> Value:
    grad = g - _sum(g * out, axis)
    grad *= out
    return grad


register(OpDef(
    type="softmax", inputs=("x",), compute=softmax, shape=_softmax_shape,
    category="Neural network", symbol="softmax",
    doc="Softmax along an axis (numerically stable): exp(x) / sum(exp(x)).",
    attrs={"axis": Attr(-1, attrs.integer, "the axis that sums to one")},
    gradient=(_softmax_grad,), roles=frozenset({PROBABILITIES, SOFTMAX}),
))


def _labels_like(c: Value, p: np.ndarray) -> Value:
    """Labels ``c`` as their product with ``p`` hands them back to ``p``'s shape: summed over
    the axes ``p`` broadcasts along (unchanged when their shapes agree)."""
    shape = getattr(c, "shape", ())
    if shape == p.shape:
        return c
    return unbroadcast(np.broadcast_to(c, np.broadcast_shapes(shape, p.shape)), p.shape)


def cross_entropy_parts_grad(g: Value, p: np.ndarray, c: Value, axis: int = -1) -> Value:
    """d/dz of −Σ c · log softmax(z) (summed to a scalar), given p = softmax(z): p · Σ c − c
    along ``axis`` — the gradient the chain softmax → log → multiply → sum → negative computes
    through five rules, in one (``g``, the ones of the sum, is not needed)."""
    c = _labels_like(c, p)
    return np.subtract(p * _sum(np.asarray(c), axis), c)


def log_likelihood_parts_grad(g: Value, p: np.ndarray, c: Value, axis: int = -1) -> Value:
    """d/dz of Σ c · log softmax(z) (summed to a scalar), given p = softmax(z): c − p · Σ c
    (:func:`cross_entropy_parts_grad` without the negation)."""
    c = _labels_like(c, p)
    return np.subtract(c, p * _sum(np.asarray(c), axis))


# ---- losses ---------------------------------------------------------------------------------


def log_softmax(x: Value, axis: int = -1) -> Value:
    """log(softmax(x)) without overflow or log(0): x − logsumexp(x)."""
    x = np.asarray(x)
    shifted = x - _max(x, axis)
    return shifted - np.log(_sum(np.exp(shifted), axis))


class _KeptForGradient:
    """Work a forward pass keeps for its gradient rule, for as long as its output lives."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[weakref.ref[np.ndarray], Any]] = {}

    def keep(self, out: Any, item: Any) -> None:
        if isinstance(out, np.ndarray):  # numpy scalars cannot be referenced weakly
            key = id(out)

            def forget(_: weakref.ref[np.ndarray], key: int = key) -> None:
                self._items.pop(key, None)

            self._items[key] = (weakref.ref(out, forget), item)

    def get(self, out: Any) -> Any:
        """What was kept for ``out``, or ``None``."""
        entry = self._items.get(id(out))
        return entry[1] if entry is not None and entry[0]() is out else None


_softmax_of_loss = _KeptForGradient()
"""Each cross-entropy's softmax, which its gradient rule needs (TensorFlow's fused op, too,
hands it from the forward pass to the backward one)."""


def softmax_cross_entropy(labels: Value, logits: Value, axis: int = -1) -> Value:
    logits = np.asarray(logits)
    shifted = logits - _max(logits, axis)
    e = np.exp(shifted)
    total = _sum(e, axis)
    terms = labels * (shifted - np.log(total))
    if _rows(terms, axis):  # minus each row's sum, in one product
        loss = terms.dot(filled(terms.shape[1:], terms.dtype, -1))
    else:
        loss = -np.add.reduce(terms, axis=axis)
    e /= total
    _softmax_of_loss.keep(loss, e)
    return loss


def _cross_entropy_shape(labels: Shape, logits: Shape, axis: int = -1) -> Shape:
    joint = shapes.broadcast(labels, logits)
    return None if joint is None else shapes.reduce(joint, axis, False)


def _per_class(g: Value, axis: int) -> Value:
    """A per-example gradient ``g`` with the class axis put back (size 1)."""
    return g[..., None] if axis == -1 else np.expand_dims(g, axis)


def _cross_entropy_grad_labels(g: Value, out: Value, labels: Value, logits: Value,
                               axis: int = -1) -> Value:
    return unbroadcast(-_per_class(g, axis) * log_softmax(logits, axis), np.shape(labels))


def _cross_entropy_grad_logits(g: Value, out: Value, labels: Value, logits: Value,
                               axis: int = -1) -> Value:
    # softmax − labels, as in TensorFlow: exact when each label sums to one along the axis.
    kept = _softmax_of_loss.get(out)
    grad = (softmax(logits, axis) if kept is None else kept) - labels
    grad *= _per_class(g, axis)
    return unbroadcast(grad, getattr(logits, "shape", ()))


register(OpDef(
    type="softmax_cross_entropy", inputs=("labels", "logits"), compute=softmax_cross_entropy,
    shape=_cross_entropy_shape, category="Loss", symbol="xent",
    doc="Cross-entropy −Σ labels · log softmax(logits) along an axis, one value per example "
        "(fused and numerically stable); each label is a distribution (one-hot, say).",
    attrs={"axis": Attr(-1, attrs.integer, "the class axis")},
    gradient=(_cross_entropy_grad_labels, _cross_entropy_grad_logits),
    roles=frozenset({LOSS, LOGITS_LOSS}),
))


def mean_squared_error(labels: Value, predictions: Value) -> Value:
    return np.mean(np.square(predictions - labels))


def _mse_shape(labels: Shape, predictions: Shape) -> Shape:
    shapes.broadcast(labels, predictions)  # raises if they do not fit together
    return ()


def _mse_grad(sign: int) -> Callable[..., Value]:
    def rule(g: Value, out: Value, labels: Value, predictions: Value) -> Value:
        diff = predictions - labels
        grad = (sign * 2 * g / max(np.size(diff), 1)) * diff
        return unbroadcast(grad, np.shape(predictions if sign > 0 else labels))
    return rule


register(OpDef(
    type="mean_squared_error", inputs=("labels", "predictions"), compute=mean_squared_error,
    shape=_mse_shape,
    category="Loss", symbol="mse",
    doc="Mean of (predictions − labels)² over every element: a scalar.",
    gradient=(_mse_grad(-1), _mse_grad(1)), roles=frozenset({LOSS}),
))
