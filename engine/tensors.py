"""Tensor values: dtypes, conversion of user input, and checks against static shapes."""

from __future__ import annotations

import ast
import json
import math
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

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
    if isinstance(value, (str, bytes, dict, set, frozenset)) or not hasattr(value, "__iter__"):
        raise ValueError(f"a shape is a list of sizes, not {short_repr(value)}")
    dims: list[int | None] = []
    for dim in value:
        if dim is None or dim == -1:
            dims.append(None)
        elif isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and dim >= 0:
            dims.append(int(dim))
        else:
            raise ValueError(f"a dimension is a size ≥ 0 or null, not {short_repr(dim)}")
        if len(dims) > MAX_DEPTH:
            raise ValueError(f"a shape has at most {MAX_DEPTH} dimensions")
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
        raise ValueError(_ragged(value) or f"not a tensor: {error}") from None
    if array.dtype not in _NUMPY_DTYPES and array.dtype.name not in DTYPES:
        reason = _not_a_number(value) if array.dtype.kind in "OUS" else None
        raise ValueError(f"not a numeric tensor: {reason}" if reason else
                         f"not a numeric tensor (got {array.dtype.name} from {short_repr(value)})")
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


class ShortenedArrayError(ValueError):
    """The text is an array numpy printed shortened, with ``...`` for the values it left out."""


MAX_DEPTH = 64
"""Lists nest at most this deep (numpy's limit on dimensions)."""
MAX_NUMBER_CHARS = 400
"""A number typed longer than this is refused unread (a float keeps 17 significant digits)."""
HELP = "type numbers, lists in [ ], None, True/False, nan or inf"

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<word>[^\W\d]\w*(?:\.[^\W\d]\w*)*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<ellipsis>\.\.\.|…)
  | (?P<mark>[\[\](),=+-])
""", re.VERBOSE)
"""One token of tensor text other than a number (:func:`_number_end` reads those). Each
alternative matches in one pass at a given position, without backtracking over what it has
read, so that reading any text takes time in proportion to its length."""

_CONSTANTS: dict[str, Any] = {
    "None": None, "null": None, "True": True, "true": True, "False": False, "false": False,
    "nan": math.nan, "NaN": math.nan, "inf": math.inf, "Infinity": math.inf,
    "True_": True, "False_": False, "infj": complex(0, math.inf), "nanj": complex(0, math.nan),
}
"""The words a value may hold (Python's, JSON's and numpy's), without or with ``np.``."""
_REALS = frozenset({"nan", "NaN", "inf", "Infinity"})
_IMAGINARY = frozenset({"infj", "nanj"})
_ARRAYS = frozenset({"array", "asarray"})
_SCALARS = {**{name: name for name in DTYPES}, "bool_": "bool", "float_": "float64",
            "int_": "int64", "complex_": "complex128", "double": "float64"}
_CLOSING = {"[": "]", "(": ")"}
_IMAGINARY_NEXT = object()


class _Token(NamedTuple):
    kind: str
    text: str
    pos: int
    spaced: bool  # preceded by white space

    def quoted(self) -> str:
        return repr(self.text if len(self.text) <= 20 else self.text[:19] + "…")

    @property
    def at(self) -> str:
        return f"at character {self.pos + 1}"


def _number_end(text: str, pos: int) -> int:
    """Where the number that starts at ``pos`` ends (``pos`` if none does):
    ``[-+]? (digits [. digits?] | . digits) ([eE] [-+]? digits)? [jJ]?``, read in one pass
    that looks at each character once (a number of 100,000 digits is read, and refused, at
    once: no regular expression can backtrack over it)."""
    end = len(text)
    first = text[pos]
    if first not in _NUMBER_START and not first.isdecimal():
        return pos
    start = i = pos + 1 if first in "+-" else pos
    while i < end and text[i].isdecimal():
        i += 1
    if i < end and text[i] == ".":
        i += 1
        while i < end and text[i].isdecimal():
            i += 1
        if i == start + 1:
            return pos  # a lone '.', or '...'
    elif i == start:
        return pos
    if i + 1 < end and text[i] in "eE":
        exponent = i + 2 if text[i + 1] in "+-" else i + 1
        digits = exponent
        while digits < end and text[digits].isdecimal():
            digits += 1
        if digits > exponent:
            i = digits
    if i < end and text[i] in "jJ":
        i += 1
    return i


_NUMBER_START = frozenset("+-.0123456789")
"""What a number starts with, but for decimal digits of other scripts (``٣``)."""


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos, spaced = 0, False
    while pos < len(text):
        if text[pos] in _NUMBER_START or text[pos].isdecimal():
            number = _number_end(text, pos)
            if number > pos:
                tokens.append(_Token("number", text[pos:number], pos, spaced))
                pos, spaced = number, False
                continue
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] in "\"'":
                raise ValueError(f"the quote at character {pos + 1} is not closed: add "
                                 f"{text[pos]} at the end of the text")
            raise ValueError(f"cannot read {text[pos]!r} at character {pos + 1}: {HELP}")
        kind = match.lastgroup
        assert kind is not None  # every alternative is a named group
        if kind == "space":
            spaced = True
        else:
            tokens.append(_Token(kind, match.group(), pos, spaced))
            spaced = False
        pos = match.end()
    return tokens


class _Reader:
    """Reads tensor text token by token (see :func:`parse_tensor_text`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> _Token | None:
        i = self.i + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def is_mark(self, token: _Token | None, *marks: str) -> bool:
        return token is not None and token.kind == "mark" and token.text in marks

    # ---- values -------------------------------------------------------------------------

    def value(self, depth: int) -> Any:
        token = self.peek()
        if token is None:
            raise ValueError(f"a value is missing at the end: {HELP}")
        if token.kind == "ellipsis":
            raise self.shortened(token)
        if self.is_mark(token, "[", "("):
            if depth >= MAX_DEPTH:
                raise ValueError(f"lists nest more than {MAX_DEPTH} deep {token.at}: a tensor "
                                 f"has at most {MAX_DEPTH} dimensions")
            self.take()
            items, comma = self.sequence(token, depth + 1)
            if token.text == "(" and len(items) == 1 and not comma:
                return items[0]  # (x) is x, as in Python
            return items
        if token.kind == "string":
            self.take()
            return _string(token)
        if token.kind == "word" and self.is_mark(self.peek(1), "("):
            return self.call(depth)
        real = self.real()
        if real is _IMAGINARY_NEXT:  # a bare imaginary number
            return self.imaginary()
        following = self.peek()  # a signed imaginary part makes it a complex number
        if following is not None and type(real) in (int, float) and (
                (following.text[0] in "+-" and self.is_imaginary(following))
                or (self.is_mark(following, "+", "-") and (after := self.peek(1)) is not None
                    and after.text[0] not in "+-" and self.is_imaginary(after))):
            return complex(real, self.imaginary().imag)
        return real

    def real(self) -> Any:
        """A number, a constant or a signed one; :data:`_IMAGINARY_NEXT` (nothing taken)
        before an imaginary number."""
        token = self.peek()
        assert token is not None  # value() looked
        if self.is_mark(token, "+", "-"):
            following = self.peek(1)
            if following is None or following.kind not in ("number", "word") \
                    or following.text[0] in "+-":
                raise self.unexpected(token)
            if self.is_imaginary(following):
                return _IMAGINARY_NEXT
            self.take()
            value = self.real()
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{token.text!r} {token.at} goes before a number, not "
                                 f"{following.quoted()}")
            return -value if token.text == "-" else value
        if self.is_imaginary(token):
            return _IMAGINARY_NEXT
        if token.kind == "number":
            self.take()
            return self.number(token)
        if token.kind == "word":
            self.take()
            return self.constant(token)
        raise self.unexpected(token)

    def is_imaginary(self, token: _Token) -> bool:
        return ((token.kind == "number" and token.text[-1] in "jJ")
                or (token.kind == "word" and token.text in _IMAGINARY))

    def imaginary(self) -> complex:
        """The imaginary number next, signed or not (``-2j``, ``- infj``)."""
        token, sign = self.peek(), 1.0
        if token is not None and self.is_mark(token, "+", "-"):
            self.take()
            sign = -1.0 if token.text == "-" else 1.0
            token = self.peek()
        assert token is not None and self.is_imaginary(token)  # real() said so
        self.take()
        value = self.constant(token) if token.kind == "word" else self.number(token)
        return complex(0.0, sign * value.imag)

    def number(self, token: _Token) -> Any:
        text = token.text
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError(f"the number {token.at} has {len(text):,} digits: a tensor keeps "
                             "17 significant digits of a float and 19 of an integer")
        if text[-1] in "jJ":
            return complex(text)
        if any(c in text for c in ".eE"):
            return float(text)
        value = int(text)
        if not -(2 ** 63) <= value < 2 ** 64:
            raise ValueError(f"the integer {token.at} is too big for a tensor (more than 19 "
                             f"digits): type it as a float, such as {float(value):.6g}")
        return value

    def constant(self, token: _Token) -> Any:
        name = token.text
        base = name.rpartition(".")[2]
        if base in _CONSTANTS and name in (base, f"np.{base}", f"numpy.{base}"):
            return _CONSTANTS[base]
        quote = json.dumps(name)
        raise ValueError(f"{token.quoted()} {token.at} is not a value: {HELP} "
                         f"(a name goes in quotes: {quote})")

    def sequence(self, opener: _Token | None, depth: int) -> tuple[list[Any], bool]:
        """The items up to the mark closing ``opener`` (None: the end of the text, with
        items separated by commas) and whether a comma was seen."""
        closer = None if opener is None else _CLOSING[opener.text]
        items: list[Any] = []
        after_item = comma = False
        while True:
            token = self.peek()
            if token is None:
                if opener is not None:
                    raise ValueError(f"{opener.text!r} {opener.at} is not closed: "
                                     f"add {closer!r}")
                return items, comma
            if self.is_mark(token, "]", ")"):
                if token.text != closer:
                    if opener is None:
                        raise ValueError(f"{token.text!r} {token.at} closes nothing: "
                                         "remove it")
                    raise ValueError(f"{token.text!r} {token.at} does not close the "
                                     f"{opener.text!r} {opener.at}: type {closer!r}")
                self.take()
                return items, comma
            if self.is_mark(token, ","):
                if not after_item:
                    raise ValueError(f"',' {token.at} follows no value: type a value before "
                                     "it, or remove it")
                self.take()
                after_item, comma = False, True
                continue
            if after_item:
                if opener is None:
                    raise ValueError(f"unexpected {token.quoted()} {token.at}, after the "
                                     "value: put several values in a list, such as [1, 2]")
                if not token.spaced and not self.is_mark(self.tokens[self.i - 1], "]", ")"):
                    raise ValueError(f"{token.quoted()} {token.at} follows a value without a "
                                     "comma or a space: put ', ' between values")
            items.append(self.value(depth))
            after_item = True

    def call(self, depth: int) -> Any:
        """``array(…, dtype=…, shape=…)`` or a numpy scalar such as ``np.float64(2.5)``."""
        word = self.take()
        opener = self.take()
        base = word.text.rpartition(".")[2]
        if word.text not in (base, f"np.{base}", f"numpy.{base}") or (
                base not in _ARRAYS and base not in _SCALARS):
            raise ValueError(f"{word.text}(…) {word.at} is not a value: type the numbers "
                             "themselves, or array([…])")
        args: list[Any] = []
        keywords: dict[str, Any] = {}
        after_item = False
        while True:
            token = self.peek()
            if token is None:
                raise ValueError(f"'(' {opener.at} is not closed: add ')'")
            if self.is_mark(token, ")"):
                self.take()
                break
            if self.is_mark(token, ","):
                if not after_item:
                    raise ValueError(f"',' {token.at} follows no value: type a value before "
                                     "it, or remove it")
                self.take()
                after_item = False
                continue
            if after_item:
                raise ValueError(f"{token.quoted()} {token.at} follows a value without a "
                                 "comma: put ', ' between them")
            if token.kind == "word" and self.is_mark(self.peek(1), "="):
                keywords.update(self.keyword(base))
            elif keywords:
                raise ValueError(f"{token.quoted()} {token.at} follows the keywords: put the "
                                 "values first")
            else:
                args.append(self.value(depth))
            after_item = True
        if len(args) != 1:
            raise ValueError(f"{word.text}(…) {word.at} takes one value, got {len(args)}")
        dtype = keywords.get("dtype", _SCALARS.get(base))
        if base in _ARRAYS and not keywords:
            return args[0]
        array = as_tensor(args[0], parse_dtype(dtype) if dtype else None)
        if "shape" in keywords:
            try:
                array = array.reshape(keywords["shape"])
            except (ValueError, TypeError) as error:
                raise ValueError(f"{word.text}(…) {word.at}: {error}") from None
        return array[()] if base not in _ARRAYS else array

    def keyword(self, function: str) -> dict[str, Any]:
        name = self.take()
        self.take()  # =
        if name.text == "dtype":
            token = self.peek()
            if token is None or token.kind not in ("word", "string"):
                raise ValueError(f"dtype {name.at} names a type, such as float32")
            self.take()
            text = token.text.rpartition(".")[2] if token.kind == "word" else \
                ast.literal_eval(token.text)
            return {"dtype": _SCALARS.get(text, text)}
        if name.text == "shape" and function in _ARRAYS:
            return {"shape": self.value(0)}
        raise ValueError(f"{function}() takes no {name.text!r} ({name.at}): only the values, "
                         f"dtype={' and shape=' if function in _ARRAYS else ''}")

    # ---- errors ---------------------------------------------------------------------------

    def unexpected(self, token: _Token) -> ValueError:
        if token.kind == "ellipsis":
            return self.shortened(token)
        if self.is_mark(token, "]", ")"):
            return ValueError(f"{token.text!r} {token.at} closes nothing: remove it")
        return ValueError(f"unexpected {token.quoted()} {token.at}: {HELP}")

    def shortened(self, token: _Token) -> ShortenedArrayError:
        shape = re.search(r"shape=(\([\d, ]*\))", self.text)
        what = f"this array of shape {shape.group(1)}" if shape else "this array"
        return ShortenedArrayError(
            f"numpy left values out of {what} ({token.text!r} {token.at}): import the whole "
            "array from a .npy or .csv file instead")


def _string(token: _Token) -> str:
    """A quoted string, as JSON or Python reads it."""
    try:
        text = json.loads(token.text) if token.text[0] == '"' else None
    except ValueError:
        text = None
    if text is None:
        try:
            text = ast.literal_eval(token.text)
        except (ValueError, SyntaxError):
            raise ValueError(f"cannot read the quoted text {token.at}") from None
    assert isinstance(text, str)  # a string literal, either way
    return text


def parse_tensor_text(text: str) -> Any:
    """Read a tensor typed as text, in Python's, JSON's or numpy's spelling: numbers, lists
    (``[[1, 0], [0, -1]]``, ``(2, 3)``), ``None``/``null``, ``True``/``true``,
    ``nan``/``NaN``, ``inf``/``Infinity``/``-inf``, complex numbers (``1+2j``, ``(1+2j)``,
    numpy's ``1.  +2.j``), quoted strings (for attributes naming nodes), and numpy's printed
    arrays — with or without commas (``[[1. 0.] [0. -1.]]``), as ``array([...], dtype=...)``
    or a scalar such as ``np.float64(2.5)``. Returns nested lists of Python values (an array
    where a dtype was given). ``eval`` is never used: the text is read token by token, in time
    proportional to its length. Raises ``ValueError`` with a one-line message saying where the
    text goes wrong and what to type instead; :class:`ShortenedArrayError` for an array numpy
    printed with ``...`` in place of values."""
    reader = _Reader(text)
    if not reader.tokens:
        raise ValueError("empty: type a number, or a list such as [1, 2]")
    items, comma = reader.sequence(None, 0)
    return items if comma else items[0]


def _ragged(value: Any) -> str | None:
    """Where nested lists are ragged — ``a ragged list: row 2 has 3 values, row 1 has 2`` —
    or None if they are not."""
    level: list[tuple[tuple[int, ...], Any]] = [((), value)]
    while level:
        sizes = [(path, _length(item)) for path, item in level]
        first_path, first = sizes[0]
        for path, size in sizes[1:]:
            if size != first:
                return (f"a ragged list: {_row(path)} {_holding(size)}, "
                        f"{_row(first_path)} {_holding(first, short=True)}")
        if first is None:
            return None
        level = [((*path, i), child) for path, item in level for i, child in enumerate(item)]
    return None


def _length(item: Any) -> int | None:
    """How many values a list holds (None for a number)."""
    if isinstance(item, (list, tuple)):
        return len(item)
    if isinstance(item, np.ndarray) and item.ndim:
        return len(item)
    return None


def _row(path: tuple[int, ...]) -> str:
    """``row 2``, ``row 2 in block 1``, ``row 2 in block 1, 3`` (counting from 1)."""
    row = f"row {path[-1] + 1}"
    return row if len(path) == 1 else f"{row} in block {', '.join(str(i + 1) for i in path[:-1])}"


def _holding(size: int | None, short: bool = False) -> str:
    """``has 3 values`` (``has 3``, ``short``) or ``is a number``."""
    if size is None:
        return "is a number"
    return f"has {size}" if short else f"has {size} value{'s' * (size != 1)}"


def _not_a_number(value: Any) -> str | None:
    """What in nested lists is not a number, said in words (None if all are)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, np.ndarray):
            if item.dtype.kind in "OUS":
                stack.extend(reversed(item.tolist()) if item.ndim else [item.item()])
        elif item is None:
            return "None is not a number — type nan for a missing value"
        elif isinstance(item, int) and not -(2 ** 63) <= item < 2 ** 64:
            return "an integer beyond ±2**63 is too big for a tensor — make it a float"
        elif not isinstance(item, (bool, int, float, complex, np.number, np.bool_)):
            return f"{short_repr(item, 30)} is not a number"
    return None


def read_tensor_file(path: str | Path) -> np.ndarray:
    """A tensor from a ``.npy`` file (``np.save``) or a ``.csv`` one (one row per line, as
    the Tensor dock exports: integers, floats or complex numbers such as ``1+2j``)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            array = _read_csv(path)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"cannot read {path.name}: {error}") from None
    return as_tensor(array)


def _read_csv(path: Path) -> np.ndarray:
    last: ValueError | None = None
    for dtype in (np.int64, np.float64, np.complex128):
        try:
            return np.loadtxt(path, delimiter=",", dtype=dtype, ndmin=1)
        except ValueError as error:
            last = error
    assert last is not None
    raise last


def format_tensor(value: Any) -> str:
    """A tensor as text that :func:`parse_tensor_text` reads back: ``[2, -1]``, ``[0.5, 1e-08]``."""
    array = np.asarray(value)
    if array.dtype.kind == "f" and array.ndim <= 1:  # what array2string writes, without its
        # set-up (a node's preview of a scalar or a short vector is written at each new value)
        if array.ndim == 0:
            return _format_float(array.reshape(1)[0])
        return f"[{', '.join(map(_format_float, array))}]"
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
    if v != 0 and not 1e-4 <= abs(float(v)) < 1e16:  # (a float16's 1e16 would overflow)
        return np.format_float_scientific(v, trim="-")
    return np.format_float_positional(v, trim="-")
