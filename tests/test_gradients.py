"""Every op's gradient rule against central finite differences, and the backward pass's
handling of fan-out, skip connections, consumers off the loss path and missing rules."""

from __future__ import annotations

import all_op_cases
import numpy as np
import pytest

import engine as ts
from engine.ops.math import SUM_BY_PRODUCT, unbroadcast
from engine.registry import OpDef, all_ops, register, unregister

# Input shapes (and attributes) per op type; broadcast shapes wherever the op broadcasts.
CASES: dict[str, list[tuple[tuple[tuple[int, ...], ...], dict]]] = {
    "add": [(((3, 4), (3, 4)), {}), (((3, 4), (4,)), {}), (((2, 1, 4), (3, 1)), {}),
            (((), (2, 3)), {})],
    "subtract": [(((3, 4), (3, 1)), {}), (((4,), (2, 3, 4)), {})],
    "multiply": [(((3, 4), (3, 4)), {}), (((3, 4), (1, 4)), {}), (((2, 3), ()), {})],
    "divide": [(((3, 4), (3, 4)), {}), (((3, 4), (4,)), {}), (((3, 1), (1, 4)), {})],
    "negative": [(((3, 4),), {})],
    "square": [(((3, 4),), {})],
    "sqrt": [(((3, 4),), {})],
    "exp": [(((3, 4),), {})],
    "log": [(((3, 4),), {})],
    "sigmoid": [(((3, 4),), {})],
    "tanh": [(((3, 4),), {})],
    "relu": [(((3, 4),), {})],
    "softmax": [(((3, 4),), {}), (((3, 4),), {"axis": 0})],
    "matmul": [(((3, 4), (4, 2)), {}), (((4,), (4, 2)), {}), (((3, 4), (4,)), {}),
               (((4,), (4,)), {}), (((2, 3, 4), (4, 5)), {}), (((2, 3, 4), (1, 4, 5)), {})],
    "reduce_sum": [(((3, 4),), {}), (((3, 4),), {"axis": 1}),
                   (((2, 3, 4),), {"axis": (0, 2), "keepdims": True})],
    "reduce_mean": [(((3, 4),), {}), (((3, 4),), {"axis": 0}),
                    (((2, 3, 4),), {"axis": -1, "keepdims": True})],
    "transpose": [(((3, 4),), {}), (((2, 3, 4),), {"axes": (1, 2, 0)})],
    "reshape": [(((3, 4),), {"shape": (2, -1)})],
    "softmax_cross_entropy": [(((5, 3), (5, 3)), {}), (((3,), (5, 3)), {}),
                              (((4, 5), (4, 5)), {"axis": 0})],
    "mean_squared_error": [(((5, 3), (5, 3)), {}), (((5, 3), (3,)), {})],
}
CASES.update(all_op_cases.CASES)  # those of every tests/op_cases_*.py
POSITIVE = {"sqrt", "log"} | all_op_cases.POSITIVE
"""Ops whose inputs must be positive."""
NOT_DIFFERENTIATED = {"gradient", "minimize"} | all_op_cases.NOT_DIFFERENTIABLE
"""Training nodes (their outputs are not themselves differentiated) and ops without a
gradient."""


def _differentiable_ops() -> list[str]:
    return [o.type for o in all_ops() if not o.is_source and o.type not in NOT_DIFFERENTIATED]


def test_every_op_has_a_gradient_rule_and_a_case() -> None:
    for op_type in _differentiable_ops():
        opdef = ts.get_op(op_type)
        assert opdef.gradient is not None and len(opdef.gradient) == len(opdef.inputs), op_type
        assert all(opdef.gradient), op_type
        assert op_type in CASES, f"add a finite-difference case for {op_type}"


def _inputs(op_type: str, shapes, attrs, rng) -> list[np.ndarray]:
    if op_type in all_op_cases.INPUTS:
        return all_op_cases.INPUTS[op_type](shapes, attrs, rng)
    values = []
    for shape in shapes:
        if op_type in POSITIVE or op_type == "divide" and len(values) == 1:
            values.append(rng.uniform(0.5, 2.0, shape))
        elif op_type == "softmax_cross_entropy" and not values:  # labels: distributions
            labels = rng.uniform(0.1, 1.0, shape)
            axis = attrs.get("axis", -1)
            values.append(labels / labels.sum(axis=axis, keepdims=True))
        elif op_type == "relu":  # keep away from the kink at 0
            values.append(rng.choice([-1, 1], shape) * rng.uniform(0.1, 1.0, shape))
        else:
            values.append(rng.normal(size=shape))
    return values


@pytest.mark.parametrize("op_type,shapes,attrs", [
    (op_type, shapes, attrs) for op_type, cases in CASES.items() for shapes, attrs in cases
    if op_type not in NOT_DIFFERENTIATED
])
def test_gradient_matches_central_differences(op_type, shapes, attrs) -> None:
    rng = np.random.default_rng(7)
    values = _inputs(op_type, shapes, attrs, rng)
    with ts.Graph().as_default() as g:
        xs = [ts.Variable(v, name=f"x{i}") for i, v in enumerate(values)]
        out = ts.Operation(op_type, xs, attrs=attrs)
        weights = ts.constant(rng.normal(size=g.shape_of(out)))
        y = ts.reduce_sum(out * weights)  # a random direction: every output element counts
        grads = ts.gradients(y, xs)
    session = ts.Session(g)
    analytic = session.run(grads)
    eps = 1e-6
    for x, value, grad in zip(xs, values, analytic, strict=True):
        assert grad.shape == value.shape
        if value.dtype.kind != "f":  # a condition: no gradient flows back to it
            assert not grad.any(), x.name
            continue
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            for sign in (1, -1):
                shifted = value.copy()
                shifted[index] += sign * eps
                x.value = shifted
                numeric[index] += sign * session.run(y) / (2 * eps)
            x.value = value
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7, err_msg=x.name)


def _grad(y, x, feed=None):
    (dx,) = ts.gradients(y, [x])
    return ts.Session(y.graph).run(dx, feed)


def test_fan_out_sums_contributions() -> None:
    with ts.Graph().as_default():
        x = ts.Variable([1.0, 2.0, 3.0])
        y = ts.reduce_sum(x * x + ts.exp(x) + x)
    np.testing.assert_allclose(_grad(y, x), 2 * np.array([1, 2, 3]) + np.exp([1, 2, 3]) + 1)


def test_skip_connection() -> None:
    # h = σ(x w); y = Σ (h + x) · h — x reaches y directly and through h: breadth-first
    # backward passes (the series' TensorSlow) get this wrong.
    with ts.Graph().as_default() as g:
        x = ts.Variable([[0.5, -1.0]])
        w = ts.Variable([[1.0, 2.0], [0.5, -0.3]])
        h = ts.sigmoid(x @ w)
        y = ts.reduce_sum((h + x) * h)
        dx, dw = ts.gradients(y, [x, w])
    got_x, got_w = ts.Session(g).run([dx, dw])
    xv, wv = x.value, w.value
    hv = 1 / (1 + np.exp(-(xv @ wv)))
    dh = (hv + xv) + hv
    dz = dh * hv * (1 - hv)
    np.testing.assert_allclose(got_x, hv + dz @ wv.T)
    np.testing.assert_allclose(got_w, xv.T @ dz)


@pytest.fixture
def op_without_gradient():
    register(OpDef(type="no_grad_test", inputs=("x",), compute=np.floor, shape=lambda x: x,
                   category="Math", doc="floor, without a gradient"))
    yield
    unregister("no_grad_test")


def test_consumers_off_the_loss_path_are_ignored(op_without_gradient) -> None:
    with ts.Graph().as_default() as g:
        x = ts.Variable([1.0, 2.0])
        y = ts.reduce_sum(ts.square(x))
        side = ts.log(ts.negative(x))  # x's other consumers, which y does not read
        ts.Operation("no_grad_test", [side])
        (dx,) = ts.gradients(y, [x])
    session = ts.Session(g)
    np.testing.assert_allclose(session.run(dx), [2.0, 4.0])
    np.testing.assert_allclose(session.run(ts.gradients(side, [x])[0]), [1.0, 0.5])


def test_op_without_rule_on_the_path_is_named(op_without_gradient) -> None:
    with ts.Graph().as_default():
        x = ts.Variable([1.5, 2.5])
        y = ts.reduce_sum(ts.Operation("no_grad_test", [x], name="floored") * x)
    with pytest.raises(ts.EngineError, match="floored") as info:
        _grad(y, x)
    assert info.value.node == "floored"


def test_op_without_rule_off_the_path_is_fine(op_without_gradient) -> None:
    with ts.Graph().as_default():
        x = ts.Variable([1.5, 2.5])
        c = ts.placeholder(name="c", default=[1.0, 3.0])
        y = ts.reduce_sum(ts.Operation("no_grad_test", [c]) * x)
    np.testing.assert_allclose(_grad(y, x), [1.0, 3.0])


def test_non_scalar_y_is_summed_and_unrelated_x_gets_zeros() -> None:
    with ts.Graph().as_default():
        x = ts.Variable([[1.0, 2.0], [3.0, 4.0]])
        other = ts.Variable([5.0, 6.0])
        y = x * 3.0
    np.testing.assert_allclose(_grad(y, x), np.full((2, 2), 3.0))
    np.testing.assert_allclose(_grad(y, other), [0.0, 0.0])


def test_gradient_uses_the_feed_and_nodes_of_one_y_share_one_pass(monkeypatch) -> None:
    with ts.Graph().as_default() as g:
        a = ts.placeholder(name="a", default=[1.0])
        w = ts.Variable([2.0], name="w")
        b = ts.Variable([3.0], name="b")
        y = ts.reduce_sum(a * w * b)
        dw, db = ts.gradients(y, [w, b])
    assert (dw.name, db.name) == (f"d{y.name}_dw", f"d{y.name}_db")
    session = ts.Session(g)
    passes = []
    original = ts.autodiff.Backward.run
    monkeypatch.setattr(ts.autodiff.Backward, "run",
                        lambda self, values: passes.append(1) or original(self, values))
    assert session.run([dw, db], {a: [10.0]}) == [[30.0], [20.0]]
    assert len(passes) == 1
    assert session.run([dw, db], {a: [-1.0]}) == [[-3.0], [-2.0]]
    assert len(passes) == 2
    assert session.run(dw, {a: [-1.0]}) == [-3.0]  # nothing changed: served from the cache
    assert len(passes) == 2


def test_gradient_nodes_follow_graph_edits() -> None:
    with ts.Graph().as_default() as g:
        x = ts.Variable([2.0], name="x")
        sq = ts.square(x)
        y = ts.exp(sq, name="y")  # will be rewired
        (dx,) = ts.gradients(y, [x])
    session = ts.Session(g)
    np.testing.assert_allclose(session.run(dx), 4 * np.exp(4.0))
    g.connect(x, y, "x")
    np.testing.assert_allclose(session.run(dx), np.exp(2.0))


def test_deep_chain_has_no_recursion_limit() -> None:
    with ts.Graph().as_default():
        x = ts.Variable(1.0)
        y = x
        for _ in range(5000):
            y = y * 1.0001
    np.testing.assert_allclose(_grad(y, x), 1.0001 ** 5000)


def test_backward_pass_is_compiled_once_per_graph_version(monkeypatch) -> None:
    with ts.Graph().as_default() as g:
        x = ts.Variable([1.0, 2.0], name="x")
        y = ts.reduce_sum(ts.exp(x))
        (dx,) = ts.gradients(y, [x])
    compiled = []
    original = ts.autodiff.Backward.__init__
    monkeypatch.setattr(ts.autodiff.Backward, "__init__",
                        lambda self, *args: compiled.append(1) or original(self, *args))
    session = ts.Session(g)
    for value in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]):
        x.value = value
        np.testing.assert_allclose(session.run(dx), np.exp(value))
    assert len(compiled) == 1
    g.set_attr(y, "keepdims", True)  # a structural change: compiled again
    np.testing.assert_allclose(session.run(dx), np.exp([5.0, 6.0]))
    assert len(compiled) == 2


def test_gradient_nodes_of_one_y_with_x_outside_the_run() -> None:
    with ts.Graph().as_default() as g:
        x = ts.Variable([1.0, 2.0], name="x")
        elsewhere = ts.placeholder(name="elsewhere")  # never fed: it cannot be computed
        y = ts.reduce_sum(ts.square(x))
        (dx,) = ts.gradients(y, [x])
        ts.gradients(y, [ts.exp(elsewhere)])
    np.testing.assert_allclose(ts.Session(g).run(dx), [2.0, 4.0])


@pytest.mark.parametrize("rows", [1, 7, SUM_BY_PRODUCT + 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_a_bias_gradient_sums_the_batch(rows, dtype) -> None:
    grad = np.arange(rows * 3, dtype=dtype).reshape(rows, 3)
    summed = unbroadcast(grad, (3,))
    assert summed.dtype == dtype and summed.flags.writeable
    np.testing.assert_allclose(summed, grad.sum(axis=0), rtol=1e-6)
    summed[:] = 0  # a new array each time, never the cached row of ones
    np.testing.assert_allclose(unbroadcast(grad, (3,)), grad.sum(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(unbroadcast(grad, (1, 3)), grad.sum(axis=0, keepdims=True))
