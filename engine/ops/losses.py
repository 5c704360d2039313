"""TensorFlow 1's fused losses on logits (``tf.nn.*_cross_entropy_with_logits``), one value
per example (per element for the sigmoid's), numerically stable, with TensorFlow's gradients."""

from __future__ import annotations

import numpy as np

from ..registry import BINARY_LOGITS_LOSS, LOGITS_LOSS, LOSS, Attr, OpDef, Shape, register
from ..tensors import Value, format_shape
from . import attrs
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
    gradient=(None, _sparse_grad_logits),  # class indices have no gradient (TensorFlow: None)
    roles=frozenset({LOSS, LOGITS_LOSS}),
))
