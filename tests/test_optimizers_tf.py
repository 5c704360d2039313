"""TensorFlow 1's optimizers, global step, learning-rate decay and gradient API: each step
against TensorFlow's update formulas written out in numpy (training_ops' ApplyMomentum with
use_nesterov, ApplyRMSProp, ApplyAdagrad; tf.train.exponential_decay)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as ts

TARGET = np.array([1.0, -2.0, 0.5])


def quadratic(optimizer, global_step=False):
    """loss = Σ (w − target)², gradient 2 (w − target); w starts at zero."""
    with ts.Graph().as_default() as g:
        w = ts.Variable(np.zeros(3), name="w")
        loss = ts.reduce_sum(ts.square(w - TARGET), name="loss")
        step = ts.train.create_global_step() if global_step else None
        train = optimizer().minimize(loss, global_step=step)
    return g, w, train


def steps(graph, train, n):
    session = ts.Session(graph)
    for _ in range(n):
        session.run(train)


def reference(update, n, slots):
    w = np.zeros(3)
    for t in range(n):
        w, slots = update(w, 2 * (w - TARGET), slots, t)
    return w


def test_nesterov_momentum() -> None:
    def update(w, g, acc, t):
        acc = 0.9 * acc + g
        return w - 0.1 * g - 0.1 * 0.9 * acc, acc

    g, w, train = quadratic(lambda: ts.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True))
    steps(g, train, 5)
    np.testing.assert_allclose(w.value, reference(update, 5, np.zeros(3)), rtol=1e-12)
    assert train.attrs["optimizer"] == "nesterov"


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop(momentum) -> None:
    def update(w, g, slots, t):
        ms, mom = slots
        ms = ms + (g * g - ms) * (1 - 0.9)
        mom = mom * momentum + 0.01 * g / np.sqrt(ms + 1e-10)
        return w - mom, (ms, mom)

    g, w, train = quadratic(lambda: ts.train.RMSPropOptimizer(0.01, momentum=momentum))
    steps(g, train, 5)
    # TensorFlow 1 starts the mean square at ones, the momentum at zeros
    np.testing.assert_allclose(w.value, reference(update, 5, (np.ones(3), np.zeros(3))),
                               rtol=1e-12)
    assert set(train.state) == {"step", "ms/w", "mom/w"}


def test_adagrad() -> None:
    def update(w, g, acc, t):
        acc = acc + g * g
        return w - 0.5 * g / np.sqrt(acc), acc

    g, w, train = quadratic(lambda: ts.train.AdagradOptimizer(0.5))
    steps(g, train, 5)
    np.testing.assert_allclose(w.value, reference(update, 5, np.full(3, 0.1)), rtol=1e-12)


def test_adaptive_optimizers_keep_their_state_in_the_file(tmp_path) -> None:
    g, w, train = quadratic(lambda: ts.train.RMSPropOptimizer(0.01, momentum=0.5))
    steps(g, train, 3)
    ts.save_graph(g, tmp_path / "rms.json")
    steps(g, train, 2)
    loaded = ts.load_graph(tmp_path / "rms.json")
    steps(loaded, loaded.get_node(train.name), 2)
    np.testing.assert_allclose(loaded.get_node("w").value, w.value, rtol=1e-12)


def test_the_global_step_counts_steps_and_rolls_back_with_a_diverging_run() -> None:
    g, w, train = quadratic(lambda: ts.train.GradientDescentOptimizer(0.1), global_step=True)
    counter = ts.train.get_global_step(g)
    assert counter is ts.train.get_or_create_global_step(g) and not counter.trainable
    steps(g, train, 3)
    assert counter.value == 3 and counter.value.dtype == np.int64
    assert ts.train.trained_variables(train, None) == (w,)  # the counter is not trained
    g.set_attr(train, "learning_rate", 1e300)
    result = ts.train.fit(g, train, 10)
    assert result.reason == "diverged"
    assert counter.value == 3 + result.steps  # back with the variables


def test_the_global_step_follows_a_rename_and_a_bad_one_is_named() -> None:
    g, w, train = quadratic(lambda: ts.train.GradientDescentOptimizer(0.1), global_step=True)
    g.rename(ts.train.get_global_step(g), "counter")
    assert train.attrs["global_step"] == "counter"
    steps(g, train, 1)
    assert g.get_node("counter").value == 1
    g.set_attr(train, "global_step", "loss")
    with pytest.raises(ts.EngineError, match="global_step names 'loss', which is not a scalar"):
        steps(g, train, 1)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_decays_the_learning_rate_by_the_global_step(staircase) -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable(np.zeros(3), name="w")
        loss = ts.reduce_sum(ts.square(w - TARGET), name="loss")
        step = ts.train.get_or_create_global_step()
        rate = ts.train.exponential_decay(0.1, step, 2, 0.5, staircase=staircase)
        train = ts.train.GradientDescentOptimizer(rate).minimize(loss, global_step=step)
    session = ts.Session(g)
    expected, rates = np.zeros(3), []
    for t in range(5):
        exponent = t // 2 if staircase else t / 2
        rates.append(session.run(rate))
        np.testing.assert_allclose(rates[-1], 0.1 * 0.5 ** exponent)
        expected = expected - 0.1 * 0.5 ** exponent * 2 * (expected - TARGET)
        session.run(train)
    np.testing.assert_allclose(w.value, expected, rtol=1e-12)


def test_a_decayed_rate_needs_the_global_step_minimize_increments() -> None:
    with ts.Graph().as_default():
        w = ts.Variable(1.0)
        step = ts.train.create_global_step()
        rate = ts.train.exponential_decay(0.1, step, 10, 0.9)
        with pytest.raises(ValueError, match="the same global_step"):
            ts.train.GradientDescentOptimizer(rate).minimize(ts.square(w))
        with pytest.raises(ValueError, match="not square"):
            ts.train.GradientDescentOptimizer(ts.square(w, name="square"))


def test_compute_and_apply_gradients_train_as_minimize() -> None:
    g, w, _ = quadratic(lambda: ts.train.GradientDescentOptimizer(0.1))
    optimizer = ts.train.GradientDescentOptimizer(0.1)
    loss = g.get_node("loss")
    pairs = optimizer.compute_gradients(loss)
    assert [var for _, var in pairs] == [w]
    session = ts.Session(g)
    np.testing.assert_allclose(session.run(pairs[0][0]), -2 * TARGET)
    train = optimizer.apply_gradients(pairs)
    session.run(train)
    np.testing.assert_allclose(w.value, 0.2 * TARGET)
    with g.as_default(), pytest.raises(ValueError, match="unchanged"):
        optimizer.apply_gradients([(pairs[0][0] * 2.0, w)])


def test_gradients_of_several_ys_weighted_by_grad_ys() -> None:
    with ts.Graph().as_default() as g:
        x = ts.Variable([1.0, 2.0], name="x")
        y1 = ts.square(x, name="y1")
        y2 = ts.multiply(x, 3.0, name="y2")
        (both,) = ts.gradients([y1, y2], [x])
        (weighted,) = ts.gradients([y1, y2], x, grad_ys=[[1.0, 10.0], None])
        (one,) = ts.gradients(y1, [x], grad_ys=[[0.5, 0.5]])
    session = ts.Session(g)
    np.testing.assert_allclose(session.run(both), [2 + 3, 4 + 3])
    np.testing.assert_allclose(session.run(weighted), [2 + 3, 40 + 3])
    np.testing.assert_allclose(session.run(one), [1.0, 2.0])
    with pytest.raises(ValueError, match="one per y"):
        ts.gradients([y1, y2], x, grad_ys=[None])
