"""Op definitions. Importing this package registers every built-in op type."""

from . import (  # noqa: F401
    activations,
    adaptive,
    array,
    compare,
    conv,
    elementwise,
    losses,
    math,
    nn,
    reduce,
    shape_ops,
    sources,
    training,
)
