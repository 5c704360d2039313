"""Source nodes: placeholders (fed at run time), variables and constants (held by the graph)."""

from __future__ import annotations

import re
from typing import Any

from ..initializers import parse_initializer
from ..registry import Attr, OpDef, register
from ..tensors import parse_dtype, parse_shape
from . import attrs

register(OpDef(
    type="placeholder", kind="placeholder", inputs=(), compute=None, shape=None,
    category="Inputs", symbol="in",
    doc="An input fed at run time; its default value is used when a run does not feed it.",
    attrs={
        "shape": Attr(None, parse_shape, "static shape; None for any, None entries for any size"),
        "dtype": Attr(None, parse_dtype, "element type; None for any numeric type"),
        "binding": Attr(None, lambda value: parse_binding(value),
                     "the data set array bound to it (engine.data.bind); null for none"),
    },
))

register(OpDef(
    type="variable", kind="variable", inputs=(), compute=None, shape=None,
    category="Inputs", symbol="var",
    doc="A parameter held by the graph; training updates it if it is trainable.",
    attrs={
        "trainable": Attr(True, attrs.boolean, "whether optimizers update it"),
        "initializer": Attr(None, parse_initializer,
                            "how reset makes its value: zeros, ones, random_normal, "
                            "random_uniform with shape and parameters; null for none"),
    },
))

register(OpDef(
    type="constant", kind="constant", inputs=(), compute=None, shape=None,
    category="Inputs", symbol="const",
    doc="A fixed tensor.",
))


_BINDING_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "set": (str, "a string"), "array": (str, "a string"),
    "file": ((str, type(None)), "a path or null"), "sha256": ((str, type(None)), "hex or null"),
    "options": (dict, "an object"),
}


def parse_binding(value: Any) -> dict[str, Any] | None:
    """A placeholder's binding to a data set's array: ``set`` (the data set's name), ``array``
    (``features``, ``labels``, a .npz array), ``file`` (the data file it is read from, or
    ``null`` when the default holds the data), ``sha256`` (the file's content hash) and
    ``options`` (how the file is read); ``null`` for none."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"expected null or a binding object, got {value!r}")
    value = {"file": None, "sha256": None, "options": {}, **value}
    binding: dict[str, Any] = value
    unknown = set(value) - set(_BINDING_FIELDS)
    if unknown:
        raise ValueError(f"unknown binding field(s) {', '.join(sorted(unknown))}")
    for key, (kind, expected) in _BINDING_FIELDS.items():
        if not isinstance(value[key], kind):
            raise ValueError(f"binding {key}: expected {expected}, got {value[key]!r}")
    if not value["set"] or not value["array"]:
        raise ValueError("a binding names its data set and array")
    if (value["file"] is None) != (value["sha256"] is None) or value["sha256"] is not None \
            and not re.fullmatch(r"[0-9a-f]{64}", value["sha256"]):
        raise ValueError("a binding to a file has the file's sha256 (64 hex digits)")
    return binding
