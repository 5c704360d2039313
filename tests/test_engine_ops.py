"""Every op against numpy on random inputs, with broadcasting; numerically delicate cases."""

import warnings

import numpy as np
import pytest

import engine as ts

rng = np.random.default_rng(2)


def run(build, *values, **attrs):
    """Feed ``values`` to placeholders, apply ``build`` to them and evaluate the result, checking
    that the static shape rule predicted the result's shape."""
    with ts.Graph().as_default() as g:
        inputs = [ts.placeholder(shape=np.shape(v)) for v in values]
        out = build(*inputs, **attrs)
    result = ts.Session(g).run(out, dict(zip(inputs, values, strict=True)))
    assert g.shape_of(out) == np.shape(result)
    return result


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


BINARY = [(ts.add, np.add), (ts.subtract, np.subtract), (ts.multiply, np.multiply),
          (ts.divide, np.divide)]
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)),
                    ((5,), ())]


@pytest.mark.parametrize("op, reference", BINARY, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_ops_broadcast_like_numpy(op, reference, shapes):
    x, y = (rng.uniform(0.5, 2.0, s) for s in shapes)
    result = run(op, x, y)
    np.testing.assert_allclose(result, reference(x, y), rtol=1e-15)
    assert result.shape == np.broadcast_shapes(*shapes)


UNARY = [
    (ts.negative, np.negative), (ts.square, np.square), (ts.sqrt, np.sqrt), (ts.exp, np.exp),
    (ts.log, np.log), (ts.sigmoid, sigmoid), (ts.tanh, np.tanh),
    (ts.relu, lambda x: np.where(x > 0, x, 0.0)), (ts.softmax, softmax),
]


@pytest.mark.parametrize("op, reference", UNARY, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (2, 3, 4)], ids=str)
def test_unary_ops_match_numpy(op, reference, shape):
    positive = op in (ts.sqrt, ts.log)
    x = rng.uniform(0.1, 3.0, shape) if positive else rng.normal(0, 2, shape)
    if op is ts.softmax and shape == ():
        x = rng.normal(0, 2, (1,))
    np.testing.assert_allclose(run(op, x), reference(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_along_an_axis(axis):
    x = rng.normal(0, 3, (3, 4))
    result = run(ts.softmax, x, axis=axis)
    np.testing.assert_allclose(result, softmax(x, axis), rtol=1e-12)
    np.testing.assert_allclose(result.sum(axis=axis), 1.0)


def test_softmax_is_stable_on_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(ts.softmax, np.array([1000.0, 1001.0]))
        rows = run(ts.softmax, np.array([[-1e308, 0.0], [1e308, 1e308], [-1000.0, -1001.0]]))
    np.testing.assert_allclose(result, [1 / (1 + np.e), np.e / (1 + np.e)], rtol=1e-15)
    np.testing.assert_allclose(rows, [[0, 1], [0.5, 0.5], [np.e / (1 + np.e), 1 / (1 + np.e)]])


def test_sigmoid_saturates_cleanly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run(ts.sigmoid, np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
    assert result[0] == 0.0 and result[-1] == 1.0 and result[2] == 0.5
    np.testing.assert_allclose(result[1], sigmoid(-40.0), rtol=1e-9)
    assert np.isfinite(result).all()


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((4,), (4,)), ((5, 2, 3), (3, 2)),
     ((5, 2, 3), (5, 3, 1)), ((1, 2, 3), (4, 3, 2))],
    ids=str,
)
def test_matmul_matches_numpy(a_shape, b_shape):
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    np.testing.assert_allclose(run(ts.matmul, a, b), a @ b, rtol=1e-12)


@pytest.mark.parametrize("op, reference", [(ts.reduce_sum, np.sum), (ts.reduce_mean, np.mean)],
                         ids=["sum", "mean"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), [1, 2]], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(op, reference, axis, keepdims):
    x = rng.normal(size=(2, 3, 4))
    expected = reference(x, axis=tuple(axis) if isinstance(axis, list) else axis,
                         keepdims=keepdims)
    result = run(op, x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(result, expected, rtol=1e-12)
    assert np.shape(result) == np.shape(expected)


@pytest.mark.parametrize("axes", [None, [0, 1, 2], [2, 0, 1], [1, 0, 2]], ids=str)
def test_transpose_matches_numpy(axes):
    x = rng.normal(size=(2, 3, 4))
    assert np.array_equal(run(ts.transpose, x, axes=axes), np.transpose(x, axes))


@pytest.mark.parametrize("shape", [[6, 4], [-1], [2, -1, 3], [24, 1], [4, 3, 2]], ids=str)
def test_reshape_matches_numpy(shape):
    x = rng.normal(size=(2, 3, 4))
    assert np.array_equal(run(ts.reshape, x, shape=shape), np.reshape(x, shape))


def test_integer_tensors_keep_integer_arithmetic():
    x, y = np.array([7, -7, 9]), np.array([2, 2, 4])
    assert run(ts.add, x, y).dtype == np.int64
    assert np.array_equal(run(ts.subtract, x, y), x - y)
    assert np.array_equal(run(ts.divide, x, y), x / y)
    assert np.array_equal(run(ts.relu, x), [7, 0, 9])


def test_the_issues_ops_are_registered_with_descriptions():
    names = ("add subtract multiply divide negative matmul square sqrt exp log sigmoid tanh "
             "relu softmax reduce_sum reduce_mean transpose reshape").split()
    ops = {op.type: op for op in ts.all_ops()}
    for name in names:
        op = ops[name]
        assert callable(getattr(ts, name)) and op.doc and op.category and op.shape
        assert getattr(ts, name).__doc__ == op.doc
