"""Element-wise arithmetic with numpy broadcasting, and the gradient rules of each op."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import shapes
from ..registry import LOGARITHM, NEGATION, PRODUCT, OpDef, register
from ..tensors import Value

SUM_BY_PRODUCT = 4096
"""Matrices of up to this many rows sum their columns as a product with a row of ones (BLAS
does it several times faster than numpy's reduction for small ones; the row is cached; ``dot``
rather than ``@``: the same product without matmul's dispatch)."""


@functools.lru_cache(maxsize=64)
def filled(shape: tuple[int, ...], dtype: np.dtype[Any], value: float) -> np.ndarray:
    """A cached read-only array of ``value``: a matrix times a column of ones sums its rows."""
    array = np.full(shape, value, dtype)
    array.flags.writeable = False
    return array


def unbroadcast(grad: Value, shape: tuple[int, ...]) -> Value:
    """``grad`` summed over the dimensions that broadcasting added to a tensor of ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        if extra == 1 and grad.ndim == 2 and grad.dtype.kind == "f" and (
            len(grad) <= SUM_BY_PRODUCT
        ):
            grad = filled((len(grad),), grad.dtype, 1).dot(grad)  # a bias's gradient
        else:
            grad = np.add.reduce(grad, axis=tuple(range(extra)))
        if grad.shape == shape:  # only leading axes were added
            return grad
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and grad.shape[i] != 1)
    if axes:
        grad = np.add.reduce(grad, axis=axes, keepdims=True)
    return grad


# The rules read an operand's shape with getattr(x, "shape", ()): it is np.shape for the
# arrays, numpy scalars and Python numbers a run holds, without np.shape's dispatch (these rules
# run on every training step).


def _elementwise(type: str, compute: Callable[..., Value], symbol: str, doc: str,
                 gradient: tuple[Callable[..., Value], ...], operator: str | None = None,
                 role: str | None = None) -> None:
    register(OpDef(
        type=type, inputs=("x", "y")[:len(gradient)], compute=compute, symbol=symbol, doc=doc,
        shape=shapes.broadcast if len(gradient) == 2 else shapes.same, category="Math",
        gradient=gradient, operator=operator, roles=frozenset({role} if role else ()),
    ))


_elementwise("add", np.add, "+", "Element-wise x + y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g, getattr(x, "shape", ())),
    lambda g, out, x, y: unbroadcast(g, getattr(y, "shape", ())),
), operator="+")
_elementwise("subtract", np.subtract, "−", "Element-wise x − y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g, getattr(x, "shape", ())),
    lambda g, out, x, y: unbroadcast(-g, getattr(y, "shape", ())),
), operator="-")
_elementwise("multiply", np.multiply, "×", "Element-wise x · y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g * y, getattr(x, "shape", ())),
    lambda g, out, x, y: unbroadcast(g * x, getattr(y, "shape", ())),
), operator="*", role=PRODUCT)
_elementwise("divide", np.true_divide, "÷", "Element-wise x / y, with broadcasting.", (
    lambda g, out, x, y: unbroadcast(g / y, getattr(x, "shape", ())),
    lambda g, out, x, y: unbroadcast(-g * out / y, getattr(y, "shape", ())),
), operator="/")
_elementwise("negative", np.negative, "−x", "Element-wise −x.", (
    lambda g, out, x: -g,
), operator="neg", role=NEGATION)
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
), role=LOGARITHM)
