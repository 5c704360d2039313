"""Element-wise arithmetic with numpy broadcasting, and the gradient rules of each op."""

from __future__ import annotations

import numpy as np

from .. import shapes
from ..registry import OpDef, register


def unbroadcast(grad, shape: tuple[int, ...]):
    """``grad`` summed over the dimensions that broadcasting added to a tensor of ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = np.add.reduce(grad, axis=tuple(range(extra)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and grad.shape[i] != 1)
    if axes:
        grad = np.add.reduce(grad, axis=axes, keepdims=True)
    return grad


def _elementwise(type: str, compute, symbol: str, doc: str, gradient: tuple) -> None:
    register(OpDef(
        type=type, inputs=("x", "y")[:len(gradient)], compute=compute, symbol=symbol, doc=doc,
        shape=shapes.broadcast if len(gradient) == 2 else shapes.same, category="Math",
        gradient=gradient,
    ))


_elementwise("add", np.add, "+", "Element-wise x + y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g, np.shape(x)),
    lambda g, out, x, y: unbroadcast(g, np.shape(y)),
))
_elementwise("subtract", np.subtract, "−", "Element-wise x − y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g, np.shape(x)),
    lambda g, out, x, y: unbroadcast(-g, np.shape(y)),
))
_elementwise("multiply", np.multiply, "×", "Element-wise x · y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g * y, np.shape(x)),
    lambda g, out, x, y: unbroadcast(g * x, np.shape(y)),
))
_elementwise("divide", np.true_divide, "÷", "Element-wise x / y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g / y, np.shape(x)),
    lambda g, out, x, y: unbroadcast(-g * out / y, np.shape(y)),
))
_elementwise("negative", np.negative, "−x", "Element-wise −x.", (
    lambda g, out, x: -g,
))
_elementwise("square", np.square, "x²", "Element-wise x².", (
    lambda g, out, x: 2 * x * g,
))
_elementwise("sqrt", np.sqrt, "√", "Element-wise square root.", (
    lambda g, out, x: g / (2 * out),
))
_elementwise("exp", np.exp, "eˣ", "Element-wise eˣ.", (
    lambda g, out, x: g * out,
))
_elementwise("log", np.log, "ln", "Element-wise natural logarithm.", (
    lambda g, out, x: g / x,
))
