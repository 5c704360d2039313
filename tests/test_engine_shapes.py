"""Static shape inference: every op's rule with known, partly known and unknown shapes."""

import pytest

import engine as ts

UNKNOWN = "unknown rank"


def shape(build, *shapes, **attrs):
    """The static shape of ``build`` applied to placeholders of ``shapes``."""
    with ts.Graph().as_default() as g:
        inputs = [ts.placeholder(shape=None if s == UNKNOWN else s) for s in shapes]
        out = build(*inputs, **attrs)
    return g.shape_of(out)


def shape_error(build, *shapes, **attrs) -> ts.ShapeError:
    with pytest.raises(ts.ShapeError) as info:
        shape(build, *shapes, **attrs)
    return info.value


@pytest.mark.parametrize("op", [ts.negative, ts.square, ts.sqrt, ts.exp, ts.log, ts.sigmoid,
                                ts.tanh, ts.relu, ts.softmax])
@pytest.mark.parametrize("x", [(), (3,), (None, 4), (2, None, 5), UNKNOWN])
def test_element_wise_ops_keep_their_input_shape(op, x):
    if op is ts.softmax and x == ():  # a scalar has no axis to normalise along
        assert "axis -1 is out of range for rank 0" in str(shape_error(op, x))
    else:
        assert shape(op, x) == (None if x == UNKNOWN else x)


@pytest.mark.parametrize(
    "x, y, expected",
    [
        ((3, 4), (3, 4), (3, 4)),
        ((3, 4), (4,), (3, 4)),
        ((2, 1, 4), (3, 1), (2, 3, 4)),
        ((), (2, 3), (2, 3)),
        ((None, 3), (3,), (None, 3)),
        ((None, 3), (5, 1), (5, 3)),
        ((None,), (None,), (None,)),
        ((None, 1), (1, None), (None, None)),
        ((3, 4), UNKNOWN, None),
    ],
)
@pytest.mark.parametrize("op", [ts.add, ts.subtract, ts.multiply, ts.divide])
def test_binary_ops_broadcast(op, x, y, expected):
    assert shape(op, x, y) == expected
    assert shape(op, y, x) == expected


def test_broadcast_mismatch_names_node_and_shapes():
    error = shape_error(lambda a, b: ts.add(a, b, name="total"), (2, 3), (3, 2))
    assert str(error) == "total: shapes (2,3) and (3,2) do not broadcast"
    assert error.node == "total"


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((2, 3), (3, 4), (2, 4)),
        ((3,), (3, 4), (4,)),
        ((2, 3), (3,), (2,)),
        ((3,), (3,), ()),
        ((5, 2, 3), (3, 4), (5, 2, 4)),
        ((5, 1, 2, 3), (7, 3, 4), (5, 7, 2, 4)),
        ((None, 3), (3, 4), (None, 4)),
        ((2, None), (5, 4), (2, 4)),
        ((None, None), (None, None), (None, None)),
        (UNKNOWN, (3, 4), None),
    ],
)
def test_matmul_shapes(a, b, expected):
    assert shape(ts.matmul, a, b) == expected


def test_matmul_mismatch_names_node_and_shapes():
    error = shape_error(lambda a, b: ts.matmul(a, b, name="product"), (2, 3), (2, 3))
    assert str(error) == "product: shapes (2,3) and (2,3) not aligned"
    assert error.node == "product"
    assert "(5,)" in str(shape_error(ts.matmul, (5,), ()))


@pytest.mark.parametrize(
    "x, axis, keepdims, expected",
    [
        ((2, 3, 4), None, False, ()),
        ((2, 3, 4), None, True, (1, 1, 1)),
        ((2, 3, 4), 1, False, (2, 4)),
        ((2, 3, 4), -1, True, (2, 3, 1)),
        ((2, 3, 4), [0, 2], False, (3,)),
        ((None, 3), 0, False, (3,)),
        ((None, 3), 1, True, (None, 1)),
        (UNKNOWN, None, False, ()),
        (UNKNOWN, 0, False, None),
    ],
)
@pytest.mark.parametrize("op", [ts.reduce_sum, ts.reduce_mean])
def test_reduction_shapes(op, x, axis, keepdims, expected):
    assert shape(op, x, axis=axis, keepdims=keepdims) == expected


def test_reduction_axis_out_of_range_names_node_and_shape():
    error = shape_error(lambda x: ts.reduce_sum(x, axis=2, name="s"), (2, 3))
    assert str(error) == "s: axis 2 is out of range for rank 2 (input shapes (2,3))"
    assert "repeated axis" in str(shape_error(ts.reduce_mean, (2, 3), axis=[0, -2]))


@pytest.mark.parametrize(
    "x, axes, expected",
    [((2, 3, 4), None, (4, 3, 2)), ((2, 3, 4), [0, 2, 1], (2, 4, 3)), ((None, 3), None, (3, None)),
     (UNKNOWN, None, None)],
)
def test_transpose_shapes(x, axes, expected):
    assert shape(ts.transpose, x, axes=axes) == expected


def test_transpose_axes_must_fit_the_rank():
    error = shape_error(lambda x: ts.transpose(x, axes=[1, 0], name="t"), (2, 3, 4))
    assert str(error) == "t: axes [1, 0] do not fit a tensor of shape (2,3,4)"


@pytest.mark.parametrize(
    "x, new, expected",
    [((2, 3, 4), [6, 4], (6, 4)), ((2, 3, 4), [-1], (24,)), ((2, 3, 4), [4, -1, 2], (4, 3, 2)),
     ((None, 4), [-1, 2], (None, 2)), ((None, 4), [2, 2], (2, 2)), (UNKNOWN, [3, -1], (3, None))],
)
def test_reshape_shapes(x, new, expected):
    assert shape(ts.reshape, x, shape=new) == expected


def test_reshape_to_a_wrong_size_names_node_and_shape():
    error = shape_error(lambda x: ts.reshape(x, [5, -1], name="r"), (2, 3))
    assert str(error) == "r: cannot reshape (2,3) to [5, -1]"
    assert "(6 elements)" in str(shape_error(ts.reshape, (2, 3), shape=[4]))


def test_softmax_axis_must_exist():
    assert "axis 2 is out of range" in str(shape_error(ts.softmax, (2, 3), axis=2))


def test_sources_have_the_shapes_of_their_values():
    with ts.Graph().as_default() as g:
        p = ts.placeholder(shape=[None, 3], default=[[1, 2, 3]])
        v = ts.Variable([[1.0, 2.0]])
        c = ts.constant(5)
        free = ts.placeholder()
    assert [g.shape_of(n) for n in (p, v, c, free)] == [(None, 3), (1, 2), (), None]


def test_shapes_follow_edits():
    with ts.Graph().as_default() as g:
        v = ts.Variable([[1.0, 2.0]], name="v")
        s = ts.reduce_sum(v, axis=0, name="s")
        out = ts.negative(s, name="out")
    assert g.shape_of(out) == (2,)
    v.value = [[1.0], [2.0], [3.0]]
    assert g.shape_of(out) == (1,)
    g.set_attr(s, "keepdims", True)
    assert g.shape_of(out) == (1, 1)
    g.connect(v, out, 0)
    assert g.shape_of(out) == (3, 1)


def test_an_error_upstream_is_reported_downstream_naming_the_culprit():
    with ts.Graph().as_default() as g:
        bad = ts.matmul(ts.placeholder(shape=[2, 3]), ts.placeholder(shape=[2, 3]), name="bad")
        out = ts.tanh(ts.relu(bad), name="out")
    with pytest.raises(ts.ShapeError, match="^bad: ") as info:
        g.shape_of(out)
    assert info.value.node == "bad"


def test_an_unwired_input_is_a_shape_error():
    g = ts.Graph()
    add = g.add_node("add", [g.add_node("constant", value=1.0)], name="half")
    with pytest.raises(ts.ShapeError, match="half: input 'y' is not connected") as info:
        g.shape_of(add)
    assert info.value.node == "half"


def test_a_shape_error_names_the_node_by_its_new_name_after_a_rename():
    g = ts.Graph()
    r = g.add_node("reduce_sum", name="reduce_sum")
    below = g.add_node("negative", [r], name="below")
    with pytest.raises(ts.ShapeError, match="reduce_sum: input 'x' is not connected"):
        g.shape_of(below)
    g.rename(r, "J")
    with pytest.raises(ts.ShapeError, match="J: input 'x' is not connected") as error:
        g.shape_of(below)
    assert error.value.node == "J"
