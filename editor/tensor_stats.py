"""What a tensor looks like in numbers: summary statistics, cell text, a one-line preview."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from engine.tensors import format_tensor


@dataclass(frozen=True)
class TensorStats:
    """Shape, dtype, and statistics over the finite-or-infinite values (NaNs are left out of
    min, max and mean; ``None`` where a statistic does not exist)."""

    shape: tuple[int, ...]
    dtype: str
    size: int
    min: Any = None
    max: Any = None
    mean: Any = None
    nan: int = 0
    posinf: int = 0
    neginf: int = 0


class _Counts(TypedDict):
    """TensorStats' counts of non-finite values."""

    nan: int
    posinf: int
    neginf: int


def tensor_stats(value: Any) -> TensorStats:
    """Statistics of ``value``. Complex tensors have a mean but no min or max; their ±inf
    counts an element once per infinite part."""
    a = np.asarray(value)
    base = {"shape": a.shape, "dtype": a.dtype.name, "size": a.size}
    kind = a.dtype.kind
    if a.size == 0 or kind not in "biufc":
        return TensorStats(**base)
    if kind == "b":
        return TensorStats(**base, min=bool(a.min()), max=bool(a.max()), mean=float(a.mean()))
    if kind in "iu":
        return TensorStats(**base, min=a.min().item(), max=a.max().item(),
                           mean=float(a.mean(dtype=np.float64)))
    if kind == "f" and a.size == 1:  # (a loss: what the general way finds, without its calls)
        v = a.reshape(-1)[0]
        if np.isnan(v):
            return TensorStats(**base, nan=1)
        x = v.item()
        return TensorStats(**base, posinf=int(x == np.inf), neginf=int(x == -np.inf), min=x,
                           max=x, mean=x)
    nan = np.isnan(a)
    parts = (a.real, a.imag) if kind == "c" else (a,)
    posinf = int(np.logical_or.reduce([np.isposinf(p) for p in parts]).sum())
    neginf = int(np.logical_or.reduce([np.isneginf(p) for p in parts]).sum())
    counts: _Counts = {"nan": int(nan.sum()), "posinf": posinf, "neginf": neginf}
    if counts["nan"] == a.size:
        return TensorStats(**base, **counts)
    present = a[~nan] if counts["nan"] else a
    with np.errstate(all="ignore"):
        mean = present.mean(dtype=np.complex128 if kind == "c" else np.float64).item()
    if kind == "c":
        return TensorStats(**base, **counts, mean=mean)
    return TensorStats(**base, **counts, min=present.min().item(), max=present.max().item(),
                       mean=mean)


def format_number(v: Any, precision: int = 4) -> str:
    """One element as table text: ``precision`` decimals, scientific when very large or small."""
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (complex, np.complexfloating)):
        re, im = format_number(v.real, precision), format_number(abs(v.imag), precision)
        sign = "-" if np.signbit(v.imag) and not np.isnan(v.imag) else "+"
        return f"{re}{sign}{im}j"
    if not isinstance(v, (float, np.floating)):
        return str(v)  # not a number: an op returned something odd; show it as it is
    v = float(v)
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    if v != 0 and not 1e-4 <= abs(v) < 1e9:
        return f"{v:.{precision}e}"
    return f"{v:.{precision}f}"


def format_stat(v: Any, precision: int = 4) -> str:
    """A statistic as text ("—" when it does not exist), trailing zeros trimmed."""
    if v is None:
        return "—"
    text = format_number(v, precision)
    if "." in text and "e" not in text and "j" not in text:
        text = text.rstrip("0").rstrip(".")
    return text


PREVIEW_ELEMENTS = 32
"""A variable's value is written out on its node up to this many elements."""


def preview(value: Any, limit: int = 4) -> str:
    """A node's preview: a scalar or short vector itself (``[2, -1]``), else shape and dtype
    (``2×2 float64``)."""
    a = value if isinstance(value, np.ndarray) else np.asarray(value)
    if a.ndim <= 1 and a.size <= limit:
        return format_tensor(_rounded(a))
    return f"{'×'.join(map(str, a.shape))} {_dtype_name(a.dtype)}"


def value_preview(value: Any, limit: int = PREVIEW_ELEMENTS) -> str:
    """A variable's or placeholder's value as its node shows it: written out (to 4 significant
    digits) while it has at most ``limit`` elements, else shape and dtype."""
    a = value if isinstance(value, np.ndarray) else np.asarray(value)
    if a.size > limit:
        return preview(a, limit=0)
    return format_tensor(_rounded(a))


def _rounded(a: np.ndarray, digits: int = 4) -> np.ndarray:
    """A small float tensor rounded to ``digits`` significant digits, for a node to show."""
    if a.dtype.kind != "f":
        return a
    return np.array([float(f"{v:.{digits}g}") for v in a.ravel()]).reshape(a.shape)


def preview_later(value: Any, limit: int = 4) -> str | np.ndarray:
    """:func:`preview` if it is quick to make (shape and dtype), else the few numbers it would
    show, for a node to put into words when it is drawn: formatting numbers is slow, and a
    node out of sight need not do it."""
    a = value if isinstance(value, np.ndarray) else np.asarray(value)
    return a if a.ndim <= 1 and a.size <= limit else preview(a, limit)


@functools.cache
def _dtype_name(dtype: np.dtype) -> str:
    """``dtype.name``, which numpy computes in Python on every call (previews of thousands of
    nodes ask for it)."""
    return dtype.name
