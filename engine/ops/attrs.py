"""Parsers for op attributes (see :class:`engine.registry.Attr`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

from ..limits import MAX_RANK
from ..tensors import short_repr


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def integer(value: Any) -> int:
    """An integer."""
    return _int(value)


def boolean(value: Any) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def number(value: Any) -> float:
    """A finite real number (a file cannot hold another)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {short_repr(value)}")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"expected a finite number, got {short_repr(value)}")
    return x


def axes(value: Any) -> int | tuple[int, ...] | None:
    """``null`` (all axes), one axis, or a list of axes."""
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_int(v) for v in value)
    raise ValueError(f"expected None, an axis or a list of axes, got {value!r}")


def permutation(value: Any) -> tuple[int, ...] | None:
    """``null`` (reverse the axes) or a permutation of the axes."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected None or a list of axes, got {value!r}")
    perm = tuple(_int(v) for v in value)
    if sorted(perm) != list(range(len(perm))):
        raise ValueError(f"{list(perm)} is not a permutation of 0..{len(perm) - 1}")
    return perm


def new_shape(value: Any) -> tuple[int, ...]:
    """A list of sizes, at most one of them -1 (inferred)."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list of sizes, got {value!r}")
    if len(value) > MAX_RANK:
        raise ValueError(f"a shape has at most {MAX_RANK} dimensions, not {len(value)}")
    shape = tuple(_int(v) for v in value)
    if any(d < -1 for d in shape) or shape.count(-1) > 1:
        raise ValueError(f"sizes are ≥ 0, with at most one -1: {list(shape)}")
    return shape


def non_negative(value: Any) -> float:
    """A real number ≥ 0."""
    x = number(value)
    if not x >= 0:
        raise ValueError(f"expected a number ≥ 0, got {value!r}")
    return x


def positive(value: Any) -> float:
    """A real number > 0."""
    x = number(value)
    if not x > 0:
        raise ValueError(f"expected a number > 0, got {value!r}")
    return x


def fraction(value: Any) -> float:
    """A real number in [0, 1)."""
    x = number(value)
    if not 0 <= x < 1:
        raise ValueError(f"expected a number from 0 up to (not including) 1, got {value!r}")
    return x


def choice(*options: str) -> Callable[[Any], str]:
    """A parser accepting one of ``options`` (listed in its ``choices`` for editors)."""

    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {value!r}")
        return cast(str, value)  # equal to one of the options

    parse.choices = options  # type: ignore[attr-defined]
    parse.__doc__ = f"One of {', '.join(options)}."
    return parse


def names(value: Any) -> tuple[str, ...] | None:
    """``null`` or a list of node names."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected None or a list of node names, got {value!r}")
    return tuple(value)
