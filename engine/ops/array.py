"""Linear algebra, reductions and reshaping."""

from __future__ import annotations

import math

import numpy as np

from .. import shapes
from ..registry import Attr, OpDef, Shape, register
from ..tensors import format_shape
from . import attrs


def _matmul_shape(a: Shape, b: Shape) -> Shape:
    if a is None or b is None:
        return None
    if not a or not b:
        raise ValueError("matmul needs inputs of rank ≥ 1")
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] is not None and b2[-2] is not None and a2[-1] != b2[-2]:
        raise ValueError(f"shapes {format_shape(a)} and {format_shape(b)} not aligned")
    batch = shapes.broadcast(a2[:-2], b2[:-2])
    rows = a2[-2:-1] if len(a) > 1 else ()  # a vector operand loses its added axis
    cols = b2[-1:] if len(b) > 1 else ()
    return (*batch, *rows, *cols)  # type: ignore[misc]


register(OpDef(
    type="matmul", inputs=("a", "b"), compute=np.matmul, shape=_matmul_shape,
    category="Linear algebra", symbol="@", doc="Matrix product a · b (numpy matmul rules).",
))


def _reduction(type: str, compute, symbol: str, doc: str) -> None:
    register(OpDef(
        type=type, inputs=("x",), compute=compute, shape=shapes.reduce,
        category="Reduction", symbol=symbol, doc=doc,
        attrs={
            "axis": Attr(None, attrs.axes, "axis or axes to reduce; null for all"),
            "keepdims": Attr(False, attrs.boolean, "keep reduced axes with size 1"),
        },
    ))


def reduce_sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def reduce_mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


_reduction("reduce_sum", reduce_sum, "Σ", "Sum over axes.")
_reduction("reduce_mean", reduce_mean, "mean", "Mean over axes.")


def _transpose_shape(x: Shape, axes=None) -> Shape:
    if x is None:
        return None
    if axes is None:
        return x[::-1]
    if len(axes) != len(x):
        raise ValueError(f"axes {list(axes)} do not fit a tensor of shape {format_shape(x)}")
    return tuple(x[a] for a in axes)


register(OpDef(
    type="transpose", inputs=("x",), compute=np.transpose, shape=_transpose_shape,
    category="Array", symbol="ᵀ", doc="Permute the axes (reverse them by default).",
    attrs={"axes": Attr(None, attrs.permutation, "the new order of the axes; null reverses")},
))


def _reshape_shape(x: Shape, shape: tuple[int, ...] = ()) -> Shape:
    if x is None or None in x:
        return tuple(None if d == -1 else d for d in shape)
    size = math.prod(x)  # type: ignore[arg-type]
    known = math.prod(d for d in shape if d != -1)
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape {format_shape(x)} to {list(shape)}")
        return tuple(size // known if d == -1 else d for d in shape)
    if known != size:
        raise ValueError(f"cannot reshape {format_shape(x)} ({size} elements) to {list(shape)}")
    return shape


def reshape(x, shape=()):
    return np.reshape(x, shape)


register(OpDef(
    type="reshape", inputs=("x",), compute=reshape, shape=_reshape_shape,
    category="Array", symbol="reshape", doc="The same elements in a new shape.",
    attrs={"shape": Attr((), attrs.new_shape, "the new sizes; one may be -1")},
))
