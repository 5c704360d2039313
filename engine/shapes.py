"""Shape rules shared by op definitions. Each takes input shapes (and attributes) and
returns the output shape, raising ``ValueError`` when the inputs do not fit."""

from __future__ import annotations

from collections.abc import Sequence

from .registry import Shape
from .tensors import format_shape


def same(x: Shape) -> Shape:
    """Element-wise unary op: the output has its input's shape."""
    return x


def broadcast(*shapes: Shape) -> Shape:
    """Numpy broadcasting of any number of static shapes."""
    if any(s is None for s in shapes):
        return None
    rank = max(len(s) for s in shapes)  # type: ignore[arg-type]
    out: list[int | None] = []
    for axis in range(-rank, 0):
        dims = {s[axis] for s in shapes if len(s) >= -axis}  # type: ignore[index,arg-type]
        known = dims - {None, 1}
        if len(known) > 1:
            raise ValueError(f"shapes {' and '.join(map(format_shape, shapes))} do not broadcast")
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def normalize_axes(axis: int | Sequence[int] | None, rank: int) -> tuple[int, ...]:
    """Axes as non-negative ints; ``None`` means all axes. Raises on an out-of-range axis."""
    if axis is None:
        return tuple(range(rank))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"axis {a} is out of range for rank {rank}")
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {axis}")
    return tuple(out)


def reduce(x: Shape, axis: int | Sequence[int] | None, keepdims: bool) -> Shape:
    """Shape of a reduction over ``axis``."""
    if x is None:
        return () if axis is None and not keepdims else None
    axes = normalize_axes(axis, len(x))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def compatible(a: Shape, b: Shape) -> bool:
    """Whether two static shapes may be the same shape (``None`` fits anything)."""
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(x is None or y is None or x == y
                                    for x, y in zip(a, b, strict=True))


def merge(a: Shape, b: Shape) -> Shape:
    """What two compatible static shapes together say of the one shape they both describe."""
    if a is None or b is None:
        return b if a is None else a
    return tuple(y if x is None else x for x, y in zip(a, b, strict=True))
