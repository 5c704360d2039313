"""Cases of the ops-math ops (engine/ops/elementwise.py, reduce.py, compare.py) for the
finite-difference test (tests/test_gradients.py) and the registry's completeness test:
op type → [(input shapes, attributes)], broadcasting wherever the op broadcasts."""

from __future__ import annotations

BINARY = [(((3, 4), (3, 4)), {}), (((3, 4), (4,)), {}), (((2, 1, 4), (3, 1)), {}),
          (((), (2, 3)), {})]
UNARY = [(((3, 4),), {}), (((2, 3, 2),), {})]
REDUCTIONS = [(((3, 4),), {}), (((3, 4),), {"axis": 1}), (((3, 4),), {"axis": 0}),
              (((2, 3, 4),), {"axis": (0, 2), "keepdims": True}),
              (((2, 3, 4),), {"axis": -1, "keepdims": True})]
ARG = [(((3, 4),), {}), (((3, 4),), {"axis": 1}),
       (((2, 3, 4),), {"axis": -1, "output_type": "int32"})]
COMPARISONS = ("equal", "not_equal", "greater", "less", "greater_equal", "less_equal")
LOGIC = ("logical_and", "logical_or")

CASES: dict[str, list[tuple[tuple[tuple[int, ...], ...], dict]]] = {
    "maximum": BINARY,
    "minimum": [(((3, 4), (3, 1)), {}), (((4,), (2, 3, 4)), {}), (((2, 3), ()), {})],
    "abs": UNARY,
    "pow": [(((3, 4), (3, 4)), {}), (((3, 4), (4,)), {}), (((2, 3), ()), {})],
    "sign": UNARY,
    "reciprocal": UNARY,
    "rsqrt": UNARY,
    "squared_difference": BINARY,
    "clip_by_value": [(((3, 4), (), ()), {}), (((3, 4), (4,), (3, 1)), {}),
                      (((2, 3, 4), (1, 4), ()), {})],
    "reduce_max": REDUCTIONS,
    "reduce_min": REDUCTIONS,
    "reduce_prod": REDUCTIONS,
    "reduce_logsumexp": REDUCTIONS,
    "argmax": ARG,
    "argmin": ARG,
    **{op: BINARY for op in COMPARISONS + LOGIC},
    "logical_not": UNARY,
    "where": [(((3, 4), (3, 4), (3, 4)), {}), (((3,), (3, 4), (3, 4)), {}),
              (((), (2, 3), (2, 3)), {})],
}
POSITIVE = {"rsqrt"}
"""Ops whose inputs must be positive."""
NOT_DIFFERENTIABLE = {"argmax", "argmin", *COMPARISONS, *LOGIC, "logical_not"}
"""Ops that pass no gradient back (TensorFlow's NotDifferentiable)."""


def _away_from_zero(shape, rng):
    return rng.choice([-1, 1], shape) * rng.uniform(0.5, 2.0, shape)


def _pow(shapes, attrs, rng):
    x, y = shapes
    return [rng.uniform(0.5, 2.0, x), rng.normal(size=y)]


def _clip(shapes, attrs, rng):
    t, low, high = shapes
    return [1.5 * rng.normal(size=t), rng.uniform(-1, -0.2, low), rng.uniform(0.2, 1, high)]


def _prod(shapes, attrs, rng):
    (shape,) = shapes
    x = rng.normal(size=shape)
    x.flat[0] = 0.0  # the gradient of a product with a zero: no division
    return [x]


def _booleans(shapes, attrs, rng):
    return [rng.random(shape) < 0.5 for shape in shapes]


def _where(shapes, attrs, rng):
    condition, x, y = shapes
    return [rng.random(condition) < 0.5, rng.normal(size=x), rng.normal(size=y)]


INPUTS = {
    "abs": lambda shapes, attrs, rng: [_away_from_zero(s, rng) for s in shapes],
    "sign": lambda shapes, attrs, rng: [_away_from_zero(s, rng) for s in shapes],
    "reciprocal": lambda shapes, attrs, rng: [_away_from_zero(s, rng) for s in shapes],
    "pow": _pow,
    "clip_by_value": _clip,
    "reduce_prod": _prod,
    **{op: _booleans for op in (*LOGIC, "logical_not")},
    "where": _where,
}
"""Ops needing special inputs: op type → function(shapes, attrs, rng) → list of arrays."""
