"""More element-wise arithmetic, as TensorFlow 1 computes and differentiates it: maximum,
minimum, abs, pow, sign, reciprocal, rsqrt, squared_difference and clip_by_value."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import shapes
from ..registry import OpDef, Shape, register
from ..tensors import Value, format_shape
from .math import unbroadcast


def shape_of(x: Value) -> tuple[int, ...]:
    """An operand's shape (``()`` for a Python number)."""
    return getattr(x, "shape", ())


def register_elementwise(type: str, inputs: tuple[str, ...], compute: Callable[..., Value],
                         symbol: str, doc: str, gradient: tuple[Callable[..., Value], ...],
                         category: str = "Math", operator: str | None = None) -> None:
    """Register an element-wise op: one input keeps its shape, several broadcast."""
    register(OpDef(
        type=type, inputs=inputs, compute=compute, symbol=symbol, doc=doc,
        shape=shapes.same if len(inputs) == 1 else shapes.broadcast, category=category,
        gradient=gradient, operator=operator,
    ))


def _masked(g: Value, mask: Value, x: Value) -> Value:
    """``g`` where ``mask`` holds, else 0, reduced to the shape of ``x``."""
    return unbroadcast(np.where(mask, g, 0).astype(np.result_type(g), copy=False), shape_of(x))


# TensorFlow sends the gradient of maximum (minimum) on a tie to its first input.
register_elementwise("maximum", ("x", "y"), np.maximum, "max",
                     "Element-wise larger of x and y, with broadcasting.", (
                         lambda g, out, x, y: _masked(g, np.greater_equal(x, y), x),
                         lambda g, out, x, y: _masked(g, np.less(x, y), y),
                     ))
register_elementwise("minimum", ("x", "y"), np.minimum, "min",
                     "Element-wise smaller of x and y, with broadcasting.", (
                         lambda g, out, x, y: _masked(g, np.less_equal(x, y), x),
                         lambda g, out, x, y: _masked(g, np.greater(x, y), y),
                     ))
register_elementwise("abs", ("x",), np.abs, "|x|", "Element-wise absolute value |x|.", (
    lambda g, out, x: g * np.sign(x),  # 0 at 0, as TensorFlow's
), operator="abs()")


def _pow_grad_y(g: Value, out: Value, x: Value, y: Value) -> Value:
    # log x where x > 0, else 0 (TensorFlow's choice: no false singularity at x = 0)
    log_x = np.log(np.where(np.greater(x, 0), x, 1))
    return unbroadcast(g * out * log_x, shape_of(y))


register_elementwise("pow", ("x", "y"), np.power, "xʸ",
                     "Element-wise power xʸ, with broadcasting.", (
                         lambda g, out, x, y: unbroadcast(g * y * np.power(x, y - 1), shape_of(x)),
                         _pow_grad_y,
                     ), operator="**")
register_elementwise("sign", ("x",), np.sign, "sign", "Element-wise sign: −1, 0 or 1.", (
    lambda g, out, x: np.zeros(shape_of(x), np.result_type(g)),  # zero, as TensorFlow's
))
register_elementwise("reciprocal", ("x",), np.reciprocal, "1/x", "Element-wise 1 / x.", (
    lambda g, out, x: -g * out * out,
))


def rsqrt(x: Value) -> Value:
    root = np.sqrt(x)
    # (1 / root, as reciprocal computes it: numpy's reciprocal is not vectorised)
    return np.divide(1.0, root, out=root) if isinstance(root, np.ndarray) else 1 / root


register_elementwise("rsqrt", ("x",), rsqrt, "1/√x", "Element-wise 1 / √x.", (
    lambda g, out, x: -0.5 * g * out * out * out,
))


def squared_difference(x: Value, y: Value) -> Value:
    d = np.subtract(x, y)
    return np.multiply(d, d, out=d) if isinstance(d, np.ndarray) else d * d


register_elementwise("squared_difference", ("x", "y"), squared_difference, "(x−y)²",
                     "Element-wise (x − y)², with broadcasting.", (
                         lambda g, out, x, y: unbroadcast(2 * g * np.subtract(x, y), shape_of(x)),
                         lambda g, out, x, y: unbroadcast(2 * g * np.subtract(y, x), shape_of(y)),
                     ))


# ---- clip_by_value --------------------------------------------------------------------------
# As in TensorFlow: maximum(minimum(t, max), min); the bounds broadcast to t's shape, never t
# to theirs; on a tie the gradient goes to t.


def _clip_shape(t: Shape, low: Shape, high: Shape) -> Shape:
    joint = shapes.broadcast(t, low, high)
    if t is None or joint is None:
        return t
    if len(joint) != len(t) or any(a is not None and b is not None and a != b
                                   for a, b in zip(t, joint, strict=True)):
        raise ValueError(f"the bounds (shapes {format_shape(low)}, {format_shape(high)}) would "
                         f"broadcast t of shape {format_shape(t)} to {format_shape(joint)}: "
                         "they must fit t's shape")
    return tuple(a if a is not None else b for a, b in zip(t, joint, strict=True))


def clip_by_value(t: Value, clip_value_min: Value, clip_value_max: Value) -> Value:
    out = np.maximum(np.minimum(t, clip_value_max), clip_value_min)
    if np.shape(out) != np.shape(t):
        raise ValueError(f"the bounds (shapes {format_shape(np.shape(clip_value_min))}, "
                         f"{format_shape(np.shape(clip_value_max))}) would broadcast t of "
                         f"shape {format_shape(np.shape(t))}: they must fit t's shape")
    return out


def _clip_masks(t: Value, low: Value, high: Value) -> tuple[Value, Value]:
    """Where t is below min(t, high)'s clip at ``low``, and where t is above ``high``."""
    below = np.less(np.minimum(t, high), low)
    above = np.greater(t, high)
    return below, above


def _clip_grad_t(g: Value, out: Value, t: Value, low: Value, high: Value) -> Value:
    below, above = _clip_masks(t, low, high)
    return _masked(g, ~(below | above), t)


def _clip_grad_low(g: Value, out: Value, t: Value, low: Value, high: Value) -> Value:
    below, _ = _clip_masks(t, low, high)
    return _masked(g, below, low)


def _clip_grad_high(g: Value, out: Value, t: Value, low: Value, high: Value) -> Value:
    below, above = _clip_masks(t, low, high)
    return _masked(g, above & ~below, high)


register(OpDef(
    type="clip_by_value", inputs=("t", "clip_value_min", "clip_value_max"),
    compute=clip_by_value, shape=_clip_shape, category="Math", symbol="clip",
    doc="t clipped to [clip_value_min, clip_value_max], element-wise (the bounds broadcast to "
        "t's shape).",
    gradient=(_clip_grad_t, _clip_grad_low, _clip_grad_high),
))
