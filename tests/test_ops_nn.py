"""Values of the neural-network ops and losses (engine/ops/{activations,conv,losses}.py)
against numpy references written out plainly, TensorFlow's conventions at edges and ties,
their static shapes, and dropout's training behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine as ts


def run(op, *inputs, **attrs):
    """The value of one op on constant inputs, and its static shape."""
    with ts.Graph().as_default() as g:
        node = ts.Operation(op, [ts.constant(np.asarray(x)) for x in inputs], attrs=attrs)
    shape = g.shape_of(node)  # raises ShapeError for inputs that do not fit
    return ts.Session(g).run(node), shape


def test_activations_match_their_formulas() -> None:
    x = np.array([[-3.0, -0.5, 0.0], [0.5, 2.0, 40.0]])
    np.testing.assert_allclose(run("leaky_relu", x)[0], np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(run("leaky_relu", x, alpha=0.01)[0], np.maximum(x, 0.01 * x))
    np.testing.assert_allclose(run("elu", x)[0], np.where(x > 0, x, np.exp(x) - 1))
    np.testing.assert_allclose(run("softplus", x)[0], np.log(1 + np.exp(x)))
    big = np.array([-1000.0, 1000.0])
    np.testing.assert_allclose(run("softplus", big)[0], [0.0, 1000.0])  # no overflow
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    logs, shape = run("log_softmax", z)
    assert shape == (2, 3)
    np.testing.assert_allclose(logs[0], np.log(np.exp(z[0]) / np.exp(z[0]).sum()))
    np.testing.assert_allclose(logs[1], [0.0, -1000.0, -2000.0])  # finite where log(softmax)
    np.testing.assert_allclose(run("log_softmax", z[:1].T, axis=0)[0][:, 0], logs[0])


def test_activations_keep_float32() -> None:
    x = np.array([-1.0, 2.0], np.float32)
    for op in ("leaky_relu", "elu", "softplus", "log_softmax", "l2_loss"):
        assert run(op, x)[0].dtype == np.float32, op
    images = np.ones((1, 4, 4, 2), np.float32)
    assert run("conv2d", images, np.ones((2, 2, 2, 3), np.float32))[0].dtype == np.float32
    for op in ("max_pool", "avg_pool"):
        assert run(op, images, padding="SAME")[0].dtype == np.float32, op
    logits = np.ones((2, 3), np.float32)
    for op, labels in [("sigmoid_cross_entropy_with_logits", logits),
                       ("softmax_cross_entropy_with_logits", logits),
                       ("sparse_softmax_cross_entropy_with_logits", np.array([0, 2]))]:
        assert run(op, labels, logits)[0].dtype == np.float32, op


def test_bias_add_adds_along_the_channels() -> None:
    value = np.arange(24.0).reshape(2, 3, 2, 2)
    bias = np.array([10.0, -1.0])
    out, shape = run("bias_add", value, bias)
    np.testing.assert_allclose(out, value + bias)
    assert shape == (2, 3, 2, 2)
    with pytest.raises(ts.ShapeError, match="does not fit 2 channels"):
        run("bias_add", value, np.ones(3))
    with pytest.raises(ts.ShapeError, match="rank ≥ 2"):
        run("bias_add", np.ones(2), np.ones(2))


def test_l2_loss_is_half_the_sum_of_squares() -> None:
    out, shape = run("l2_loss", [[1.0, 2.0], [3.0, -1.0]])
    assert out == 7.5 and shape == ()


# ---- convolution and pooling, against loops ----------------------------------------------


def tf_padding(size: int, k: int, stride: int, padding: str) -> tuple[int, int, int]:
    """Output size and padding before/after, as TensorFlow documents them."""
    if padding == "VALID":
        return math.ceil((size - k + 1) / stride), 0, 0
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + k - size, 0)
    return out, total // 2, total - total // 2


def padded(x, ksize, strides, padding, fill):
    oh, top, bottom = tf_padding(x.shape[1], ksize[0], strides[0], padding)
    ow, left, right = tf_padding(x.shape[2], ksize[1], strides[1], padding)
    x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    return x, oh, ow


def conv_reference(x, f, strides, padding):
    kh, kw, _, o = f.shape
    xp, oh, ow = padded(x, (kh, kw), strides, padding, 0.0)
    out = np.zeros((x.shape[0], oh, ow, o))
    for n in range(x.shape[0]):
        for i in range(oh):
            for j in range(ow):
                top, left = i * strides[0], j * strides[1]
                patch = xp[n, top: top + kh, left: left + kw]
                out[n, i, j] = np.tensordot(patch, f, axes=3)
    return out


def pool_reference(x, ksize, strides, padding, kind):
    xp, oh, ow = padded(x, ksize, strides, padding, np.nan)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, i * strides[0]: i * strides[0] + ksize[0],
                        j * strides[1]: j * strides[1] + ksize[1]]
            out[:, i, j] = (np.nanmax if kind == "max" else np.nanmean)(window, axis=(1, 2))
    return out


GEOMETRIES = [((5, 5), (3, 3), (1, 1), "VALID"), ((5, 5), (3, 3), (1, 1), "SAME"),
              ((6, 7), (2, 3), (2, 2), "SAME"), ((7, 6), (3, 2), (2, 3), "VALID"),
              ((4, 4), (2, 2), (1, 1), "SAME"), ((3, 3), (5, 5), (1, 1), "SAME")]


@pytest.mark.parametrize("size,k,stride,padding", GEOMETRIES)
def test_conv2d_matches_a_loop(size, k, stride, padding) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, *size, 3))
    f = rng.normal(size=(*k, 3, 4))
    out, shape = run("conv2d", x, f, strides=(1, *stride, 1), padding=padding)
    expected = conv_reference(x, f, stride, padding)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert shape == expected.shape


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("size,k,stride,padding", GEOMETRIES[:5])
def test_pooling_matches_a_loop(kind, size, k, stride, padding) -> None:
    x = np.random.default_rng(1).normal(size=(2, *size, 3))
    out, shape = run(f"{kind}_pool", x, ksize=(1, *k, 1), strides=(1, *stride, 1),
                     padding=padding)
    expected = pool_reference(x, k, stride, padding, kind)  # padding never counts
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert shape == expected.shape


def test_max_pool_gradient_goes_to_the_first_maximum_of_a_tie() -> None:
    with ts.Graph().as_default() as g:
        x = ts.Variable(np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1))
        (dx,) = ts.gradients(ts.max_pool(x), [x])
    np.testing.assert_array_equal(ts.Session(g).run(dx).reshape(2, 2), [[0, 1], [0, 0]])


def test_conv_attributes_are_checked_with_a_message() -> None:
    with pytest.raises(ValueError, match=r"\[1, height, width, 1\]"):
        ts.get_op("conv2d").parse_attrs({"strides": [2, 2]})
    with pytest.raises(ValueError, match="SAME, VALID"):
        ts.get_op("max_pool").parse_attrs({"padding": "same"})
    assert ts.get_op("avg_pool").parse_attrs({"strides": 3})["strides"] == (1, 3, 3, 1)
    with pytest.raises(ts.ShapeError, match="3 channels does not fit 2"):
        run("conv2d", np.ones((1, 4, 4, 2)), np.ones((2, 2, 3, 1)))
    with pytest.raises(ts.ShapeError, match="a window of 3 does not fit in 2 pixels"):
        run("max_pool", np.ones((1, 2, 5, 1)), ksize=3)


def test_static_shapes_with_an_unknown_batch() -> None:
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 8, 8, 1], name="x")
        c = ts.conv2d(x, ts.Variable(np.ones((3, 3, 1, 8))), padding="SAME")
        p = ts.max_pool(c, padding="VALID")
        v = ts.avg_pool(c, ksize=[1, 3, 3, 1], strides=[1, 3, 3, 1])
    assert [g.shape_of(n) for n in (c, p, v)] == [(None, 8, 8, 8), (None, 4, 4, 8),
                                                  (None, 2, 2, 8)]


# ---- losses ----------------------------------------------------------------------------------


def test_sigmoid_cross_entropy_is_stable_and_elementwise() -> None:
    labels = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.5]])
    logits = np.array([[-2.0, 3.0, 0.0], [1000.0, -1000.0, 0.7]])
    out, shape = run("sigmoid_cross_entropy_with_logits", labels, logits)
    assert shape == (2, 3)
    p = 1 / (1 + np.exp(-logits[0]))
    np.testing.assert_allclose(out[0], -labels[0] * np.log(p) - (1 - labels[0]) * np.log(1 - p))
    np.testing.assert_allclose(out[1, :2], [0.0, 0.0])  # no overflow, no log(0)
    with pytest.raises(ts.ShapeError, match="must have the same shape"):
        run("sigmoid_cross_entropy_with_logits", np.ones((2, 3)), np.ones((3,)))


def test_softmax_cross_entropy_with_logits_is_per_example() -> None:
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(4, 3))
    labels = np.eye(3)[[0, 2, 1, 2]]
    out, shape = run("softmax_cross_entropy_with_logits", labels, logits)
    assert shape == (4,)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(out, -(labels * log_p).sum(axis=1))
    sparse, sparse_shape = run("sparse_softmax_cross_entropy_with_logits",
                               np.array([0, 2, 1, 2]), logits)
    np.testing.assert_allclose(sparse, out)
    assert sparse_shape == (4,)


def test_sparse_labels_out_of_range_are_named() -> None:
    with pytest.raises(ts.EvaluationError, match=r"label 3 \(example 1\) is not a class 0…2"):
        run("sparse_softmax_cross_entropy_with_logits", np.array([0, 3]), np.ones((2, 3)))
    with pytest.raises(ts.EvaluationError, match="integer class indices"):
        run("sparse_softmax_cross_entropy_with_logits", np.array([0.0, 1.0]), np.ones((2, 3)))


def test_mean_squared_error_is_tensorflows_default_reduction() -> None:
    # tf.losses.mean_squared_error(labels, predictions): weights 1, SUM_BY_NONZERO_WEIGHTS —
    # the sum of squared errors over the number of elements
    labels, predictions = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [2.0, 6.0]])
    out, shape = run("mean_squared_error", labels, predictions)
    assert shape == () and out == pytest.approx((0.25 + 0 + 1 + 4) / 4)


@pytest.mark.parametrize("reduction,expected", [
    ("SUM_BY_NONZERO_WEIGHTS", lambda weighted, w: weighted.sum() / 4),  # 4 non-zero of 6
    ("MEAN", lambda weighted, w: weighted.sum() / w.sum()),
    ("SUM", lambda weighted, w: weighted.sum()),
    ("SUM_OVER_BATCH_SIZE", lambda weighted, w: weighted.sum() / 6),
    ("NONE", lambda weighted, w: weighted),
])
def test_weighted_mean_squared_error_reduces_as_tensorflow(reduction, expected) -> None:
    labels = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    predictions = np.array([[1.5, 2.0, 1.0], [1.0, -1.0, 1.0]])
    weights = np.array([[2.0, 0.0, 1.0], [0.0, 1.0, 3.0]])
    out, shape = run("weighted_mean_squared_error", labels, predictions, weights,
                     reduction=reduction)
    weighted = weights * (predictions - labels) ** 2
    np.testing.assert_allclose(out, expected(weighted, weights))
    assert shape == ((2, 3) if reduction == "NONE" else ())


def test_weighted_mean_squared_error_edges() -> None:
    zero, _ = run("weighted_mean_squared_error", [1.0, 2.0], [0.0, 0.0], [0.0, 0.0])
    assert zero == 0.0  # no non-zero weight: 0, not NaN (TensorFlow's safe division)
    default, _ = run("weighted_mean_squared_error", [1.0, 2.0], [0.0, 0.0], 1.0)
    assert default == run("mean_squared_error", [1.0, 2.0], [0.0, 0.0])[0] == 2.5
    with pytest.raises(ts.ShapeError, match="weights of shape"):
        run("weighted_mean_squared_error", np.ones(3), np.ones(3), np.ones((2, 3)))


# ---- dropout ---------------------------------------------------------------------------------


def dropout_graph(keep_prob=0.5):
    with ts.Graph().as_default() as g:
        w = ts.Variable(np.ones((200,)), name="w")
        d = ts.dropout(w, keep_prob=keep_prob, seed=3, name="d")
        loss = ts.reduce_sum(ts.square(d), name="loss")
        train = ts.train.GradientDescentOptimizer(0.1).minimize(loss)
    return g, w, d, loss, train


def test_dropout_is_the_identity_outside_training() -> None:
    g, w, d, loss, _ = dropout_graph()
    session = ts.Session(g)
    np.testing.assert_array_equal(session.run(d), np.ones(200))
    (dw,) = ts.gradients(loss, [w])
    np.testing.assert_array_equal(session.run(dw), 2 * np.ones(200))


def test_dropout_drops_while_training_and_the_gradient_follows_the_mask() -> None:
    g, w, d, loss, train = dropout_graph(keep_prob=0.25)
    session = ts.Session(g)
    masked_loss = session.run([train, loss])[1]
    kept = w.value < 1  # the kept elements were trained: d = 4 w, gradient 2 · 4 · 4 w
    assert 20 < kept.sum() < 80  # about a quarter of 200
    assert masked_loss == pytest.approx(16 * kept.sum())
    np.testing.assert_allclose(w.value[kept], 1 - 0.1 * 32)
    np.testing.assert_array_equal(w.value[~kept], 1.0)
    np.testing.assert_array_equal(session.run(d), w.value)  # evaluation after: no mask


def test_keep_prob_may_be_fed_and_is_checked() -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable(np.ones((200,)), name="w")
        keep = ts.placeholder(shape=[], name="keep_prob", default=1.0)
        d = ts.dropout(w, keep, seed=None, name="d")  # TensorFlow 1's placeholder pattern
        loss = ts.reduce_sum(ts.square(d), name="loss")
        train = ts.train.GradientDescentOptimizer(0.0).minimize(loss)
        (d_keep,) = ts.gradients(loss, [keep])
    session = ts.Session(g)
    _, trained_loss, grad = session.run([train, loss, d_keep], {keep: 0.5})
    assert 50 < trained_loss / 4 < 150  # about half of 200 kept, each 2² after scaling
    np.testing.assert_allclose(grad, -2 * trained_loss / 0.5)  # d/dp Σ (w·kept/p)²
    assert session.run(loss, {keep: 0.5}) == 200  # no train step: no dropout, no mask
    assert session.run(d_keep, {keep: 0.5}) == 0
    with pytest.raises(ts.EvaluationError, match="keep_prob must be a number above 0, up to 1"):
        session.run(d, {keep: 0.0})
    with pytest.raises(ts.ShapeError, match="keep_prob must be a scalar"):
        run("dropout", np.ones(3), np.ones(3))


def test_dropout_masks_are_seeded_by_the_step() -> None:
    runs = []
    for _ in range(2):
        g, w, d, loss, train = dropout_graph()
        session = ts.Session(g)
        masks = [session.run([train, d])[1] != 0 for _ in range(3)]
        runs.append(masks)
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)  # the same steps, the same masks
    assert not np.array_equal(runs[0][0], runs[0][1])  # another step, another mask


# ---- a small CNN, end to end -------------------------------------------------------------------


def test_a_small_cnn_learns_bars_with_dropout_and_rmsprop() -> None:
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, 64)  # 0: a horizontal bar, 1: a vertical one
    images = rng.normal(0, 0.2, (64, 8, 8, 1))
    for image, label, where in zip(images, labels, rng.integers(1, 7, 64), strict=True):
        (image[where, :, 0] if label == 0 else image[:, where, 0])[...] += 1.0
    with ts.Graph().as_default() as g:
        X = ts.placeholder(shape=[None, 8, 8, 1], name="X", default=images)
        y = ts.placeholder(shape=[None], name="y", default=labels)
        K = ts.Variable(ts.random_normal([3, 3, 1, 4], stddev=0.3, seed=1), name="K")
        hidden = ts.relu(ts.bias_add(ts.conv2d(X, K, padding="SAME"), ts.Variable(np.zeros(4))))
        pooled = ts.reshape(ts.max_pool(hidden, ksize=4, strides=4), shape=[-1, 16])
        dropped = ts.dropout(pooled, keep_prob=0.8, seed=2)
        logits = ts.matmul(dropped, ts.Variable(ts.random_normal([16, 2], stddev=0.3, seed=3)),
                           name="logits")
        loss = ts.reduce_mean(ts.sparse_softmax_cross_entropy_with_logits(y, logits), name="J")
        train = ts.train.RMSPropOptimizer(0.01).minimize(loss)
    result = ts.train.fit(g, train, 80)
    assert result.reason == "done" and result.final_loss < 0.3 * result.losses[0]
    predicted = ts.Session(g).run(logits).argmax(axis=1)  # no dropout outside training
    assert (predicted == labels).mean() >= 0.95
