"""TensorFlow 1 programs run with only their import changed: ``from engine import compat_v1 as
tf``. The example MLP trains; placeholders, variables, initializers, sessions, aliases,
namespaces and TensorFlow's dtype rules behave as TensorFlow 1's."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

import engine as ts
from engine import compat_v1 as tf

EXAMPLE = Path(__file__).resolve().parents[1] / "resources" / "examples" / "tf1_mlp.py"


@pytest.fixture(autouse=True)
def fresh_default_graph():
    """Each test builds in a new default graph (as TensorFlow programs do in theirs)."""
    with ts.Graph().as_default() as g:
        yield g


def test_the_tf1_mlp_example_runs_and_its_loss_falls():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        program = runpy.run_path(str(EXAMPLE), run_name="__main__")
    text = out.getvalue()
    losses = [float(v) for v in re.findall(r"Step: \d+ Loss: (\S+)", text)]
    assert len(losses) == 11
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))  # every 100 steps
    assert losses[-1] < losses[0] / 20
    assert float(re.search(r"Right: (\S+)", text).group(1)) >= 0.95
    assert program["J_value"].dtype == np.float32  # float32 throughout, as in TensorFlow
    assert program["W_hidden"].value.dtype == np.float32


def test_the_example_is_a_tensorflow_program_but_for_its_import():
    tree = ast.parse(EXAMPLE.read_text())
    imports = [ast.unparse(node) for node in ast.walk(tree)
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert imports == ["import numpy as np", "from engine import compat_v1 as tf"]
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert "engine" not in names and "ts" not in names


def test_placeholder_dtype_first_and_feeds_converted(fresh_default_graph):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.reduce_sum(x * 2.0, axis=1)
    with tf.Session() as sess:
        value = sess.run(y, {x: np.array([[1.0, 2.0], [3.0, 4.0]])})  # float64 fed
    assert value.dtype == np.float32
    np.testing.assert_array_equal(value, [6.0, 14.0])
    assert x.shape == (None, 2) and x.dtype == "float32"


def test_the_initializer_restores_initial_values_and_runs_in_a_list():
    w = tf.Variable([1.0, 2.0], name="w")
    r = tf.Variable(tf.random_normal([3], seed=4), name="r")
    v = tf.Variable(tf.zeros([2]) + 1.0, name="v")  # an initial value computed by ops
    loss = tf.reduce_sum(tf.square(w)) + tf.reduce_sum(r) + tf.reduce_sum(v)
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    assert sess.run(tf.global_variables_initializer()) is None
    first = sess.run(r)
    assert w.value.dtype == np.float32 and first.dtype == np.float32
    for _ in range(3):
        sess.run(step)
    assert not np.allclose(sess.run(w), [1.0, 2.0])
    none, value = sess.run([tf.global_variables_initializer(), w])
    assert none is None
    np.testing.assert_array_equal(value, [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(r), first)  # seeded: the same draw
    np.testing.assert_array_equal(sess.run(v), [1.0, 1.0])


def test_aliases_keep_dims_reduction_indices_perm_and_dim():
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.reduce_sum(x, reduction_indices=[1],
                                                             keep_dims=True)), [[3.0], [12.0]])
        np.testing.assert_array_equal(sess.run(tf.transpose(x, perm=[1, 0])), x.value.T)
        soft = sess.run(tf.nn.softmax(x, dim=0))
        np.testing.assert_allclose(soft.sum(axis=0), 1.0)
        np.testing.assert_array_equal(sess.run(tf.reduce_mean(input_tensor=x, axis=None)), 2.5)
        np.testing.assert_array_equal(sess.run(tf.expand_dims(x, dim=0)).shape, (1, 2, 3))


def test_lists_of_tensors_concat_stack_unstack():
    a, b, c = (tf.constant(np.full((2, 2), k, np.float32)) for k in (1.0, 2.0, 3.0))
    with tf.Session() as sess:
        assert sess.run(tf.concat([a, b, c], 1)).shape == (2, 6)
        assert sess.run(tf.concat([a], 0)).shape == (2, 2)
        stacked = sess.run(tf.stack([a, b, c], axis=-1))
        np.testing.assert_array_equal(stacked[0, 0], [1.0, 2.0, 3.0])
        assert sess.run(tf.stack([a, b])).shape == (2, 2, 2)
        parts = tf.unstack(tf.stack([a, b, c]))
        assert [float(sess.run(p)[0, 0]) for p in parts] == [1.0, 2.0, 3.0]
        with pytest.raises(ValueError, match="cannot infer num"):
            tf.unstack(tf.placeholder(tf.float32, None))


def test_gather_one_hot_cast_and_the_like_ops_as_tensorflow():
    params = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.gather(params, [2, 0])), [[5, 6], [1, 2]])
        hot = sess.run(tf.one_hot([0, 2], 3))
        assert hot.dtype == np.float32  # TensorFlow's default
        np.testing.assert_array_equal(hot, [[1, 0, 0], [0, 0, 1]])
        assert sess.run(tf.cast(params, tf.int32)).dtype == np.int32
        assert sess.run(tf.zeros_like(params, dtype=tf.int64)).dtype == np.int64
        np.testing.assert_array_equal(sess.run(tf.ones_like(params)), np.ones((3, 2)))
        np.testing.assert_array_equal(
            sess.run(tf.matmul(params, params, transpose_a=True)),
            params.value.T @ params.value)


def test_nn_and_losses_namespaces():
    labels = tf.constant([[0.0, 1.0], [1.0, 0.0]])
    logits = tf.constant([[1.0, 2.0], [0.5, -0.5]])
    per_example = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    mean = tf.losses.softmax_cross_entropy(onehot_labels=labels, logits=logits)
    mse = tf.losses.mean_squared_error(labels, logits)
    with tf.Session() as sess:
        values, m, e = sess.run([per_example, mean, mse])
    z = logits.value - logits.value.max(axis=1, keepdims=True)
    expected = -(labels.value * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))).sum(axis=1)
    np.testing.assert_allclose(values, expected, rtol=1e-6)
    np.testing.assert_allclose(m, expected.mean(), rtol=1e-6)
    np.testing.assert_allclose(e, np.mean((logits.value - labels.value) ** 2), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="weights"):
        tf.losses.mean_squared_error(labels, logits, weights=0.5)
    with pytest.raises(TypeError, match="takes onehot_labels and logits, not label_smoothing"):
        tf.losses.softmax_cross_entropy(labels, logits, label_smoothing=0.1)
    assert tf.losses.mean_squared_error(labels, logits, name="mse").name == "mse"


def test_every_mapped_name_builds_and_every_unmapped_one_is_refused_clearly():
    for name in tf.unmapped():
        path, _, last = name.rpartition(".")
        space = tf if path == "tf" else getattr(tf, path.split(".")[1])
        with pytest.raises(AttributeError, match=f"{re.escape(name)} is not available"):
            getattr(space, last)
    for name in tf.OPS:
        if f"tf.{name}" not in tf.unmapped():
            assert callable(getattr(tf, name)), name
    with pytest.raises(AttributeError, match="tf.nn has no frobnicate"):
        tf.nn.frobnicate  # noqa: B018
    with pytest.raises(TypeError, match="reduce_sum\\(\\) has no argument bogus"):
        tf.reduce_sum(tf.constant([1.0]), bogus=1)
    with pytest.raises(TypeError, match="matmul\\(\\) needs b"):
        tf.matmul(tf.constant([[1.0]]))


def test_optimizers_train_through_tf_train():
    x = tf.Variable([3.0], name="x")
    loss = tf.reduce_sum(tf.square(x))
    steps = [tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss, var_list=[x]),
             tf.train.AdamOptimizer(0.1).minimize(loss)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in steps:
            before = float(sess.run(loss))
            for _ in range(5):
                sess.run(step)
            assert float(sess.run(loss)) < before


def test_minimize_counts_the_global_step():
    if "tf.train.get_or_create_global_step" in tf.unmapped():  # (engine.train's, from ops-nn)
        with pytest.raises(AttributeError, match="get_or_create_global_step is not available"):
            tf.train.get_or_create_global_step()
        return
    x = tf.Variable([1.0])
    global_step = tf.train.get_or_create_global_step()
    step = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(x * x),
                                                           global_step=global_step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(step)
        assert sess.run(global_step) == 3


# ---- TensorFlow's dtype rules --------------------------------------------------------------


def test_a_python_number_takes_the_dtype_of_the_tensor_it_meets():
    x32 = ts.placeholder(dtype="float32", shape=[2], name="x32", default=[1.0, 2.0])
    x64 = ts.Variable(np.array([1.0, 2.0]), name="x64")
    i32 = ts.constant(np.array([1, 2], np.int32))
    fetches = [x32 * 2.0 + 1, 1 - x32, x64 / 3.0, i32 + 1, ts.multiply(x32, 0.5)]
    with ts.Session() as sess:  # the engine's own session, too
        values = sess.run(fetches)
    assert [v.dtype for v in values] == [np.float32, np.float32, np.float64, np.int32,
                                         np.float32]
    copied = x32.graph.copy()  # (a copy keeps the numbers' behaviour)
    assert ts.Session(copied).run(fetches[0].name).dtype == np.float32


def test_mixing_float32_and_float64_tensors_is_refused_by_tf_sessions():
    a = tf.placeholder(tf.float32, [2], name="a")
    b = tf.constant(np.array([1.0, 2.0]), name="b")  # a float64 array keeps its dtype
    total = tf.add(a, b, name="total")
    feed = {a: [1.0, 1.0]}
    with tf.Session() as sess, pytest.raises(ts.EvaluationError,
                                             match="total .*float32 and float64.*tf.cast") as e:
        sess.run(total, feed)
    assert e.value.node == "total"
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.add(a, tf.cast(b, tf.float32)), feed), [2, 3])
    assert ts.Session().run(total, feed).dtype == np.float64  # the engine's: numpy's promotion


def test_a_graph_seed_makes_unseeded_random_ops_repeatable():
    def draws():
        with tf.Graph().as_default():
            tf.set_random_seed(3)
            a, b = tf.Variable(tf.random_normal([4])), tf.Variable(tf.random_uniform([4]))
            with tf.InteractiveSession() as sess:
                sess.run(tf.global_variables_initializer())
                return sess.run([a, b])

    first, again = draws(), draws()
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], tf.Variable(tf.random_normal([4])).value)  # no seed



CNN = EXAMPLE.parent / "tf1_cnn.py"


def test_the_tf1_cnn_example_learns_the_digits():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        program = runpy.run_path(str(CNN), run_name="__main__")
    text = out.getvalue()
    losses = [float(v) for v in re.findall(r"Epoch: \d+ Loss: (\S+)", text)]
    assert len(losses) == 5 and losses[-1] < losses[0] / 2
    assert float(re.search(r"Test accuracy: (\S+)", text).group(1)) >= 0.95
    assert program["loss_value"].dtype == np.float32
