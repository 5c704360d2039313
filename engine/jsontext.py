"""Strict JSON: a document whose values could not be written back is refused with the place.

Python's ``json`` reads a duplicated key (the last one wins), ``1e400`` (as infinity), ``NaN``
and ``Infinity``, and lone surrogates (``"\\ud800"``), which no writer of valid JSON gives back,
and fails on an integer of more than 4,300 digits with no place named. :func:`loads` refuses
each of them as a :class:`JSONValueError` carrying the JSON path of the value; NaN and
±Infinity are kept only where the caller allows them (a tensor's elements).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import Any

JSONPath = tuple[str | int, ...]
"""Where a value is: the keys and indices from the document's top, e.g. ``("nodes", 3)``."""
MAX_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 4300
"""The longest integer Python converts from text."""
MAX_DEPTH = 100
"""How deeply :func:`check` lets values nest (a writer must be able to write them back)."""


class JSONValueError(ValueError):
    """A value refused by :func:`loads` or :func:`check`; ``path`` says where it is, in
    ``document`` (what :func:`loads` read)."""

    def __init__(self, path: JSONPath, message: str) -> None:
        super().__init__(f"{format_path(path)}: {message}" if path else message)
        self.path = path
        self.reason = message
        self.document: Any = None


class _Unreadable:
    """Stands in the document for a number that cannot be read (its id names the reason)."""

    __slots__ = ()


def loads(text: str, non_finite_allowed: Callable[[JSONPath], bool] = lambda path: False) -> Any:
    """Parse ``text`` as JSON; refuse (``JSONValueError``) duplicated keys, integers too long
    to read, numbers beyond a float's range, lone surrogates, and NaN or ±Infinity except at
    a path where ``non_finite_allowed`` says yes. ``json.JSONDecodeError`` and
    ``RecursionError`` are raised as ``json.loads`` raises them."""
    try:
        return _loads(text, non_finite_allowed, integers=False)
    except ValueError as error:
        if isinstance(error, (json.JSONDecodeError, JSONValueError)):
            raise
        return _loads(text, non_finite_allowed, integers=True)  # one too long: where is it?


def _loads(text: str, non_finite_allowed: Callable[[JSONPath], bool], integers: bool) -> Any:
    """:func:`loads`, looking at each integer (slower) if ``integers``; else Python reads
    them, and raises ``ValueError`` for one too long."""
    problems: dict[int, str] = {}
    refused_values: list[object] = []  # alive while parsing, so that their ids stay unique
    special: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) < len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    problems[id(obj)] = f"the key {_quote(key)} appears more than once"
                    refused_values.append(obj)
                    break
                seen.add(key)
        return obj

    def refused(reason: str) -> _Unreadable:
        marker = _Unreadable()
        problems[id(marker)] = reason
        refused_values.append(marker)
        return marker

    def integer(digits: str) -> int | _Unreadable:
        if len(digits) > MAX_INT_DIGITS:
            return refused(f"an integer of {len(digits):,} digits is too long to read")
        return int(digits)

    def real(digits: str) -> float | _Unreadable:
        value = float(digits)
        if math.isinf(value):
            shown = digits if len(digits) <= 24 else digits[:20] + "…"
            return refused(f"the number {shown} is beyond the range of a float (±1.8e308)")
        return value

    def constant(name: str) -> float:
        special.append(name)
        return float(name)

    data = json.loads(text, object_pairs_hook=pairs, parse_float=real, parse_constant=constant,
                      parse_int=integer if integers else None)
    if problems or special or "\\ud" in text or "\\uD" in text:
        try:
            check(data, (), non_finite_allowed, problems)
        except JSONValueError as error:
            error.document = data
            raise
    return data


def check(value: Any, path: JSONPath = (),
          non_finite_allowed: Callable[[JSONPath], bool] = lambda path: False,
          problems: dict[int, str] | None = None, max_depth: int = MAX_DEPTH) -> None:
    """Refuse (``JSONValueError``, the first in document order) what a JSON writer could not
    write back in ``value`` (found at ``path``): NaN or ±Infinity where not allowed, a string
    with a lone surrogate, a value that is not JSON, nesting deeper than ``max_depth``, and the
    objects named in ``problems`` (by id, with the reason)."""
    stack: list[tuple[JSONPath, Any]] = [(path, value)]
    start = len(path)
    while stack:
        where, item = stack.pop()
        if problems and id(item) in problems:
            raise JSONValueError(where, problems[id(item)])
        if len(where) - start > max_depth:
            raise JSONValueError(where, f"nested more than {max_depth} deep")
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, str) or not _encodable(key):
                    raise JSONValueError(where, f"the key {_quote(key)} is not text a file "
                                                "can hold (a lone surrogate)")
            stack.extend(((*where, k), v) for k, v in reversed(item.items()))
        elif isinstance(item, (list, tuple)):
            stack.extend(((*where, i), v) for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, str):
            if not _encodable(item):
                raise JSONValueError(where, f"the text {_quote(item)} holds a lone surrogate, "
                                            "which is no character")
        elif isinstance(item, float):
            if not math.isfinite(item) and not non_finite_allowed(where):
                raise JSONValueError(where, f"{_float_name(item)} is allowed only among a "
                                            "tensor's elements (JSON has no such number)")
        elif item is not None and not isinstance(item, (bool, int)):
            raise JSONValueError(where, f"a {type(item).__name__} is not a JSON value")


def format_path(path: JSONPath) -> str:
    """``nodes[3].attrs.shape[0]``; a key that is not a plain word is quoted: ``ui["a b"]``;
    a long path is cut in its middle: ``nodes[0].ui.a[0][0]…[0]``."""
    if len(path) > 12:
        tail = format_path(path[-1:])
        return f"{format_path(path[:8])}…{tail if tail.startswith('[') else '.' + tail}"
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier() and part.isascii():
            text += f".{part}" if text else part
        else:
            text += f"[{_quote(part)}]"
    return text


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _quote(key: object) -> str:
    """A key or text as JSON writes it, ASCII only (a lone surrogate prints as ``\\ud800``)."""
    text = json.dumps(key) if isinstance(key, str) else repr(key)
    return text if len(text) <= 40 else text[:38] + "…\""


def _float_name(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
