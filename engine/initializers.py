"""Variable initializers: specs that make a variable's value and are kept with it.

``ts.Variable(ts.random_normal([2, 3], seed=1))`` keeps the spec in the variable's
``initializer`` attribute (so files save it); ``graph.reset_variables()`` runs it again — with a
seed, to the same values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .limits import MAX_RANK, Limits, describe_shape
from .tensors import parse_dtype, short_repr

KINDS: dict[str, dict[str, float]] = {
    "zeros": {},
    "ones": {},
    "random_normal": {"mean": 0.0, "stddev": 1.0},
    "random_uniform": {"minval": 0.0, "maxval": 1.0},
}
"""Initializer kinds and their numeric parameters with defaults."""


class Initializer(dict[str, Any]):
    """A validated initializer spec (a plain dict as stored in files); call it for a value."""

    def __call__(self, limits: Limits | None = None) -> np.ndarray:
        """A value drawn as the spec says; ``ValueError`` (nothing allocated) for a tensor
        past ``limits`` (default: :meth:`Limits.from_environment`) or the memory left."""
        shape, dtype = tuple(self["shape"]), self["dtype"]
        (limits or Limits.from_environment()).check_tensor(shape, dtype)
        try:
            return self._draw(shape, dtype)
        except MemoryError:
            raise ValueError(f"not enough memory left for a {describe_shape(shape)} {dtype} "
                             "tensor") from None

    def _draw(self, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        kind = self["kind"]
        if kind == "zeros":
            return np.zeros(shape, dtype)
        if kind == "ones":
            return np.ones(shape, dtype)
        rng = np.random.default_rng(self["seed"])
        if kind == "random_normal":
            return rng.normal(self["mean"], self["stddev"], shape).astype(dtype)
        return rng.uniform(self["minval"], self["maxval"], shape).astype(dtype)


def parse_initializer(value: Any) -> Initializer | None:
    """``null`` or an object ``{"kind", "shape", "dtype"?, "seed"?, parameters…}``."""
    if value is None:
        return None
    return _parse_spec(value)


def _parse_spec(value: Any) -> Initializer:
    """An initializer object (see :func:`parse_initializer`), validated."""
    if not isinstance(value, dict):
        raise ValueError(f"expected null or an initializer object, got {value!r}")
    kind = value.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown initializer kind {kind!r} (use one of {', '.join(KINDS)})")
    params = KINDS[kind]
    random = kind.startswith("random")
    unknown = set(value) - {"kind", "shape", "dtype", *params} - ({"seed"} if random else set())
    if unknown:
        raise ValueError(f"a {kind} initializer has no {', '.join(sorted(unknown))}")
    shape = value.get("shape")
    if not isinstance(shape, (list, tuple)) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise ValueError(f"initializer shape: expected a list of sizes ≥ 0, got {shape!r}")
    if len(shape) > MAX_RANK:
        raise ValueError(f"initializer shape: at most {MAX_RANK} dimensions, not {len(shape)}")
    dtype = parse_dtype(value.get("dtype", "float64"))
    if dtype is None or np.dtype(dtype).kind not in "fc":
        raise ValueError(f"initializer dtype: expected a float type, got {dtype!r}")
    seed = value.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"initializer seed: expected null or a whole number ≥ 0, got {seed!r}")
    spec = Initializer(kind=kind, shape=[int(d) for d in shape], dtype=dtype)
    if random:
        spec["seed"] = seed
    for name, default in params.items():
        number = value.get(name, default)
        if isinstance(number, bool) or not isinstance(number, (int, float)) \
                or not math.isfinite(float(number) if abs(number) < 2**1000 else math.inf):
            raise ValueError(f"initializer {name}: expected a finite number, got "
                             f"{short_repr(number)}")
        spec[name] = float(number)
    if kind == "random_normal" and spec["stddev"] < 0:
        raise ValueError("initializer stddev: must be ≥ 0")
    if kind == "random_uniform" and spec["maxval"] < spec["minval"]:
        raise ValueError("initializer maxval: must be ≥ minval")
    return spec


def zeros(shape: Any, dtype: str = "float64") -> Initializer:
    """A tensor of zeros."""
    return _parse_spec({"kind": "zeros", "shape": list(shape), "dtype": dtype})


def ones(shape: Any, dtype: str = "float64") -> Initializer:
    """A tensor of ones."""
    return _parse_spec({"kind": "ones", "shape": list(shape), "dtype": dtype})


def random_normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None,
    dtype: str = "float64",
) -> Initializer:
    """Normally distributed values; the same ``seed`` gives the same values."""
    return _parse_spec({"kind": "random_normal", "shape": list(shape), "mean": mean,
                        "stddev": stddev, "seed": seed, "dtype": dtype})


def random_uniform(
    shape: Any, minval: float = 0.0, maxval: float = 1.0, seed: int | None = None,
    dtype: str = "float64",
) -> Initializer:
    """Values uniform in [minval, maxval); the same ``seed`` gives the same values."""
    return _parse_spec({"kind": "random_uniform", "shape": list(shape), "minval": minval,
                        "maxval": maxval, "seed": seed, "dtype": dtype})
