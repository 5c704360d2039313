"""The ops of engine/ops/elementwise.py, reduce.py and compare.py against numpy references
(broadcasting included), with TensorFlow 1's choices at ties and edges, and how gradients
treat ops that have none."""

from __future__ import annotations

import numpy as np
import pytest

import engine as ts
import main
from engine.registry import OpDef, register, unregister

RNG = np.random.default_rng(11)
A = RNG.normal(size=(3, 4))
B = RNG.normal(size=(4,))
C = RNG.normal(size=(2, 1, 4))


def run(build, *values, feed=None):
    """The value of ``build(*constants)`` on ``values``."""
    with ts.Graph().as_default() as g:
        out = build(*[ts.constant(v) for v in values])
    return ts.Session(g).run(out, feed)


def grads(build, *values):
    """d sum(build(*variables)) / d each variable."""
    with ts.Graph().as_default() as g:
        xs = [ts.Variable(v) for v in values]
        dxs = ts.gradients(ts.reduce_sum(build(*xs)), xs)
    return ts.Session(g).run(dxs)


@pytest.mark.parametrize("op,reference", [
    (ts.maximum, np.maximum), (ts.minimum, np.minimum), (ts.pow, np.power),
    (ts.squared_difference, lambda x, y: (x - y) ** 2),
    (ts.equal, np.equal), (ts.not_equal, np.not_equal), (ts.greater, np.greater),
    (ts.less, np.less), (ts.greater_equal, np.greater_equal), (ts.less_equal, np.less_equal),
])
@pytest.mark.parametrize("x,y", [(A, B), (C, A[:, :1]), (np.abs(A), 2.0), (A, A.copy())])
def test_binary_ops_match_numpy_with_broadcasting(op, reference, x, y) -> None:
    if op is ts.pow:
        x = np.abs(x)
    got = run(op, x, y)
    expected = reference(x, y)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("op,reference", [
    (ts.abs, np.abs), (ts.sign, np.sign), (ts.reciprocal, lambda x: 1 / x),
    (ts.rsqrt, lambda x: 1 / np.sqrt(np.abs(x) + 0.5)),
])
def test_unary_ops_match_numpy(op, reference) -> None:
    x = np.abs(A) + 0.5 if op is ts.rsqrt else A
    np.testing.assert_allclose(run(op, x), reference(A))


def test_integer_and_float32_inputs_keep_their_dtype() -> None:
    ints = np.array([[3, -1], [0, 2]])
    assert run(ts.maximum, ints, np.array([1, 1])).dtype == np.int64
    assert run(ts.abs, ints).tolist() == [[3, 1], [0, 2]]
    floats = A.astype(np.float32)
    assert run(ts.minimum, floats, floats).dtype == np.float32
    assert run(ts.reduce_logsumexp, floats).dtype == np.float32
    (d,) = grads(ts.maximum, floats, floats * 2)[:1]
    assert d.dtype == np.float32


def test_maximum_and_minimum_send_the_gradient_of_a_tie_to_x() -> None:
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0])
    dx, dy = grads(ts.maximum, x, y)
    assert dx.tolist() == [1, 1, 0] and dy.tolist() == [0, 0, 1]
    dx, dy = grads(ts.minimum, x, y)
    assert dx.tolist() == [1, 0, 1] and dy.tolist() == [0, 1, 0]


def test_abs_and_sign_have_gradient_zero_at_zero() -> None:
    (dx,) = grads(ts.abs, np.array([-2.0, 0.0, 3.0]))
    assert dx.tolist() == [-1, 0, 1]
    (dx,) = grads(ts.sign, np.array([-2.0, 0.0, 3.0]))
    assert dx.tolist() == [0, 0, 0]


def test_pow_gradient_of_the_exponent_is_zero_where_the_base_is_not_positive() -> None:
    dx, dy = grads(ts.pow, np.array([0.0, 2.0, -1.0]), np.array([2.0, 3.0, 2.0]))
    np.testing.assert_allclose(dx, [0.0, 12.0, -2.0])
    np.testing.assert_allclose(dy, [0.0, 8 * np.log(2), 0.0])


def test_clip_by_value_as_tensorflow() -> None:
    t = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_allclose(run(ts.clip_by_value, t, -1.0, 1.0), [-1, -1, 0, 1, 1])
    # bounds broadcast to t: one per column
    m = np.array([[0.0, 5.0], [3.0, -3.0]])
    np.testing.assert_allclose(run(ts.clip_by_value, m, [1.0, -1.0], [2.0, 1.0]),
                               [[1, 1], [2, -1]])
    # min above max: TensorFlow's maximum(minimum(t, max), min) gives min
    np.testing.assert_allclose(run(ts.clip_by_value, t, 1.0, -1.0), np.ones(5))
    dt, dlow, dhigh = grads(ts.clip_by_value, t, -1.0, 1.0)
    assert dt.tolist() == [0, 1, 1, 1, 0]  # the ties at ±1 go to t
    assert (dlow, dhigh) == (1.0, 1.0)


def test_clip_by_value_refuses_bounds_that_would_broadcast_t() -> None:
    with ts.Graph().as_default() as g:
        t = ts.placeholder(shape=[3], name="t", default=[1.0, 2.0, 3.0])
        clipped = ts.clip_by_value(t, ts.constant(np.zeros((2, 3))), 2.0, name="clipped")
    with pytest.raises(ts.ShapeError, match="clipped: .*must fit t's shape"):
        g.shape_of(clipped)
    with pytest.raises(ts.EvaluationError, match="must fit t's shape") as info:
        ts.Session(g).run(clipped)
    assert info.value.node == "clipped"


@pytest.mark.parametrize("op,reference", [
    (ts.reduce_max, np.max), (ts.reduce_min, np.min), (ts.reduce_prod, np.prod),
    (ts.reduce_logsumexp, lambda x, axis=None, keepdims=False:
        np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))),
])
@pytest.mark.parametrize("attrs", [{}, {"axis": 1}, {"axis": (0, 2), "keepdims": True},
                                   {"axis": -1, "keepdims": True}])
def test_reductions_match_numpy(op, reference, attrs) -> None:
    x = RNG.normal(size=(2, 3, 4))
    got = run(lambda c: op(c, **attrs), x)
    np.testing.assert_allclose(got, reference(x, **attrs))


def test_reduce_max_splits_the_gradient_of_ties_and_gives_minus_inf_for_nothing() -> None:
    (dx,) = grads(lambda x: ts.reduce_max(x, axis=1), np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]))
    np.testing.assert_allclose(dx, [[0, 0.5, 0.5], [1, 0, 0]])
    assert run(ts.reduce_max, np.zeros((0, 3))) == -np.inf
    assert run(ts.reduce_min, np.zeros((0,), np.int32)) == np.iinfo(np.int32).max


def test_reduce_prod_gradient_is_exact_with_zeros() -> None:
    (dx,) = grads(lambda x: ts.reduce_prod(x, axis=1),
                  np.array([[2.0, 0.0, 3.0], [0.0, 4.0, 0.0], [1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(dx, [[0, 6, 0], [0, 0, 0], [6, 3, 2]])


def test_reduce_logsumexp_neither_overflows_nor_makes_nan_of_minus_inf() -> None:
    np.testing.assert_allclose(run(ts.reduce_logsumexp, [1000.0, 1000.0]), 1000 + np.log(2))
    assert run(ts.reduce_logsumexp, [-np.inf, -np.inf]) == -np.inf
    (dx,) = grads(ts.reduce_logsumexp, np.array([1000.0, 1000.0]))
    np.testing.assert_allclose(dx, [0.5, 0.5])


def test_argmax_and_argmin_as_tensorflow_1() -> None:
    x = np.array([[1.0, 7.0, 7.0], [9.0, 0.0, 9.0]])
    got = run(ts.argmax, x)  # axis 0 by default, as tf.argmax in TensorFlow 1
    assert got.dtype == np.int64 and got.tolist() == [1, 0, 1]
    assert run(lambda c: ts.argmax(c, axis=1), x).tolist() == [1, 0]  # the first of ties
    assert run(lambda c: ts.argmin(c, axis=-1), x).tolist() == [0, 1]
    assert run(lambda c: ts.argmax(c, 1, "int32"), x).dtype == np.int32
    assert run(lambda c: ts.argmax(c, axis=None), x).tolist() == [1, 0, 1]  # None is 0
    with ts.Graph().as_default() as g:
        scalar = ts.argmax(ts.constant(3.0), name="am")
    with pytest.raises(ts.ShapeError, match="am: axis 0 is out of range for rank 0"):
        g.shape_of(scalar)


def test_logical_ops_take_booleans_and_name_the_node_otherwise() -> None:
    p, q = np.array([True, True, False]), np.array([[True], [False]])
    np.testing.assert_array_equal(run(ts.logical_and, p, q), np.logical_and(p, q))
    np.testing.assert_array_equal(run(ts.logical_or, p, q), np.logical_or(p, q))
    np.testing.assert_array_equal(run(ts.logical_not, p), [False, False, True])
    with ts.Graph().as_default() as g:
        both = ts.logical_and(ts.constant([1.0, 0.0]), ts.constant([True, False]), name="both")
    with pytest.raises(ts.EvaluationError, match="both.*'x' is float64: it takes booleans"):
        ts.Session(g).run(both)


def test_where_as_tensorflow_1() -> None:
    x, y = np.arange(6.0).reshape(3, 2), -np.arange(6.0).reshape(3, 2)
    mask = np.array([[True, False], [False, True], [True, True]])
    np.testing.assert_array_equal(run(ts.where, mask, x, y), np.where(mask, x, y))
    rows = np.array([True, False, True])  # a vector picks rows
    np.testing.assert_array_equal(run(ts.where, rows, x, y), [[0, 1], [-2, -3], [4, 5]])
    np.testing.assert_array_equal(run(ts.where, np.array(False), x, y), y)
    _, dx, dy = grads(ts.where, rows, x, y)
    np.testing.assert_array_equal(dx, [[1, 1], [0, 0], [1, 1]])
    np.testing.assert_array_equal(dy, [[0, 0], [1, 1], [0, 0]])


@pytest.mark.parametrize("shapes,message", [
    (((3, 2), (3, 2), (2,)), "x and y have shapes"),
    (((2,), (3, 2), (3, 2)), "neither x's"),
    (((3, 2, 1), (3, 2), (3, 2)), "neither x's"),
])
def test_where_refuses_shapes_tensorflow_1_refuses(shapes, message) -> None:
    with ts.Graph().as_default() as g:
        c, x, y = (ts.constant(np.ones(s, bool) if i == 0 else np.ones(s))
                   for i, s in enumerate(shapes))
        w = ts.where(c, x, y, name="w")
    with pytest.raises(ts.ShapeError, match=f"w: .*{message}"):
        g.shape_of(w)
    with pytest.raises(ts.EvaluationError, match=message):
        ts.Session(g).run(w)


def test_where_with_a_number_as_condition_is_refused() -> None:
    with ts.Graph().as_default() as g:
        w = ts.where(ts.constant([1.0, 0.0]), ts.constant([1.0, 2.0]), ts.constant([3.0, 4.0]))
    with pytest.raises(ts.EvaluationError, match="the condition is float64: it takes booleans"):
        ts.Session(g).run(w)


def test_static_shapes_with_unknown_sizes() -> None:
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 3], name="x")
        rows = ts.placeholder(shape=[5], name="rows", dtype="bool")
        picked = ts.where(rows, x, x)
        clipped = ts.clip_by_value(x, ts.placeholder(shape=[None]), 1.0)
        best = ts.argmax(x, axis=1)
        kept = ts.reduce_logsumexp(x, axis=0, keepdims=True)
    assert g.shape_of(picked) == (5, 3)
    assert g.shape_of(clipped) == (None, 3)
    assert g.shape_of(best) == (None,)
    assert g.shape_of(kept) == (1, 3)


# ---- gradients and ops without one ----------------------------------------------------------


def test_a_condition_carries_no_gradient_but_the_picked_branch_does() -> None:
    # a leaky relu: where(x > 0, x, 0.1 x)
    x = np.array([-2.0, 3.0])
    (dx,) = grads(lambda v: ts.where(ts.greater(v, 0.0), v, v * 0.1), x)
    np.testing.assert_allclose(dx, [0.1, 1.0])


def test_what_depends_on_x_only_through_argmax_gets_a_zero_gradient() -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable([[1.0, 2.0], [3.0, 0.0]], name="w")
        labels = ts.constant([1, 1])
        accuracy = ts.reduce_mean(ts.equal(ts.argmax(w, axis=1), labels), name="accuracy")
        (dw,) = ts.gradients(accuracy, [w])
        train = ts.train.GradientDescentOptimizer(0.1).minimize(accuracy)
    session = ts.Session(g)
    assert session.run(accuracy) == 0.5
    np.testing.assert_array_equal(session.run(dw), np.zeros((2, 2)))
    with pytest.raises(ts.EngineError, match="no gradient flows from the loss accuracy to w") \
            as info:
        session.run(train)
    assert info.value.node == train.name
    np.testing.assert_array_equal(w.value, [[1.0, 2.0], [3.0, 0.0]])  # nothing changed


def test_an_op_without_a_rule_that_no_gradient_reaches_is_no_error() -> None:
    # as TensorFlow, which asks an op for its gradient only where one arrives
    register(OpDef(type="test_floor", inputs=("x",), compute=np.floor, shape=lambda x: x,
                   category="Math", doc="floor, without a gradient"))
    try:
        with ts.Graph().as_default() as g:
            w = ts.Variable([[1.0, 2.0], [3.0, 0.0]], name="w")
            side = ts.Operation("test_floor", [ts.argmax(w, axis=1)])
            y = ts.reduce_sum(w * w) + ts.reduce_sum(side)
            (dw,) = ts.gradients(y, [w])
        np.testing.assert_allclose(ts.Session(g).run(dw), 2 * w.value)
    finally:
        unregister("test_floor")


def test_accuracy_beside_a_loss_does_not_disturb_training() -> None:
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 2], name="x", default=[[1.0, 0.0], [0.0, 1.0]])
        c = ts.placeholder(shape=[None, 2], name="c", default=[[1.0, 0.0], [0.0, 1.0]])
        w = ts.Variable(np.zeros((2, 2)), name="w")
        logits = x @ w
        right = ts.reduce_mean(ts.equal(ts.argmax(logits, 1), ts.argmax(c, 1)))
        loss = ts.reduce_sum(ts.softmax_cross_entropy(c, logits)) - right
        train = ts.train.GradientDescentOptimizer(0.5).minimize(loss)
    session = ts.Session(g)
    before = session.run(loss)
    for _ in range(5):
        session.run(train)
    assert session.run(loss) < before


# ---- boolean and integer tensors in sessions, files and the command line ------------------


def accuracy_graph() -> ts.Graph:
    """The accuracy of a classifier's scores against one-hot labels, with a mask of the
    examples that count."""
    with ts.Graph().as_default() as g:
        scores = ts.placeholder(shape=[None, 3], name="scores",
                                default=[[0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.0, 0.0, 1.0]])
        labels = ts.constant(np.array([1, 2, 2], np.int32), name="labels")
        mask = ts.placeholder(shape=[None], name="mask", dtype="bool",
                              default=[True, True, False])
        right = ts.logical_and(ts.equal(ts.argmax(scores, 1, "int32"), labels), mask,
                               name="right")
        ts.reduce_mean(right, name="accuracy")
    return g


def test_boolean_and_integer_tensors_are_fed_and_computed() -> None:
    g = accuracy_graph()
    session = ts.Session(g)
    assert session.run("right").tolist() == [True, False, False]
    assert session.run("accuracy") == pytest.approx(1 / 3)
    assert session.run("right", {"mask": [True, True, True]}).tolist() == [True, False, True]
    with pytest.raises(ts.FeedError, match="cannot feed mask: a int64 value does not convert "
                                           "to bool"):
        session.run("right", {"mask": [1, 1, 0]})


def test_boolean_and_integer_tensors_survive_a_file(tmp_path) -> None:
    g = accuracy_graph()
    ts.save_graph(g, tmp_path / "accuracy.json")
    text = (tmp_path / "accuracy.json").read_text()
    assert '"dtype": "bool", "shape": [3], "data": [true, true, false]' in text
    assert '"dtype": "int32", "shape": [3], "data": [1, 2, 2]' in text
    assert '"output_type": "int32"' in text
    loaded = ts.load_graph(tmp_path / "accuracy.json")
    assert loaded.get_node("mask").dtype == "bool"
    assert ts.Session(loaded).run("right").tolist() == [True, False, False]


def test_the_command_line_feeds_and_prints_booleans(tmp_path, capsys) -> None:
    ts.save_graph(accuracy_graph(), tmp_path / "accuracy.json")
    assert main.main(["run", str(tmp_path / "accuracy.json"), "--fetch", "right",
                      "--feed", "mask=[true, false, true]"]) == 0
    assert capsys.readouterr().out == "right = [True, False, True]\n"


def test_python_operators_build_pow_and_abs() -> None:
    with ts.Graph().as_default() as g:
        x = ts.Variable([-2.0, 3.0], name="x")
        y = abs(x) ** 2 + 2 ** x
    power, _ = y.inputs
    assert power.type == "pow" and power.inputs[0].type == "abs"
    np.testing.assert_allclose(ts.Session(g).run(y), [4.25, 17.0])
