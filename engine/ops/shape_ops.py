"""Types and arrays, as in TensorFlow 1: cast, concat, stack, unstack, expand_dims, squeeze,
gather, slice, tile, one_hot, zeros_like, ones_like, identity, stop_gradient, tensordot.

An op has a fixed set of input ports and one output, so TensorFlow's list-taking ops are
built from two-port ones: ``concat`` and ``stack`` join two tensors (``engine.compat_v1``
folds a list of any length into them), and ``unstack`` gives the one tensor ``index`` of the
list TensorFlow's would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import shapes
from ..registry import Attr, OpDef, Shape, register
from ..tensors import Value, format_shape, parse_dtype
from . import attrs

ARRAY = "Array"


# ---- attribute parsers ----------------------------------------------------------------------


def dtype_name(value: Any) -> str:
    """A dtype, by name (``float32``) or as numpy's."""
    name = parse_dtype(value)
    if name is None:
        raise ValueError("expected a dtype")
    return name


def sizes(value: Any) -> tuple[int, ...]:
    """A list of integers."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list of integers, got {value!r}")
    return tuple(attrs.integer(v) for v in value)


def count(value: Any) -> int:
    """An integer ≥ 0."""
    n = attrs.integer(value)
    if n < 0:
        raise ValueError(f"expected an integer ≥ 0, got {n}")
    return n


def contraction(value: Any) -> int | tuple[tuple[int, ...], tuple[int, ...]]:
    """``n`` (a's last n axes with b's first n) or a pair of axis lists."""
    if isinstance(value, int) and not isinstance(value, bool):
        return count(value)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        a, b = (sizes([v] if isinstance(v, int) else v) for v in value)
        if len(a) != len(b):
            raise ValueError(f"{list(a)} and {list(b)} pair different numbers of axes")
        return a, b
    raise ValueError(f"expected a number of axes or two lists of axes, got {value!r}")


# ---- helpers --------------------------------------------------------------------------------


def _axis(axis: int, rank: int) -> int:
    """``axis`` of a tensor of ``rank`` as a non-negative index."""
    return shapes.normalize_axes(axis, rank)[0]


def _zeros(x: Value) -> np.ndarray:
    """A zero gradient for ``x``: of its dtype if it is a float one, else float64."""
    dtype = getattr(x, "dtype", None)
    return np.zeros(np.shape(x), dtype if dtype is not None and dtype.kind in "fc" else float)


def _same(x: Shape, **_: Any) -> Shape:
    return x


def _register(type: str, compute: Any, shape: Any, gradient: tuple[Any, ...], doc: str,
              symbol: str, inputs: tuple[str, ...] = ("x",), category: str = ARRAY,
              **attributes: Attr) -> OpDef:
    return register(OpDef(type=type, inputs=inputs, compute=compute, shape=shape,
                          gradient=gradient, category=category, doc=doc, symbol=symbol,
                          attrs=attributes))


# ---- cast, identity, stop_gradient, zeros_like, ones_like ------------------------------------


def cast(x: Value, dtype: str = "float32") -> Value:
    return np.asarray(x).astype(dtype)


def _cast_grad(g: Value, out: Value, x: Value, dtype: str = "float32") -> Value:
    # TensorFlow passes the gradient back between float (or complex) types, else none (zero).
    source = np.asarray(x).dtype
    if source.kind in "fc" and np.dtype(dtype).kind in "fc":
        return np.asarray(g).astype(source)
    return _zeros(x)


CAST = _register("cast", cast, _same, (_cast_grad,), symbol="cast",
                 doc="x converted to another dtype (floats to integers round toward zero).",
                 dtype=Attr("float32", dtype_name, "the new dtype"))


def identity(x: Value) -> Value:
    return x


IDENTITY = _register("identity", identity, shapes.same, (lambda g, out, x: g,), symbol="id",
                     doc="x itself.")


def _no_gradient(g: Value, out: Value, x: Value, **_: Any) -> Value:
    return _zeros(x)


_register("stop_gradient", identity, shapes.same, (_no_gradient,), symbol="stop",
          doc="x itself, with gradient zero: backpropagation stops here.")


def zeros_like(x: Value) -> Value:
    return np.zeros_like(x)


def ones_like(x: Value) -> Value:
    return np.ones_like(x)


ZEROS_LIKE = _register("zeros_like", zeros_like, shapes.same, (_no_gradient,), symbol="0",
                       doc="Zeros of x's shape and dtype.")
ONES_LIKE = _register("ones_like", ones_like, shapes.same, (_no_gradient,), symbol="1",
                      doc="Ones of x's shape and dtype.")


# ---- concat, stack, unstack -------------------------------------------------------------------


def concat(a: Value, b: Value, axis: int = 0) -> Value:
    return np.concatenate([a, b], axis=axis)


def _concat_shape(a: Shape, b: Shape, axis: int = 0) -> Shape:
    if a is None or b is None:
        return None
    if len(a) != len(b):
        raise ValueError(f"shapes {format_shape(a)} and {format_shape(b)} differ in rank")
    if not a:
        raise ValueError("cannot concatenate scalars: stack them")
    k = _axis(axis, len(a))
    out: list[int | None] = []
    for i, (m, n) in enumerate(zip(a, b, strict=True)):
        if i == k:
            out.append(None if m is None or n is None else m + n)
        elif m is not None and n is not None and m != n:
            raise ValueError(f"shapes {format_shape(a)} and {format_shape(b)} differ off "
                             f"axis {axis}")
        else:
            out.append(n if m is None else m)
    return tuple(out)


def _concat_grad(first: bool) -> Any:
    def rule(g: Value, out: Value, a: Value, b: Value, axis: int = 0) -> Value:
        k = _axis(axis, np.ndim(a))
        head, tail = np.split(g, [np.shape(a)[k]], axis=k)
        return head if first else tail
    return rule


CONCAT = _register("concat", concat, _concat_shape, (_concat_grad(True), _concat_grad(False)),
                   symbol="concat", inputs=("a", "b"),
                   doc="a and b joined along an existing axis.",
                   axis=Attr(0, attrs.integer, "the axis to join along"))


def stack(a: Value, b: Value, axis: int = 0) -> Value:
    return np.stack([a, b], axis=axis)


def _stack_shape(a: Shape, b: Shape, axis: int = 0) -> Shape:
    if a is None or b is None:
        return None if a is None and b is None else _stack_shape(*(a or b,) * 2, axis=axis)
    joined = _concat_shape((1, *a), (1, *b), 0)  # checks a and b fit
    assert joined is not None
    k = _axis(axis, len(a) + 1)
    return (*joined[1:k + 1], 2, *joined[k + 1:])


def _stack_grad(index: int) -> Any:
    def rule(g: Value, out: Value, a: Value, b: Value, axis: int = 0) -> Value:
        return np.take(g, index, axis=_axis(axis, np.ndim(g)))
    return rule


STACK = _register("stack", stack, _stack_shape, (_stack_grad(0), _stack_grad(1)), symbol="stack",
                  inputs=("a", "b"), doc="a and b (of one shape) stacked along a new axis.",
                  axis=Attr(0, attrs.integer, "where the new axis goes"))


def unstack(x: Value, index: int = 0, axis: int = 0) -> Value:
    x = np.asarray(x)
    k = _axis(axis, x.ndim)
    if not 0 <= index < x.shape[k]:
        raise ValueError(f"index {index} is out of range for axis {axis} of size {x.shape[k]}")
    return np.take(x, index, axis=k)


def _unstack_shape(x: Shape, index: int = 0, axis: int = 0) -> Shape:
    if x is None:
        return None
    k = _axis(axis, len(x))
    if index < 0 or x[k] is not None and index >= x[k]:  # type: ignore[operator]
        raise ValueError(f"index {index} is out of range for axis {axis} of size {x[k]}")
    return x[:k] + x[k + 1:]


def _unstack_grad(g: Value, out: Value, x: Value, index: int = 0, axis: int = 0) -> Value:
    grad = np.zeros(np.shape(x), np.result_type(g))
    k = _axis(axis, np.ndim(x))
    grad[(slice(None),) * k + (index,)] = g
    return grad


UNSTACK = _register("unstack", unstack, _unstack_shape, (_unstack_grad,), symbol="unstack",
                    doc="Tensor number index of tf.unstack's list: x at index along axis.",
                    index=Attr(0, attrs.integer, "which of the unstacked tensors"),
                    axis=Attr(0, attrs.integer, "the axis to unstack along"))


# ---- expand_dims, squeeze ---------------------------------------------------------------------


def _like_input(g: Value, out: Value, x: Value, **_: Any) -> Value:
    return np.reshape(g, np.shape(x))


def expand_dims(x: Value, axis: int = 0) -> Value:
    return np.expand_dims(x, axis)


def _expand_dims_shape(x: Shape, axis: int = 0) -> Shape:
    if x is None:
        return None
    k = _axis(axis, len(x) + 1)
    return (*x[:k], 1, *x[k:])


EXPAND_DIMS = _register("expand_dims", expand_dims, _expand_dims_shape, (_like_input,),
                        symbol="+axis", doc="x with a new axis of size 1 inserted at axis.",
                        axis=Attr(0, attrs.integer, "where the new axis goes (−1: last)"))


def squeeze(x: Value, axis: int | tuple[int, ...] | None = None) -> Value:
    x = np.asarray(x)
    if axis is not None:
        for k in shapes.normalize_axes(axis, x.ndim):
            if x.shape[k] != 1:
                raise ValueError(f"cannot squeeze axis {k} of size {x.shape[k]}")
    return np.squeeze(x, axis)


def _squeeze_shape(x: Shape, axis: int | tuple[int, ...] | None = None) -> Shape:
    if x is None:
        return None
    if axis is None:
        if None in x:
            return None  # an unknown size may be 1
        return tuple(d for d in x if d != 1)
    ks = shapes.normalize_axes(axis, len(x))
    for k in ks:
        if x[k] not in (1, None):
            raise ValueError(f"cannot squeeze axis {k} of size {x[k]}")
    return tuple(d for i, d in enumerate(x) if i not in ks)


_register("squeeze", squeeze, _squeeze_shape, (_like_input,), symbol="squeeze",
          doc="x without axes of size 1 (all of them, or those listed).",
          axis=Attr(None, attrs.axes, "the axes to remove; None for every axis of size 1"))


# ---- gather, slice, tile, one_hot ---------------------------------------------------------------


def _indices(indices: Value, limit: int) -> np.ndarray:
    """``indices`` as an integer array, each in [0, limit) (TensorFlow refuses others)."""
    array: np.ndarray = np.asarray(indices)
    if array.dtype.kind not in "iu":
        raise ValueError(f"indices must be integers, not {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= limit):
        bad = array[(array < 0) | (array >= limit)].flat[0]
        raise ValueError(f"index {bad} is not in [0, {limit})")
    return array


def gather(params: Value, indices: Value, axis: int = 0) -> Value:
    params = np.asarray(params)
    k = _axis(axis, params.ndim)
    return np.take(params, _indices(indices, params.shape[k]), axis=k)


def _gather_shape(params: Shape, indices: Shape, axis: int = 0) -> Shape:
    if params is None or indices is None:
        return None
    k = _axis(axis, len(params))
    return (*params[:k], *indices, *params[k + 1:])


def _gather_grad(g: Value, out: Value, params: Value, indices: Value, axis: int = 0) -> Value:
    k = _axis(axis, np.ndim(params))
    grad = np.zeros(np.shape(params), np.result_type(g))
    moved = np.moveaxis(grad, k, 0)  # a view: adding into it adds into grad
    lead = np.ndim(indices)
    np.add.at(moved, np.asarray(indices), np.moveaxis(
        np.asarray(g), tuple(range(k, k + lead)), tuple(range(lead))))
    return grad


def _no_gradient_for_indices(g: Value, out: Value, params: Value, indices: Value,
                             **_: Any) -> Value:
    return _zeros(indices)


_register("gather", gather, _gather_shape, (_gather_grad, _no_gradient_for_indices),
          symbol="gather", inputs=("params", "indices"),
          doc="The slices of params at integer indices along axis.",
          axis=Attr(0, attrs.integer, "the axis indices pick along"))


def _slices(shape: Sequence[int], begin: tuple[int, ...], size: tuple[int, ...]
            ) -> tuple[slice, ...]:
    if len(begin) != len(shape) or len(size) != len(shape):
        raise ValueError(f"begin {list(begin)} and size {list(size)} need one entry per axis "
                         f"of {format_shape(tuple(shape))}")
    out = []
    for d, b, s in zip(shape, begin, size, strict=True):
        end = d if s == -1 else b + s
        if b < 0 or s < -1 or end > d:
            raise ValueError(f"begin {list(begin)} and size {list(size)} do not fit "
                             f"{format_shape(tuple(shape))}")
        out.append(slice(b, end))
    return tuple(out)


def slice_(x: Value, begin: tuple[int, ...] = (), size: tuple[int, ...] = ()) -> Value:
    x = np.asarray(x)
    return x[_slices(x.shape, begin, size)]


def _slice_shape(x: Shape, begin: tuple[int, ...] = (), size: tuple[int, ...] = ()) -> Shape:
    if x is None:
        return tuple(None if s == -1 else s for s in size) or None
    known = [1 << 62 if d is None else d for d in x]
    _slices(known, begin, size)  # raises if they do not fit
    return tuple(None if s == -1 and d is None else (d - b if s == -1 else s)  # type: ignore[operator]
                 for d, b, s in zip(x, begin, size, strict=True))


def _slice_grad(g: Value, out: Value, x: Value, begin: tuple[int, ...] = (),
                size: tuple[int, ...] = ()) -> Value:
    grad = np.zeros(np.shape(x), np.result_type(g))
    grad[_slices(np.shape(x), begin, size)] = g
    return grad


_register("slice", slice_, _slice_shape, (_slice_grad,), symbol="slice",
          doc="The block of x that starts at begin, size long on each axis (-1: to the end).",
          begin=Attr((), sizes, "the start on each axis"),
          size=Attr((), sizes, "the length on each axis; -1 for the rest"))


def tile(x: Value, multiples: tuple[int, ...] = ()) -> Value:
    if len(multiples) != np.ndim(x) or min(multiples, default=0) < 0:
        raise ValueError(f"multiples {list(multiples)} need one count ≥ 0 per axis of "
                         f"{format_shape(np.shape(x))}")
    return np.tile(x, multiples)


def _tile_shape(x: Shape, multiples: tuple[int, ...] = ()) -> Shape:
    if x is None:
        return None
    if len(multiples) != len(x) or min(multiples, default=0) < 0:
        raise ValueError(f"multiples {list(multiples)} need one count ≥ 0 per axis of "
                         f"{format_shape(x)}")
    return tuple(None if d is None else d * m for d, m in zip(x, multiples, strict=True))


def _tile_grad(g: Value, out: Value, x: Value, multiples: tuple[int, ...] = ()) -> Value:
    split = [n for pair in zip(multiples, np.shape(x), strict=True) for n in pair]
    return np.reshape(g, split).sum(axis=tuple(range(0, len(split), 2)))


_register("tile", tile, _tile_shape, (_tile_grad,), symbol="tile",
          doc="x repeated multiples times along each axis.",
          multiples=Attr((), sizes, "the number of copies along each axis"))


def one_hot(indices: Value, depth: int = 2, on_value: float = 1.0, off_value: float = 0.0,
            axis: int = -1, dtype: str = "float64") -> Value:
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise ValueError(f"indices must be integers, not {indices.dtype}")
    k = _axis(axis, indices.ndim + 1)
    hot = np.expand_dims(indices, k) == np.arange(depth).reshape((-1,) + (1,) * (indices.ndim - k))
    return np.where(hot, on_value, off_value).astype(dtype)  # out-of-range: all off_value


def _one_hot_shape(indices: Shape, depth: int = 2, axis: int = -1, **_: Any) -> Shape:
    if indices is None:
        return None
    k = _axis(axis, len(indices) + 1)
    return (*indices[:k], depth, *indices[k:])


register(OpDef(
    type="one_hot", inputs=("indices",), compute=one_hot, shape=_one_hot_shape,
    gradient=(_no_gradient,), category=ARRAY, symbol="1-hot",
    doc="on_value where an axis's position equals the integer index, off_value elsewhere.",
    attrs={
        "depth": Attr(2, count, "the number of classes"),
        "on_value": Attr(1.0, attrs.number, "the value at the index"),
        "off_value": Attr(0.0, attrs.number, "the value elsewhere"),
        "axis": Attr(-1, attrs.integer, "where the new axis goes"),
        "dtype": Attr("float64", dtype_name, "the result's dtype"),
    },
))


# ---- tensordot -------------------------------------------------------------------------------


def _pairs(rank_a: int, rank_b: int, axes: int | tuple[tuple[int, ...], tuple[int, ...]]
           ) -> tuple[list[int], list[int]]:
    """The contracted axes of a and of b, non-negative, in pairing order."""
    if isinstance(axes, int):
        if axes > min(rank_a, rank_b):
            raise ValueError(f"cannot contract {axes} axes of tensors of rank {rank_a} "
                             f"and {rank_b}")
        return list(range(rank_a - axes, rank_a)), list(range(axes))
    a, b = axes
    return ([k % rank_a for k in shapes.normalize_axes(a, rank_a)],
            [k % rank_b for k in shapes.normalize_axes(b, rank_b)])


def tensordot(a: Value, b: Value, axes: Any = 2) -> Value:
    ia, ib = _pairs(np.ndim(a), np.ndim(b), axes)
    return np.tensordot(a, b, axes=(ia, ib))


def _tensordot_shape(a: Shape, b: Shape, axes: Any = 2) -> Shape:
    if a is None or b is None:
        return None
    ia, ib = _pairs(len(a), len(b), axes)
    for i, j in zip(ia, ib, strict=True):
        if a[i] is not None and b[j] is not None and a[i] != b[j]:
            raise ValueError(f"axis {i} of {format_shape(a)} and axis {j} of "
                             f"{format_shape(b)} differ in size")
    return (*(d for i, d in enumerate(a) if i not in ia),
            *(d for j, d in enumerate(b) if j not in ib))


def _tensordot_grad_a(g: Value, out: Value, a: Value, b: Value, axes: Any = 2) -> Value:
    ia, ib = _pairs(np.ndim(a), np.ndim(b), axes)
    free_a = [i for i in range(np.ndim(a)) if i not in ia]
    free_b = [j for j in range(np.ndim(b)) if j not in ib]
    grad = np.tensordot(g, b, axes=(list(range(len(free_a), np.ndim(g))), free_b))
    # its axes: a's free ones, then a's paired with b's contracted ones in b's order
    return np.transpose(grad, np.argsort(free_a + [ia[ib.index(j)] for j in sorted(ib)]))


def _tensordot_grad_b(g: Value, out: Value, a: Value, b: Value, axes: Any = 2) -> Value:
    ia, ib = _pairs(np.ndim(a), np.ndim(b), axes)
    free_a = [i for i in range(np.ndim(a)) if i not in ia]
    free_b = [j for j in range(np.ndim(b)) if j not in ib]
    grad = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    # its axes: b's paired with a's contracted ones in a's order, then b's free ones
    return np.transpose(grad, np.argsort([ib[ia.index(i)] for i in sorted(ia)] + free_b))


_register("tensordot", tensordot, _tensordot_shape, (_tensordot_grad_a, _tensordot_grad_b),
          symbol="⊗", inputs=("a", "b"), category="Linear algebra",
          doc="Sum of products over paired axes of a and b (numpy's and TensorFlow's tensordot).",
          axes=Attr(2, contraction, "n (a's last n axes with b's first n) or [axes of a, "
                                    "axes of b]"))
