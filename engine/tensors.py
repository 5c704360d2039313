"""Tensor values: dtypes, conversion of user input, and checks against static shapes."""

from __future__ import annotations

import json
import re
import sys
from typing import Any, TypeAlias

import numpy as np

from .registry import Shape

Value: TypeAlias = Any
"""What a run holds for a node, and what compute functions and gradient rules take and
return: an ndarray, a numpy scalar where numpy gives one (``np.sum`` over every axis), or
whatever an op registered outside the engine returns. ``Any``: the rules use numpy's operators
on such mixtures, which numpy types only loosely."""

DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
)
"""The dtypes a tensor may have, by name."""
_NUMPY_DTYPES = frozenset(np.dtype(name) for name in DTYPES)


def parse_dtype(value: Any) -> str | None:
    """Normalise a dtype (a name, a numpy dtype or ``None``) to its name."""
    if value is None:
        return None
    try:
        name: str = np.dtype(value).name
    except TypeError:
        raise ValueError(f"unknown dtype {value!r}") from None
    if name not in DTYPES:
        raise ValueError(f"unsupported dtype '{name}' (use one of {', '.join(DTYPES)})")
    return name


def parse_shape(value: Any) -> Shape:
    """Normalise a static shape: ``None``, or a list of non-negative ints and ``None``s."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(f"a shape is a list of sizes, not {value!r}")
    dims: list[int | None] = []
    for dim in value:
        if dim is None or dim == -1:
            dims.append(None)
        elif isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and dim >= 0:
            dims.append(int(dim))
        else:
            raise ValueError(f"a dimension is a size ≥ 0 or null, not {dim!r}")
    return tuple(dims)


def as_tensor(value: Any, dtype: str | None = None) -> np.ndarray:
    """Convert user input (numbers, nested lists, arrays) to a numeric array.

    Python and numpy values keep their own dtype unless ``dtype`` is given, in which case the
    value must convert to it without losing its kind (no floats into an int placeholder).
    Raises ``ValueError`` with a readable message otherwise.
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"not a tensor: {error}") from None
    if array.dtype not in _NUMPY_DTYPES and array.dtype.name not in DTYPES:
        raise ValueError(f"not a numeric tensor (got {array.dtype.name} from {short_repr(value)})")
    if dtype is not None and array.dtype != dtype:
        if not np.can_cast(array.dtype, dtype, casting="same_kind"):
            raise ValueError(f"a {array.dtype.name} value does not convert to {dtype}")
        array = array.astype(dtype)
    return array


def shape_fits(actual: tuple[int, ...], expected: Shape) -> bool:
    """Whether a concrete shape matches a static one (``None`` matches anything)."""
    if expected is None:
        return True
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected, strict=True):  # a loop: it runs for every feed
        if e is not None and e != a:
            return False
    return True


def format_shape(shape: Shape) -> str:
    """``(2,3)``, ``(?,3)``, ``(3,)`` or ``?`` for unknown rank."""
    if shape is None:
        return "?"
    dims = ",".join("?" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


def short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NUMPY_REPR = re.compile(r"^\s*(?:(?:np|numpy)\.)?(?:array|[a-z]+\d+)\((.*)\)\s*$", re.S)
"""numpy's repr of an array or a scalar: ``array([1, 2])``, ``np.complex128(1-2j)``."""
_REAL = r"(?:nan|inf|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_COMPLEX_BODY = rf"[-+]?(?:{_REAL}\s*[-+]\s*)?{_REAL}[jJ]"
_COMPLEX = re.compile(
    rf"(?<![\w.])(?:\(\s*(?P<paren>{_COMPLEX_BODY})\s*\)|(?P<bare>{_COMPLEX_BODY}))(?![\w.])")
"""A complex number as Python, numpy or :func:`format_tensor` writes it: ``1+2j``,
``(1+2j)``, ``1.  +2.j`` (numpy pads the real part), ``-0.5-1e-08j``, ``nan+1j``, ``-infj``."""


def _json_complex(match: re.Match[str]) -> str:
    """A complex literal as a JSON object that :func:`_complex_object` turns back into it."""
    z = complex(re.sub(r"\s+", "", match.group("paren") or match.group("bare")))
    return json.dumps({"complex": [z.real, z.imag]}, separators=(",", ":"))


def _complex_object(obj: dict[str, Any]) -> Any:
    if obj.keys() == {"complex"}:
        return complex(*obj["complex"])
    return obj


def parse_tensor_text(text: str) -> Any:
    """Parse a tensor typed as text: JSON (``[[1, 0], [0, -1]]``, ``2.5``) or numpy's printed
    form (``[[1. 0.] [0. -1.]]``, ``array([1, 2])``, ``np.float64(2.5)``); ``nan``, ``inf``
    and complex numbers (``[1+2j, -0.5-1j]``, ``[ 1. +2.j  -0.5-1.j]``) are understood.
    Raises ``ValueError`` saying what could not be read."""
    body = _NUMPY_REPR.sub(r"\1", text).strip()
    if not body:
        raise ValueError("empty value")
    body = _COMPLEX.sub(_json_complex, body)
    words = re.sub(r"(?<![\w.])(-?)inf(?![\w])", r"\1Infinity", body)
    words = re.sub(r"(?<![\w.])nan(?![\w])", "NaN", words)
    words = re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", words))
    words = re.sub(r"(\d)\.(?!\d)", r"\1.0", words)  # numpy prints 1. for 1.0
    try:
        return json.loads(words, object_hook=_complex_object)
    except json.JSONDecodeError:
        pass
    # numpy prints lists with spaces between items: put commas there.
    commas = re.sub(r"(?<=[\d.\]}a-zA-Z])\s+(?=[-+\d.\[{NItf])", ", ", words)
    commas = re.sub(r"\]\s*\[", "], [", commas)
    try:
        return json.loads(commas, object_hook=_complex_object)
    except json.JSONDecodeError as error:
        raise ValueError(f"cannot read {short_repr(text)} as a tensor: {error.msg} "
                         f"at character {error.pos + 1}") from None


def format_tensor(value: Any) -> str:
    """A tensor as text that :func:`parse_tensor_text` reads back: ``[2, -1]``, ``[0.5, 1e-08]``."""
    array = np.asarray(value)
    return np.array2string(
        array, separator=", ", threshold=sys.maxsize, max_line_width=sys.maxsize,
        formatter={"float_kind": _format_float, "complex_kind": _format_complex,
                   "int_kind": str, "bool": str},
    ).replace("\n", "")


def _format_complex(z: complex | np.complexfloating[Any, Any]) -> str:
    """``1+2j``, ``-0.5-1e-08j``, ``nan+infj``: both parts exact, as Python writes them."""
    sign = "-" if np.signbit(z.imag) and not np.isnan(z.imag) else "+"
    return f"{_format_float(z.real)}{sign}{_format_float(abs(z.imag))}j"


def _format_float(v: float | np.floating[Any]) -> str:
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    if v != 0 and not 1e-4 <= abs(v) < 1e16:
        return np.format_float_scientific(v, trim="-")
    return np.format_float_positional(v, trim="-")
