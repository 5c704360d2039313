"""Op definitions. Importing this package registers every built-in op type."""

from . import array, compare, elementwise, math, nn, reduce, sources, training  # noqa: F401
