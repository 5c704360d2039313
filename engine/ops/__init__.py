"""Op definitions. Importing this package registers every built-in op type."""

from . import array, math, nn, shape_ops, sources, training  # noqa: F401
