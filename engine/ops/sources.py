"""Source nodes: placeholders (fed at run time), variables and constants (held by the graph)."""

from __future__ import annotations

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
