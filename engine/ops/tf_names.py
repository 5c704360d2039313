"""TensorFlow 1's names for the engine's ops: the tables ``engine.compat_v1`` makes its
functions from. An op registered later gets its TensorFlow function from one line here; names
whose op is not registered are listed by ``compat_v1.unmapped()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..registry import has_op


@dataclass(frozen=True)
class Tf:
    """How a TensorFlow function maps to an engine op: the op (the first of ``ops`` that is
    registered), its positional parameters if they differ from the op's (inputs, then
    attributes; ``None`` for one to ignore), and defaults that differ from the op's."""

    ops: tuple[str, ...]
    positional: tuple[str | None, ...] | None = None
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def op(self) -> str | None:
        """The op it builds, ``None`` if none of its ops is registered."""
        return next((op for op in self.ops if has_op(op)), None)


def tf(*ops: str, positional: tuple[str | None, ...] | None = None, **defaults: Any) -> Tf:
    return Tf(ops, positional, defaults)


OPS: dict[str, Tf] = {
    **{name: tf(name) for name in (
        "add", "subtract", "multiply", "divide", "negative", "matmul", "square", "sqrt", "exp",
        "log", "sigmoid", "tanh", "reduce_sum", "reduce_mean", "transpose", "reshape",
        "cast", "expand_dims", "squeeze", "slice", "tile", "tensordot", "identity",
        "stop_gradient",
        # ops-math
        "maximum", "minimum", "abs", "pow", "sign", "reciprocal", "rsqrt",
        "squared_difference", "clip_by_value", "reduce_max", "reduce_min", "reduce_prod",
        "reduce_logsumexp", "argmax", "argmin", "equal", "not_equal", "greater", "less",
        "greater_equal", "less_equal", "logical_and", "logical_or", "logical_not", "where")},
    "truediv": tf("divide"),
    "gather": tf("gather", positional=("params", "indices", None, None, "axis")),
    "one_hot": tf("one_hot", dtype="float32"),
}
"""Top-level TensorFlow functions → engine ops (``tf.concat``, ``tf.stack``, ``tf.unstack``,
``tf.zeros_like`` and ``tf.ones_like`` take lists or a dtype: compat_v1 writes them out)."""

NN: dict[str, Tf] = {
    **{name: tf(name) for name in (
        "softmax", "sigmoid", "relu", "tanh",
        # ops-nn
        "leaky_relu", "elu", "softplus", "log_softmax", "bias_add", "dropout", "l2_loss",
        "conv2d", "max_pool", "avg_pool", "sigmoid_cross_entropy_with_logits",
        "sparse_softmax_cross_entropy_with_logits")},
    "softmax_cross_entropy_with_logits": tf("softmax_cross_entropy_with_logits",
                                            "softmax_cross_entropy"),
    "softmax_cross_entropy_with_logits_v2": tf("softmax_cross_entropy_with_logits",
                                               "softmax_cross_entropy"),
}
"""``tf.nn`` functions → engine ops."""

LOSSES: dict[str, tuple[str, Tf]] = {
    "mean_squared_error": ("labels", tf("mean_squared_error")),
    "softmax_cross_entropy": ("onehot_labels", tf("softmax_cross_entropy_with_logits",
                                                  "softmax_cross_entropy")),
    "sigmoid_cross_entropy": ("multi_class_labels", tf("sigmoid_cross_entropy_with_logits")),
    "sparse_softmax_cross_entropy": ("labels", tf("sparse_softmax_cross_entropy_with_logits")),
}
"""``tf.losses`` functions → (TensorFlow's name for the labels, the engine op). A loss is the
mean of the op's values (TensorFlow's default reduction, with weights 1): see :data:`MEAN`."""

MEAN = tf("reduce_mean")
"""The op that averages a ``tf.losses`` loss."""
