"""Cases of the array ops (engine/ops/shape_ops.py, and matmul's transposes) for the
finite-difference test (tests/test_gradients.py, through tests/all_op_cases.py) and the
registry's completeness test: op type → [(input shapes, attributes)]."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CASES: dict[str, list[tuple[tuple[tuple[int, ...], ...], dict]]] = {
    "cast": [(((3, 4),), {"dtype": "float64"})],
    "identity": [(((3, 4),), {})],
    "stop_gradient": [(((3, 4),), {})],
    "zeros_like": [(((3, 4),), {})],
    "ones_like": [(((2, 3),), {})],
    "concat": [(((2, 3), (4, 3)), {}), (((2, 3), (2, 1)), {"axis": -1}),
               (((2, 1, 3), (2, 2, 3)), {"axis": 1})],
    "stack": [(((2, 3), (2, 3)), {}), (((2, 3), (2, 3)), {"axis": -1}), (((), ()), {})],
    "unstack": [(((3, 4),), {"index": 2}), (((2, 3, 4),), {"index": 1, "axis": -2})],
    "expand_dims": [(((3, 4),), {"axis": 1}), (((3,),), {"axis": -1})],
    "squeeze": [(((3, 1, 4, 1),), {}), (((1, 3, 1),), {"axis": 0})],
    "gather": [(((5, 3), (4,)), {}), (((2, 5), (2, 3)), {"axis": 1}), (((4,), ()), {})],
    "slice": [(((4, 5),), {"begin": (1, 0), "size": (2, -1)}),
              (((2, 3, 4),), {"begin": (0, 1, 2), "size": (-1, 2, 1)})],
    "tile": [(((2, 3),), {"multiples": (2, 1)}), (((2, 1, 3),), {"multiples": (1, 3, 2)})],
    "one_hot": [(((4,),), {"depth": 3}), (((2, 3),), {"depth": 4, "axis": 0})],
    "tensordot": [(((3, 4), (4, 5)), {"axes": 1}), (((2, 3, 4), (3, 4, 5)), {}),
                  (((3, 4, 2), (2, 3)), {"axes": ((2, 0), (0, 1))}),
                  (((3,), (4,)), {"axes": 0})],
    "matmul": [(((3, 4), (4, 2)), {}), (((4,), (4, 2)), {}), (((3, 4), (4,)), {}),
               (((4,), (4,)), {}), (((2, 3, 4), (4, 5)), {}), (((2, 3, 4), (1, 4, 5)), {}),
               (((4, 3), (4, 2)), {"transpose_a": True}),
               (((3, 4), (2, 4)), {"transpose_b": True}),
               (((2, 4, 3), (2, 5, 4)), {"transpose_a": True, "transpose_b": True}),
               (((2, 3, 4), (2, 4, 5)), {})],
}
"""(matmul's include tests/test_gradients.py's own, which these replace.)"""
POSITIVE: set[str] = set()
NOT_DIFFERENTIABLE = {"one_hot", "stop_gradient"}
"""one_hot reads integers only; stop_gradient's gradient is zero by design (finite
differences see the identity), as tests/test_ops_arrays.py checks."""


def _gather(shapes, attrs, rng) -> list[np.ndarray]:
    params, indices = shapes
    axis = attrs.get("axis", 0) % len(params)
    return [rng.normal(size=params), rng.integers(0, params[axis], indices)]


INPUTS: dict[str, Callable[..., list[np.ndarray]]] = {
    "gather": _gather,  # repeated indices: their gradients add up; the indices get none
    "one_hot": lambda shapes, attrs, rng: [rng.integers(-1, attrs["depth"] + 1, shapes[0])],
}
"""Ops whose inputs are not all random floats: op type → function(shapes, attrs, rng)."""
