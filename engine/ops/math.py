"""Element-wise arithmetic with numpy broadcasting."""

from __future__ import annotations

import numpy as np

from .. import shapes
from ..registry import OpDef, register


def _elementwise(type: str, compute, symbol: str, doc: str, arity: int) -> None:
    register(OpDef(
        type=type, inputs=("x", "y")[:arity], compute=compute, symbol=symbol, doc=doc,
        shape=shapes.broadcast if arity == 2 else shapes.same, category="Math",
    ))


_elementwise("add", np.add, "+", "Element-wise x + y, with broadcasting.", 2)
_elementwise("subtract", np.subtract, "−", "Element-wise x − y, with broadcasting.", 2)
_elementwise("multiply", np.multiply, "×", "Element-wise x · y, with broadcasting.", 2)
_elementwise("divide", np.true_divide, "÷", "Element-wise x / y, with broadcasting.", 2)
_elementwise("negative", np.negative, "−x", "Element-wise −x.", 1)
_elementwise("square", np.square, "x²", "Element-wise x².", 1)
_elementwise("sqrt", np.sqrt, "√", "Element-wise square root.", 1)
_elementwise("exp", np.exp, "eˣ", "Element-wise eˣ.", 1)
_elementwise("log", np.log, "ln", "Element-wise natural logarithm.", 1)
