"""The TensorFlow-style op functions (``add``, ``matmul``, ``softmax``…), made from the registry.

Each registered operation gets a function taking its inputs, then its attributes, then
``name``; non-node inputs (numbers, lists, arrays) become constants.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .graph import Operation
from .registry import OpDef, all_ops


def builder(opdef: OpDef) -> Callable[..., Operation]:
    """The function that adds an ``opdef`` operation to the graph of its inputs."""
    params = [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in opdef.inputs]
    params += [
        inspect.Parameter(a, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=attr.default)
        for a, attr in opdef.attrs.items()
    ]
    params.append(inspect.Parameter("name", inspect.Parameter.KEYWORD_ONLY, default=None))
    signature = inspect.Signature(params)
    arity = len(opdef.inputs)

    def build(*args: Any, **kwargs: Any) -> Operation:
        if len(args) == arity and kwargs.keys() <= {"name"}:  # the common case, bound fast
            return Operation(opdef.type, args, name=kwargs.get("name"))
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        inputs = [values[p] for p in opdef.inputs]
        attrs = {a: values[a] for a in opdef.attrs}
        return Operation(opdef.type, inputs, name=values["name"], attrs=attrs)

    build.__name__ = build.__qualname__ = opdef.type
    build.__doc__ = opdef.doc
    build.__signature__ = signature  # type: ignore[attr-defined]
    return build


def op_functions() -> dict[str, Callable[..., Operation]]:
    """A builder for every registered operation, by op type."""
    return {opdef.type: builder(opdef) for opdef in all_ops() if not opdef.is_source}
