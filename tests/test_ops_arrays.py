"""The array ops (cast … tensordot, matmul's transposes) against numpy references, their
static shapes, TensorFlow's edge cases, and their errors."""

from __future__ import annotations

import numpy as np
import pytest
from op_cases_arrays import CASES, INPUTS

import engine as ts

rng = np.random.default_rng(5)


def run(build, *values, **attrs):
    """``build`` applied to placeholders fed ``values``, evaluated; the static shape must be
    the result's (and, with placeholders of unknown sizes, must fit it)."""
    with ts.Graph().as_default() as g:
        inputs = [ts.placeholder(shape=np.shape(v)) for v in values]
        out = build(*inputs, **attrs)
        loose = [ts.placeholder(shape=[None] * np.ndim(v)) for v in values]
        out_loose = build(*loose, **attrs)
    result = ts.Session(g).run(out, dict(zip(inputs, values, strict=True)))
    assert g.shape_of(out) == np.shape(result)
    assert ts.tensors.shape_fits(np.shape(result), g.shape_of(out_loose))
    return result


@pytest.mark.parametrize("op_type,shapes,attrs", [
    (op, shapes, attrs) for op, cases in CASES.items() for shapes, attrs in cases])
def test_the_static_shape_is_the_value_s(op_type, shapes, attrs):
    values = (INPUTS[op_type](shapes, attrs, rng) if op_type in INPUTS
              else [rng.normal(size=s) for s in shapes])
    run(lambda *xs, **a: ts.Operation(op_type, xs, attrs=a), *values, **attrs)


def test_cast_truncates_toward_zero_and_keeps_shape():
    x = np.array([[-1.7, -0.5, 0.5], [1.5, 2.9, 0.0]])
    np.testing.assert_array_equal(run(ts.cast, x, dtype="int32"), [[-1, 0, 0], [1, 2, 0]])
    assert run(ts.cast, x, dtype="int32").dtype == np.int32
    assert run(ts.cast, x, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(run(ts.cast, x, dtype="bool"), x != 0)


def test_concat_and_stack_match_numpy():
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    np.testing.assert_array_equal(run(ts.concat, a, b, axis=1), np.concatenate([a, b], 1))
    np.testing.assert_array_equal(run(ts.concat, a, b, axis=-1), np.concatenate([a, b], 1))
    c = rng.normal(size=(2, 3))
    for axis in (0, 1, 2, -1):
        np.testing.assert_array_equal(run(ts.stack, a, c, axis=axis), np.stack([a, c], axis))


def test_unstack_picks_one_of_tensorflow_s_list():
    x = rng.normal(size=(2, 3, 4))
    for axis in (0, 1, -1):
        for index in range(x.shape[axis]):
            np.testing.assert_array_equal(run(ts.unstack, x, index=index, axis=axis),
                                          np.moveaxis(x, axis, 0)[index])


def test_expand_dims_squeeze_slice_tile():
    x = rng.normal(size=(3, 1, 4))
    assert run(ts.expand_dims, x, axis=-1).shape == (3, 1, 4, 1)
    assert run(ts.expand_dims, x, axis=0).shape == (1, 3, 1, 4)
    np.testing.assert_array_equal(run(ts.squeeze, x), x[:, 0])
    np.testing.assert_array_equal(run(ts.squeeze, x, axis=[1]), x[:, 0])
    np.testing.assert_array_equal(run(ts.slice, x, begin=[1, 0, 2], size=[-1, 1, 2]),
                                  x[1:, 0:1, 2:4])
    np.testing.assert_array_equal(run(ts.tile, x, multiples=[2, 3, 1]), np.tile(x, (2, 3, 1)))


def test_gather_along_an_axis_and_its_gradient_adds_repeated_indices():
    params = rng.normal(size=(4, 5))
    indices = np.array([[3, 0], [3, 3]])
    np.testing.assert_array_equal(run(ts.gather, params, indices), params[indices])
    np.testing.assert_array_equal(run(ts.gather, params, indices, axis=1), params[:, indices])
    with ts.Graph().as_default() as g:
        p = ts.Variable(params)
        (dp,) = ts.gradients(ts.gather(p, indices), [p])
    expected = np.zeros((4, 5))
    expected[0], expected[3] = 1, 3
    np.testing.assert_array_equal(ts.Session(g).run(dp), expected)


def test_one_hot_as_tensorflow_with_out_of_range_indices_all_off():
    indices = np.array([0, 2, -1, 3])
    np.testing.assert_array_equal(run(ts.one_hot, indices, depth=3),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    out = run(ts.one_hot, np.array([[1, 0]]), depth=2, on_value=5.0, off_value=-1.0, axis=0,
              dtype="float32")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[[-1, 5]], [[5, -1]]])


def test_zeros_ones_like_keep_the_dtype():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert run(ts.zeros_like, x).dtype == np.int32
    np.testing.assert_array_equal(run(ts.ones_like, x), np.ones((2, 3)))


def test_tensordot_matches_numpy():
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 3, 5))
    np.testing.assert_allclose(run(ts.tensordot, a, b, axes=[[1, 2], [1, 0]]),
                               np.tensordot(a, b, axes=([1, 2], [1, 0])))
    np.testing.assert_allclose(run(ts.tensordot, a, b, axes=1), np.tensordot(a, b, axes=1))


def test_matmul_transposes_and_batches():
    a, b = rng.normal(size=(5, 4, 3)), rng.normal(size=(5, 2, 4))
    np.testing.assert_allclose(run(ts.matmul, a, b, transpose_a=True, transpose_b=True),
                               np.swapaxes(a, 1, 2) @ np.swapaxes(b, 1, 2))
    m = rng.normal(size=(4, 2))  # broadcast over the batch
    np.testing.assert_allclose(run(ts.matmul, a, m, transpose_a=True), np.swapaxes(a, 1, 2) @ m)


def test_stop_gradient_passes_the_value_and_no_gradient():
    with ts.Graph().as_default() as g:
        x = ts.Variable([1.0, 2.0])
        y = ts.reduce_sum(x * ts.stop_gradient(x))  # d/dx = x, not 2x
        (dx,) = ts.gradients(y, [x])
    session = ts.Session(g)
    assert session.run(y) == 5.0
    np.testing.assert_array_equal(session.run(dx), [1.0, 2.0])


@pytest.mark.parametrize("build,values,attrs,message", [
    (ts.concat, ((2, 3), (3, 2)), {}, r"shapes \(2,3\) and \(3,2\) differ off axis 0"),
    (ts.stack, ((2, 3), (2, 4)), {}, "differ"),
    (ts.unstack, ((2, 3),), {"index": 3, "axis": 1}, "index 3 is out of range"),
    (ts.squeeze, ((2, 3),), {"axis": 1}, "cannot squeeze axis 1 of size 3"),
    (ts.slice, ((2, 3),), {"begin": [1, 2], "size": [1, 2]}, "do not fit"),
    (ts.slice, ((2, 3),), {"begin": [1], "size": [1]}, "one entry per axis"),
    (ts.tile, ((2, 3),), {"multiples": [2]}, "one count"),
    (ts.tensordot, ((2, 3), (4, 5)), {"axes": 1}, "differ in size"),
    (ts.matmul, ((3,), (3, 2)), {"transpose_a": True}, "rank 1"),
])
def test_shapes_that_do_not_fit_are_named(build, values, attrs, message):
    with ts.Graph().as_default() as g:
        out = build(*(ts.placeholder(shape=s) for s in values), **attrs, name="bad")
    with pytest.raises(ts.ShapeError, match=message) as info:
        g.shape_of(out)
    assert info.value.node == "bad"


def test_gather_refuses_indices_out_of_range_and_floats():
    with ts.Graph().as_default() as g:
        params = ts.constant([1.0, 2.0, 3.0])
        out = ts.gather(params, ts.placeholder(name="i"), name="picked")
    session = ts.Session(g)
    with pytest.raises(ts.EvaluationError, match=r"picked.*index 3 is not in \[0, 3\)"):
        session.run(out, {"i": [0, 3]})
    with pytest.raises(ts.EvaluationError, match="indices must be integers, not float64"):
        session.run(out, {"i": [0.0]})
    np.testing.assert_array_equal(session.run(out, {"i": [2, 0]}), [3.0, 1.0])


def test_attributes_are_checked_by_name():
    with ts.Graph().as_default(), pytest.raises(ValueError, match="attribute 'dtype'"):
        ts.cast(ts.constant(1.0), dtype="float128")


def test_the_ops_save_and_load(tmp_path):
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[2, 3], name="x", default=np.arange(6.0).reshape(2, 3))
        out = ts.tensordot(ts.tile(x, multiples=[1, 2]), ts.slice(x, begin=[0, 0], size=[-1, 3]),
                           axes=[[0], [0]], name="out")
    expected = ts.Session(g).run(out)
    ts.save_graph(g, tmp_path / "g.json")
    loaded = ts.load_graph(tmp_path / "g.json")
    np.testing.assert_array_equal(ts.Session(loaded).run("out"), expected)


@pytest.mark.parametrize("build,attrs,message", [
    (ts.one_hot, {"depth": -1}, "attribute 'depth': expected an integer ≥ 0"),
    (ts.tensordot, {"axes": [[0, 1], [0]]}, "pair different numbers of axes"),
    (ts.tile, {"multiples": "2"}, "attribute 'multiples': expected a list of integers"),
])
def test_bad_attributes_are_refused_by_name(build, attrs, message):
    with ts.Graph().as_default(), pytest.raises(ValueError, match=message):
        inputs = [ts.constant([1, 2])] * (2 if build is ts.tensordot else 1)
        build(*inputs, **attrs)
