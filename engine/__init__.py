"""Tensor Canvas's engine: a TensorFlow-1-style computational graph library (no Qt).

    import engine as ts
    with ts.Graph().as_default() as g:
        A = ts.Variable([[1, 0], [0, -1]], name="A")
        b = ts.Variable([1, 1], name="b")
        x = ts.placeholder(shape=[2], name="x", default=[1, 2])
        z = ts.add(ts.matmul(A, x), b, name="z")
    ts.Session(g).run(z)  # array([ 2, -1])
"""

from collections.abc import Callable

from . import data, train
from . import ops as _ops  # noqa: F401  (registers the built-in op types)
from .autodiff import gradients
from .builders import builder as _builder
from .builders import op_functions as _op_functions
from .errors import (
    Cancelled,
    CycleError,
    EngineError,
    EvaluationError,
    FeedError,
    FileFormatError,
    ShapeError,
)
from .graph import (
    Constant,
    Graph,
    GraphEvent,
    Node,
    Operation,
    Placeholder,
    Variable,
    get_default_graph,
)
from .initializers import Initializer, ones, random_normal, random_uniform, zeros
from .io import load_graph, save_graph
from .registry import Attr, OpDef, all_ops, get_op, register
from .session import Session

placeholder = Placeholder
constant = Constant

globals().update(_op_functions())


def __getattr__(name: str) -> Callable[..., Operation]:
    """The builder of an op type registered after import (``ts.register(OpDef("my_loss",
    …))``, then ``ts.my_loss(x)``); the built-in ones are attributes already. (It also tells
    type checkers what ``ts.add`` and the like are.)"""
    try:
        opdef = get_op(name)
    except KeyError:
        raise AttributeError(f"module 'engine' has no attribute {name!r}") from None
    if opdef.is_source:
        raise AttributeError(f"module 'engine' has no attribute {name!r} (a {name} is made "
                             "with its class)")
    return _builder(opdef)


__all__ = [
    "Attr", "Cancelled", "Constant", "CycleError", "data", "EngineError", "EvaluationError",
    "FeedError", "FileFormatError", "Graph", "GraphEvent", "Initializer", "Node", "OpDef",
    "Operation", "Placeholder", "Session", "ShapeError", "Variable", "all_ops", "constant",
    "get_default_graph", "get_op", "gradients", "load_graph", "ones", "placeholder",
    "random_normal", "random_uniform", "register", "save_graph", "train", "zeros",
    *_op_functions(),
]
