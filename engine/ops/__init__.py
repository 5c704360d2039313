"""Op definitions. Importing this package registers every built-in op type."""

from . import array, math, nn, sources, training  # noqa: F401, I001
from . import activations, adaptive, conv, losses  # noqa: F401  (ops-nn)
