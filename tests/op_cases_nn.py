"""Finite-difference cases of the ops of engine/ops/{activations,conv,losses}.py, merged into
tests/test_gradients.py: input shapes and attributes per op type, ops needing positive inputs,
the op types without a gradient, and inputs that need special values."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CASES: dict[str, list[tuple[tuple[tuple[int, ...], ...], dict]]] = {
    "leaky_relu": [(((3, 4),), {}), (((3, 4),), {"alpha": 0.1})],
    "elu": [(((3, 4),), {})],
    "softplus": [(((3, 4),), {})],
    "log_softmax": [(((3, 4),), {}), (((3, 4),), {"axis": 0})],
    "bias_add": [(((3, 4), (4,)), {}), (((2, 3, 3, 2), (2,)), {})],
    "dropout": [(((3, 4), ()), {}), (((3, 4), ()), {"seed": None})],
    "l2_loss": [(((3, 4),), {})],
    "conv2d": [(((2, 5, 5, 2), (3, 3, 2, 3)), {}),
               (((1, 5, 6, 2), (3, 2, 2, 2)), {"strides": (1, 2, 2, 1), "padding": "SAME"}),
               (((1, 4, 4, 1), (2, 2, 1, 2)), {"strides": (1, 1, 2, 1), "padding": "SAME"})],
    "max_pool": [(((2, 4, 4, 2),), {}),
                 (((1, 5, 5, 2),), {"ksize": (1, 3, 3, 1), "strides": (1, 2, 2, 1),
                                    "padding": "SAME"}),
                 (((1, 4, 5, 1),), {"ksize": (1, 2, 3, 1), "strides": 1})],
    "avg_pool": [(((2, 4, 4, 2),), {}),
                 (((1, 5, 5, 2),), {"ksize": (1, 3, 3, 1), "strides": (1, 2, 2, 1),
                                    "padding": "SAME"})],
    "sigmoid_cross_entropy_with_logits": [(((5, 3), (5, 3)), {}), (((4, 1), (4, 1)), {})],
    "softmax_cross_entropy_with_logits": [(((5, 3), (5, 3)), {}),
                                          (((4, 5), (4, 5)), {"axis": 0})],
    "sparse_softmax_cross_entropy_with_logits": [(((5,), (5, 3)), {}),
                                                 (((2, 3), (2, 3, 4)), {})],
    "weighted_mean_squared_error": [
        (((4, 3), (4, 3), (4, 3)), {}), (((4, 3), (4, 3), (4, 1)), {"reduction": "MEAN"}),
        (((4, 3), (3,), ()), {"reduction": "SUM"}),
        (((4, 3), (4, 3), (3,)), {"reduction": "SUM_OVER_BATCH_SIZE"}),
        (((4, 3), (4, 3), (4, 1)), {"reduction": "NONE"})],
    "decayed_learning_rate": [(((),), {"learning_rate": 0.1, "decay_steps": 10.0,
                                       "decay_rate": 0.5, "staircase": True})],
}
POSITIVE: set[str] = set()
"""Ops whose inputs must be positive."""
NOT_DIFFERENTIABLE = {"rmsprop", "adagrad", "decayed_learning_rate"}
"""Op types with no gradient (train steps, whose outputs are not differentiated; a learning
rate of an integer step count)."""


def _distributions(shapes, attrs, rng) -> list[np.ndarray]:
    """Labels that are distributions along the class axis, then logits."""
    labels = rng.uniform(0.1, 1.0, shapes[0])
    labels /= labels.sum(axis=attrs.get("axis", -1), keepdims=True)
    return [labels, rng.normal(size=shapes[1])]


def _class_indices(shapes, attrs, rng) -> list[np.ndarray]:
    """Integer class labels, then logits."""
    return [rng.integers(0, shapes[1][-1], shapes[0]), rng.normal(size=shapes[1])]


def _away_from_kinks(shapes, attrs, rng) -> list[np.ndarray]:
    return [rng.choice([-1, 1], shape) * rng.uniform(0.1, 1.0, shape) for shape in shapes]


def _distinct(shapes, attrs, rng) -> list[np.ndarray]:
    """Values far apart, so that no window's maximum ties or changes under a small step."""
    return [rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 for shape in shapes]


INPUTS: dict[str, Callable[..., list[np.ndarray]]] = {
    "leaky_relu": _away_from_kinks,
    "elu": _away_from_kinks,
    "max_pool": _distinct,
    "dropout": lambda shapes, attrs, rng: [rng.normal(size=shapes[0]),
                                           rng.uniform(0.3, 1, shapes[1])],
    "sigmoid_cross_entropy_with_logits": lambda shapes, attrs, rng: [
        rng.uniform(0, 1, shapes[0]), rng.normal(size=shapes[1])],
    "softmax_cross_entropy_with_logits": _distributions,
    "sparse_softmax_cross_entropy_with_logits": _class_indices,
    "weighted_mean_squared_error": lambda shapes, attrs, rng: [
        rng.normal(size=shapes[0]), rng.normal(size=shapes[1]), rng.uniform(0.5, 2, shapes[2])],
}
"""Op type → function(shapes, attrs, rng) → its input arrays."""
