"""More reductions, as TensorFlow 1 computes and differentiates them: reduce_max, reduce_min,
reduce_prod, reduce_logsumexp (``axis`` and ``keepdims`` as reduce_sum's), argmax and argmin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import shapes
from ..registry import Attr, OpDef, Shape, not_differentiable, register
from ..tensors import Value
from . import attrs

Axes = int | Sequence[int] | None
"""A reduction's ``axis``: one axis, several, or ``None`` for all."""


def kept_shape(shape: tuple[int, ...], axis: Axes) -> tuple[int, ...]:
    """``shape`` with the reduced axes kept, as size 1 (the shape of a keepdims result)."""
    axes = shapes.normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _register(type: str, compute: Callable[..., Value], symbol: str, doc: str,
              gradient: Callable[..., Value]) -> None:
    register(OpDef(
        type=type, inputs=("x",), compute=compute, shape=shapes.reduce, category="Reduction",
        symbol=symbol, doc=doc, gradient=(gradient,),
        attrs={
            "axis": Attr(None, attrs.axes, "axis or axes to reduce; None for all"),
            "keepdims": Attr(False, attrs.boolean, "keep reduced axes with size 1"),
        },
    ))


def _identity(dtype: np.dtype[Any], largest: bool) -> Any:
    """What TensorFlow's reduce_max (``largest``) or reduce_min gives over no elements: the
    lowest (highest) value of the dtype, where numpy raises."""
    if dtype.kind in "iu":
        limits = np.iinfo(dtype)
        return limits.min if largest else limits.max
    if dtype.kind == "b":
        return not largest
    return -np.inf if largest else np.inf


def _extreme(ufunc: np.ufunc, largest: bool) -> Callable[..., Value]:
    def compute(x: Value, axis: Axes = None, keepdims: bool = False) -> Value:
        x = np.asarray(x)
        if x.size:
            return ufunc.reduce(x, axis=axis, keepdims=keepdims)
        return ufunc.reduce(x, axis=axis, keepdims=keepdims, initial=_identity(x.dtype, largest))

    return compute


def _extreme_grad(g: Value, out: Value, x: Value, axis: Axes = None,
                  keepdims: bool = False) -> Value:
    # Split evenly between the elements that tie for the extreme, as TensorFlow does.
    x = np.asarray(x)
    shape = kept_shape(x.shape, axis)
    grad = np.equal(x, np.reshape(out, shape)).astype(np.result_type(g))
    count = np.add.reduce(grad, axis=shapes.normalize_axes(axis, x.ndim), keepdims=True)
    grad *= np.reshape(g, shape) / count
    return grad


_register("reduce_max", _extreme(np.maximum, True), "max", "Maximum over axes.",
          _extreme_grad)
_register("reduce_min", _extreme(np.minimum, False), "min", "Minimum over axes.",
          _extreme_grad)


def reduce_prod(x: Value, axis: Axes = None, keepdims: bool = False) -> Value:
    return np.prod(x, axis=axis, keepdims=keepdims)


def _reduce_prod_grad(g: Value, out: Value, x: Value, axis: Axes = None,
                      keepdims: bool = False) -> Value:
    # The product of the others, as exclusive products from the left and from the right (no
    # division: exact where x holds zeros), as TensorFlow computes it.
    x = np.asarray(x)
    axes = shapes.normalize_axes(axis, x.ndim)
    order = (*axes, *(i for i in range(x.ndim) if i not in axes))
    moved = np.transpose(x, order)
    flat = moved.reshape(-1, *moved.shape[len(axes):])
    left = np.ones_like(flat)
    right = np.ones_like(flat)
    if len(flat) > 1:
        np.cumprod(flat[:-1], axis=0, out=left[1:])
        right[:-1] = np.cumprod(flat[:0:-1], axis=0)[::-1]
    others = np.transpose((left * right).reshape(moved.shape), np.argsort(order))
    return others * np.reshape(g, kept_shape(x.shape, axis))


_register("reduce_prod", reduce_prod, "Π", "Product over axes.", _reduce_prod_grad)


def reduce_logsumexp(x: Value, axis: Axes = None, keepdims: bool = False) -> Value:
    """log(Σ exp(x)) over axes, shifted by the maximum so that exp cannot overflow."""
    x = np.asarray(x)
    top = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros(kept_shape(x.shape, axis),
                                                                      x.dtype)
    top = np.where(np.isfinite(top), top, 0)  # as TensorFlow: all −inf gives −inf, not nan
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.reshape(out, shapes.reduce(x.shape, axis, False))


def _reduce_logsumexp_grad(g: Value, out: Value, x: Value, axis: Axes = None,
                           keepdims: bool = False) -> Value:
    shape = kept_shape(np.shape(x), axis)
    grad = np.exp(np.subtract(x, np.reshape(out, shape)))  # softmax over the axes
    grad *= np.reshape(g, shape)
    return grad


_register("reduce_logsumexp", reduce_logsumexp, "logΣexp",
          "log(Σ exp(x)) over axes, computed without overflow.", _reduce_logsumexp_grad)


# ---- argmax, argmin -------------------------------------------------------------------------


def _axis(value: Any) -> int:
    """An axis; ``None`` is axis 0, as in TensorFlow 1."""
    return 0 if value is None else attrs.integer(value)


def _arg_shape(x: Shape, axis: int = 0, output_type: str = "int64") -> Shape:
    return shapes.reduce(x, axis, False)


def _arg(function: Callable[..., Value]) -> Callable[..., Value]:
    def compute(x: Value, axis: int = 0, output_type: str = "int64") -> Value:
        return np.asarray(function(x, axis=axis)).astype(output_type)

    return compute


for _type, _function, _which in (("argmax", np.argmax, "largest"),
                                 ("argmin", np.argmin, "smallest")):
    register(OpDef(
        type=_type, inputs=("x",), compute=_arg(_function), shape=_arg_shape,
        category="Reduction", symbol=_type,
        doc=f"The index of the {_which} value along an axis (the first of ties), as int64.",
        gradient=(not_differentiable,),
        attrs={
            "axis": Attr(0, _axis, "the axis to search (0, or None, by default, as in "
                                   "TensorFlow 1)"),
            "output_type": Attr("int64", attrs.choice("int64", "int32"),
                                "the index's dtype"),
        },
    ))
