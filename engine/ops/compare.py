"""Comparisons and logic, as TensorFlow 1 has them: equal, not_equal, greater, less,
greater_equal, less_equal (boolean results, with broadcasting), logical_and, logical_or,
logical_not (of booleans), and where, which picks from x or y by a condition.

None of them passes a gradient back to its inputs, but where to its x and y (TensorFlow's
``NotDifferentiable``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import shapes
from ..registry import OpDef, Shape, not_differentiable, register
from ..tensors import Value, format_shape
from .elementwise import register_elementwise

CATEGORY = "Comparison"

for _type, _ufunc, _symbol, _doc in (
    ("equal", np.equal, "=", "Element-wise x = y (true or false), with broadcasting."),
    ("not_equal", np.not_equal, "≠", "Element-wise x ≠ y (true or false), with broadcasting."),
    ("greater", np.greater, ">", "Element-wise x > y (true or false), with broadcasting."),
    ("less", np.less, "<", "Element-wise x < y (true or false), with broadcasting."),
    ("greater_equal", np.greater_equal, "≥",
     "Element-wise x ≥ y (true or false), with broadcasting."),
    ("less_equal", np.less_equal, "≤", "Element-wise x ≤ y (true or false), with broadcasting."),
):
    register_elementwise(_type, ("x", "y"), _ufunc, _symbol, _doc,
                         (not_differentiable, not_differentiable), CATEGORY)


def _booleans(function: Callable[..., Value], *names: str) -> Callable[..., Value]:
    """``function`` of boolean inputs (named ``names``); any other dtype is refused, as
    TensorFlow refuses it."""

    def compute(*inputs: Value) -> Value:
        for name, x in zip(names, inputs, strict=True):
            dtype = np.result_type(x)
            if dtype != np.bool_:
                raise ValueError(f"'{name}' is {dtype.name}: it takes booleans (a comparison's "
                                 "result, or a bool placeholder)")
        return function(*inputs)

    return compute


register_elementwise("logical_and", ("x", "y"), _booleans(np.logical_and, "x", "y"), "and",
                     "Element-wise x and y of booleans, with broadcasting.",
                     (not_differentiable, not_differentiable), CATEGORY)
register_elementwise("logical_or", ("x", "y"), _booleans(np.logical_or, "x", "y"), "or",
                     "Element-wise x or y of booleans, with broadcasting.",
                     (not_differentiable, not_differentiable), CATEGORY)
register_elementwise("logical_not", ("x",), _booleans(np.logical_not, "x"), "not",
                     "Element-wise not x of booleans.", (not_differentiable,), CATEGORY)


# ---- where ----------------------------------------------------------------------------------
# TensorFlow 1's where(condition, x, y): x and y have one shape; the condition has it too, or
# is a scalar (picking x or y whole), or a vector picking the rows of x or y.


def _where_shape(condition: Shape, x: Shape, y: Shape) -> Shape:
    if not shapes.compatible(x, y):
        raise ValueError(f"x and y have shapes {format_shape(x)} and {format_shape(y)}: "
                         "they must have the same shape")
    out = shapes.merge(x, y)
    if out is None or condition is None or condition == ():
        return out
    if shapes.compatible(condition, out):
        return shapes.merge(out, condition)
    if len(condition) == 1 and len(out) > 1 and shapes.compatible(condition, out[:1]):
        return shapes.merge(out, condition + (None,) * (len(out) - 1))
    raise ValueError(f"the condition's shape {format_shape(condition)} is neither x's "
                     f"{format_shape(out)}, nor a scalar, nor its first dimension")


def _picker(condition: Value, x: Value) -> Value:
    """The condition, shaped to pick from ``x`` (a vector picks whole rows)."""
    c = np.asarray(condition)
    if c.ndim == 1 and np.ndim(x) > 1:
        return c.reshape(c.shape + (1,) * (np.ndim(x) - 1))
    return c


def where(condition: Value, x: Value, y: Value) -> Value:
    if np.result_type(condition) != np.bool_:
        raise ValueError(f"the condition is {np.result_type(condition).name}: it takes "
                         "booleans (a comparison's result, or a bool placeholder)")
    _where_shape(np.shape(condition), np.shape(x), np.shape(y))
    return np.where(_picker(condition, x), x, y)


register(OpDef(
    type="where", inputs=("condition", "x", "y"), compute=where, shape=_where_shape,
    category=CATEGORY, symbol="where",
    doc="x where the condition is true, else y (x and y of one shape; the condition of theirs, "
        "a scalar, or a vector picking rows).",
    gradient=(
        not_differentiable,
        lambda g, out, c, x, y: np.where(_picker(c, x), g, 0).astype(np.result_type(g)),
        lambda g, out, c, x, y: np.where(_picker(c, x), 0, g).astype(np.result_type(g)),
    ),
))
