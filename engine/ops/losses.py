"""TensorFlow 1's fused losses on logits (``tf.nn.*_cross_entropy_with_logits``), one value
per example (per element for the sigmoid's), numerically stable, with TensorFlow's gradients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import shapes
from ..registry import (
    BINARY_LOGITS_LOSS,
    LOGITS_LOSS,
    LOSS,
    Attr,
    OpDef,
    Shape,
    not_differentiable,
    register,
)
from ..tensors import Value, format_shape
from . import attrs
from .math import unbroadcast
from .nn import (
    _cross_entropy_grad_labels,
    _cross_entropy_grad_logits,
    _cross_entropy_shape,
    log_softmax,
    sigmoid,
    softmax,
    softmax_cross_entropy,
)

CATEGORY = "Loss"


def sigmoid_cross_entropy_with_logits(labels: Value, logits: Value) -> Value:
    """Element-wise −z·log σ(x) − (1 − z)·log(1 − σ(x)) of labels z and logits x, computed
    as max(x, 0) − x·z + log(1 + e^−|x|)."""
    x, z = np.asarray(logits), np.asarray(labels)
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def _same_shape(labels: Shape, logits: Shape) -> Shape:
    if labels is not None and logits is not None and (
        len(labels) != len(logits) or any(
            a is not None and b is not None and a != b for a, b in zip(labels, logits, strict=True))
    ):
        raise ValueError(f"labels of shape {format_shape(labels)} and logits of shape "
                         f"{format_shape(logits)} must have the same shape")
    return logits if logits is not None else labels


register(OpDef(
    type="sigmoid_cross_entropy_with_logits", inputs=("labels", "logits"),
    compute=sigmoid_cross_entropy_with_logits, shape=_same_shape, category=CATEGORY,
    symbol="σ-xent",
    doc="Sigmoid cross-entropy of labels (probabilities) and logits, element-wise and "
        "numerically stable: each class on its own.",
    # TensorFlow builds it of differentiable parts: d/dz = −x, d/dx = σ(x) − z
    gradient=(lambda g, out, labels, logits: -g * logits,
              lambda g, out, labels, logits: g * (sigmoid(logits) - labels)),
    roles=frozenset({LOSS, BINARY_LOGITS_LOSS}),
))


register(OpDef(
    type="softmax_cross_entropy_with_logits", inputs=("labels", "logits"),
    compute=softmax_cross_entropy, shape=_cross_entropy_shape, category=CATEGORY,
    symbol="xent",
    doc="TensorFlow's softmax cross-entropy −Σ labels · log softmax(logits) along the class "
        "axis: one value per example (labels are distributions).",
    attrs={"axis": Attr(-1, attrs.integer, "the class axis")},
    # the labels' gradient too, as TensorFlow's _v2 (its deprecated v1 stops it there)
    gradient=(_cross_entropy_grad_labels, _cross_entropy_grad_logits),
    roles=frozenset({LOSS, LOGITS_LOSS}),
))


def _classes(labels: Value, logits: Value) -> np.ndarray:
    """The labels as integer class indices, checked against the logits' classes."""
    classes: np.ndarray = np.asarray(labels)
    k = np.shape(logits)[-1]
    if classes.dtype.kind not in "iu":
        raise ValueError(f"labels must be integer class indices, not {classes.dtype}")
    if classes.shape != np.shape(logits)[:-1]:
        raise ValueError(f"labels of shape {format_shape(classes.shape)} do not fit logits of "
                         f"shape {format_shape(np.shape(logits))}: one class index per example")
    bad = np.flatnonzero((classes < 0) | (classes >= k))
    if bad.size:
        row = bad[0]
        raise ValueError(f"label {classes.reshape(-1)[row]} (example {row}) is not a class "
                         f"0…{k - 1}")
    return classes


def sparse_softmax_cross_entropy_with_logits(labels: Value, logits: Value) -> Value:
    """Softmax cross-entropy −log softmax(logits)[label] with integer class labels: one value
    per example."""
    classes = _classes(labels, logits)
    picked = np.take_along_axis(log_softmax(logits), classes[..., None], axis=-1)
    return -picked[..., 0]


def _sparse_shape(labels: Shape, logits: Shape) -> Shape:
    if logits is None:
        return labels
    if not logits:
        raise ValueError("logits must have rank ≥ 1 (classes along the last axis)")
    return _same_shape(labels, logits[:-1])


def _sparse_grad_logits(g: Value, out: Value, labels: Value, logits: Value) -> Value:
    grad = softmax(logits)
    np.put_along_axis(grad, np.asarray(labels)[..., None], np.take_along_axis(
        grad, np.asarray(labels)[..., None], axis=-1) - 1, axis=-1)
    grad *= np.asarray(g)[..., None]
    return grad


register(OpDef(
    type="sparse_softmax_cross_entropy_with_logits", inputs=("labels", "logits"),
    compute=sparse_softmax_cross_entropy_with_logits, shape=_sparse_shape, category=CATEGORY,
    symbol="sparse xent",
    doc="Softmax cross-entropy −log softmax(logits)[label] with integer class labels: one "
        "value per example.",
    gradient=(not_differentiable, _sparse_grad_logits),  # class indices: none (as TensorFlow)
    roles=frozenset({LOSS, LOGITS_LOSS}),
))


# ---- tf.losses.mean_squared_error with weights ----------------------------------------------

REDUCTIONS = ("SUM_BY_NONZERO_WEIGHTS", "MEAN", "SUM", "SUM_OVER_BATCH_SIZE", "NONE")
"""tf.losses.Reduction: what the weighted squared errors become."""


def _denominator(errors: np.ndarray, weights: np.ndarray, reduction: str) -> Value:
    """What the weighted sum is divided by (1 for SUM)."""
    if reduction == "MEAN":
        return np.sum(np.broadcast_to(weights, errors.shape))
    if reduction == "SUM_BY_NONZERO_WEIGHTS":
        return np.count_nonzero(np.broadcast_to(weights, errors.shape))
    if reduction == "SUM_OVER_BATCH_SIZE":
        return errors.size
    return 1


def _divide(total: Value, denominator: Value) -> Value:
    """total / denominator, 0 where the denominator is 0 (TensorFlow's div_no_nan)."""
    return total / denominator if denominator != 0 else total * 0


def weighted_mean_squared_error(labels: Value, predictions: Value, weights: Value,
                                reduction: str = "SUM_BY_NONZERO_WEIGHTS") -> Value:
    """tf.losses.mean_squared_error: the squared errors (predictions − labels)² times the
    weights, reduced as ``reduction`` says (by default their sum over the non-zero weights)."""
    errors = np.square(np.subtract(predictions, labels))
    weighted = errors * weights
    if reduction == "NONE":
        return weighted
    return _divide(np.sum(weighted), _denominator(errors, np.asarray(weights), reduction))


def _weighted_mse_shape(labels: Shape, predictions: Shape, weights: Shape,
                        reduction: str = "SUM_BY_NONZERO_WEIGHTS") -> Shape:
    errors = shapes.broadcast(labels, predictions)
    joint = shapes.broadcast(errors, weights)
    if errors is not None and joint is not None and (len(joint) > len(errors) or any(
            e is not None and j != e for e, j in zip(errors, joint, strict=True))):
        raise ValueError(f"weights of shape {format_shape(weights)} do not fit errors of shape "
                         f"{format_shape(errors)}")
    return joint if reduction == "NONE" else ()


def _weighted_mse_grad(port: int) -> Callable[..., Value]:
    def rule(g: Value, out: Value, labels: Value, predictions: Value, weights: Value,
             reduction: str = "SUM_BY_NONZERO_WEIGHTS") -> Value:
        diff = np.subtract(predictions, labels)
        errors = np.square(diff)
        denominator = _denominator(errors, np.asarray(weights), reduction)
        g = np.asarray(g) if reduction == "NONE" else _divide(np.asarray(g), denominator)
        if port == 2:  # the weights: the errors, less what MEAN's sum of weights takes back
            grad = g * errors
            if reduction == "MEAN" and denominator != 0:
                grad = grad - g * np.sum(errors * weights) / denominator
            return unbroadcast(np.broadcast_to(grad, errors.shape), np.shape(weights))
        grad = (2 * g) * weights * diff
        return unbroadcast(grad if port == 1 else -grad, np.shape((labels, predictions)[port]))
    return rule


register(OpDef(
    type="weighted_mean_squared_error", inputs=("labels", "predictions", "weights"),
    compute=weighted_mean_squared_error, shape=_weighted_mse_shape, category=CATEGORY,
    symbol="w·mse",
    doc="tf.losses.mean_squared_error: the squared errors times the weights, reduced as "
        "TensorFlow's reduction says (by default their sum over the non-zero weights).",
    attrs={"reduction": Attr("SUM_BY_NONZERO_WEIGHTS", attrs.choice(*REDUCTIONS),
                             "SUM_BY_NONZERO_WEIGHTS, MEAN (over the weights' sum), SUM, "
                             "SUM_OVER_BATCH_SIZE (over the elements) or NONE")},
    gradient=tuple(_weighted_mse_grad(port) for port in range(3)),
    roles=frozenset({LOSS}),
))
