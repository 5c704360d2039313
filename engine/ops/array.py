"""Linear algebra, reductions and reshaping."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import shapes
from ..registry import MEAN, SUM, Attr, OpDef, Shape, register
from ..tensors import Value, format_shape
from . import attrs
from .math import unbroadcast

Axes = int | Sequence[int] | None
"""A reduction's ``axis``: one axis, several, or ``None`` for all."""


def _swap(x: Value, swap: bool) -> Value:
    """``x`` with its last two axes swapped if ``swap`` (for transpose_a / transpose_b)."""
    if not swap:
        return x
    if np.ndim(x) < 2:
        raise ValueError(f"cannot transpose the last two axes of a tensor of rank {np.ndim(x)}")
    return np.swapaxes(x, -1, -2)


def matmul(a: Value, b: Value, transpose_a: bool = False, transpose_b: bool = False) -> Value:
    if transpose_a or transpose_b:
        return np.matmul(_swap(a, transpose_a), _swap(b, transpose_b))
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 == b.ndim:
        return a.dot(b)  # matmul's product of matrices, without its dispatch (≈ 1 µs)
    return np.matmul(a, b)


def _swapped_shape(x: Shape, swap: bool) -> Shape:
    if x is None or not swap:
        return x
    if len(x) < 2:
        raise ValueError(f"cannot transpose the last two axes of a tensor of rank {len(x)}")
    return (*x[:-2], x[-1], x[-2])


def _matmul_shape(a: Shape, b: Shape, transpose_a: bool = False,
                  transpose_b: bool = False) -> Shape:
    a, b = _swapped_shape(a, transpose_a), _swapped_shape(b, transpose_b)
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


def _matmul_grads(g: Value, a: Value, b: Value) -> tuple[Value, Value, Value]:
    """Gradients of a @ b for both inputs, with vectors promoted to matrices and batch
    dimensions reduced as broadcasting requires."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = np.reshape(g, np.shape(g)[:-1] + (1,) + np.shape(g)[-1:]) if a.ndim == 1 else g
    g2 = g2[..., None] if b.ndim == 1 else g2
    return g2, a2, b2


def _grad_a(g: Value, a: Value, b: Value) -> Value:
    """d (a @ b) / da, without transposes."""
    if a.ndim == 2 and b.ndim == 2:
        return g.dot(b.T)  # (as matmul computes it, without its dispatch)
    g2, a2, b2 = _matmul_grads(g, a, b)
    return np.reshape(unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape), a.shape)


def _grad_b(g: Value, a: Value, b: Value) -> Value:
    """d (a @ b) / db, without transposes."""
    if a.ndim == 2 and b.ndim == 2:
        return a.T.dot(g)
    g2, a2, b2 = _matmul_grads(g, a, b)
    return np.reshape(unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape), b.shape)


def _matmul_grad_a(g: Value, out: Value, a: Value, b: Value, transpose_a: bool = False,
                   transpose_b: bool = False) -> Value:
    if not (transpose_a or transpose_b):
        return _grad_a(g, a, b)
    return _swap(_grad_a(g, _swap(a, transpose_a), _swap(b, transpose_b)), transpose_a)


def _matmul_grad_b(g: Value, out: Value, a: Value, b: Value, transpose_a: bool = False,
                   transpose_b: bool = False) -> Value:
    if not (transpose_a or transpose_b):
        return _grad_b(g, a, b)
    return _swap(_grad_b(g, _swap(a, transpose_a), _swap(b, transpose_b)), transpose_b)


register(OpDef(
    type="matmul", inputs=("a", "b"), compute=matmul, shape=_matmul_shape,
    category="Linear algebra", symbol="@",
    doc="Matrix product a · b (numpy matmul rules: batched over leading axes).",
    gradient=(_matmul_grad_a, _matmul_grad_b), operator="@",
    attrs={
        "transpose_a": Attr(False, attrs.boolean, "swap a's last two axes first"),
        "transpose_b": Attr(False, attrs.boolean, "swap b's last two axes first"),
    },
))


def _reduction(type: str, compute: Callable[..., Value], symbol: str, doc: str,
               gradient: Callable[..., Value], roles: frozenset[str] = frozenset()) -> None:
    register(OpDef(
        type=type, inputs=("x",), compute=compute, shape=shapes.reduce,
        category="Reduction", symbol=symbol, doc=doc, gradient=(gradient,), roles=roles,
        attrs={
            "axis": Attr(None, attrs.axes, "axis or axes to reduce; None for all"),
            "keepdims": Attr(False, attrs.boolean, "keep reduced axes with size 1"),
        },
    ))


def reduce_sum(x: Value, axis: Axes = None, keepdims: bool = False) -> Value:
    if type(x) is np.ndarray:  # what np.sum calls, without its dispatch (a training step's)
        return np.add.reduce(x, axis=axis, keepdims=keepdims)  # type: ignore[call-overload]
    return np.sum(x, axis=axis, keepdims=keepdims)


def reduce_mean(x: Value, axis: Axes = None, keepdims: bool = False) -> Value:
    x = np.asarray(x)  # (a Python number, too)
    if x.dtype.kind != "f":  # integers: numpy's mean accumulates in float64
        return np.mean(x, axis=axis, keepdims=keepdims)
    # (numpy's stubs take keepdims only as a literal True or False)
    total = np.add.reduce(x, axis=axis, keepdims=keepdims)  # type: ignore[call-overload]
    return total / (x.size // total.size if total.size else 0)


@functools.lru_cache(maxsize=256)
def _kept_shape(axis: int | tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axis`` kept as 1 (the same on every training step: cached)."""
    axes = shapes.normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _spread(g: Value, x: Value, axis: Axes, keepdims: bool) -> np.ndarray:
    """A reduction's output gradient ``g`` repeated over the reduced axes of ``x``."""
    shape = getattr(x, "shape", ())  # np.shape, without its dispatch
    if not keepdims and axis is not None:
        kept = _kept_shape(axis if isinstance(axis, int) else tuple(axis), shape)
        # (an array's or numpy scalar's own reshape: np.reshape's dispatch costs more)
        g = g.reshape(kept) if isinstance(g, (np.ndarray, np.generic)) else np.reshape(g, kept)
    out = np.empty(shape, getattr(g, "dtype", None))  # (None: float64, for a Python number)
    out[...] = g
    return out


def _reduce_sum_grad(g: Value, out: Value, x: Value, axis: Axes = None,
                     keepdims: bool = False) -> Value:
    return _spread(g, x, axis, keepdims)


def _reduce_mean_grad(g: Value, out: Value, x: Value, axis: Axes = None,
                      keepdims: bool = False) -> Value:
    grad = _spread(g, x, axis, keepdims)
    count = grad.size // max(np.size(out), 1)
    if count and grad.dtype.kind in "fc":
        grad /= count  # in place: the spread array is new
    elif count:
        grad = grad / count
    return grad


_reduction("reduce_sum", reduce_sum, "Σ", "Sum over axes.", _reduce_sum_grad, frozenset({SUM}))
_reduction("reduce_mean", reduce_mean, "mean", "Mean over axes.", _reduce_mean_grad,
           frozenset({MEAN}))


def _transpose_shape(x: Shape, axes: tuple[int, ...] | None = None) -> Shape:
    if x is None:
        return None
    if axes is None:
        return x[::-1]
    if len(axes) != len(x):
        raise ValueError(f"axes {list(axes)} do not fit a tensor of shape {format_shape(x)}")
    return tuple(x[a] for a in axes)


def _transpose_grad(g: Value, out: Value, x: Value, axes: tuple[int, ...] | None = None
                    ) -> Value:
    return np.transpose(g, None if axes is None else np.argsort(axes))


register(OpDef(
    type="transpose", inputs=("x",), compute=np.transpose, shape=_transpose_shape,
    category="Array", symbol="ᵀ", doc="Permute the axes (reverse them by default).",
    gradient=(_transpose_grad,),
    attrs={"axes": Attr(None, attrs.permutation, "the new order of the axes; None reverses")},
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


def reshape(x: Value, shape: tuple[int, ...] = ()) -> Value:
    return np.reshape(x, shape)


def _reshape_grad(g: Value, out: Value, x: Value, shape: tuple[int, ...] = ()) -> Value:
    return np.reshape(g, np.shape(x))


register(OpDef(
    type="reshape", inputs=("x",), compute=reshape, shape=_reshape_shape,
    category="Array", symbol="reshape", doc="The same elements in a new shape.",
    gradient=(_reshape_grad,),
    attrs={"shape": Attr((), attrs.new_shape, "the new sizes; one may be -1")},
))
