"""Optimizers, train nodes, losses, initializers and the series' examples, trained for real."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import numpy as np
import pytest

import engine as ts
from engine.io import dumps, graph_from_dict, graph_to_dict
from engine.ops import nn

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
TARGET = np.array([3.0, -2.0, 0.5])


def quadratic(optimizer: ts.train.Optimizer):
    """loss = Σ (w − TARGET)²: its minimum is w = TARGET."""
    with ts.Graph().as_default() as g:
        w = ts.Variable([0.0, 0.0, 0.0], name="w")
        loss = ts.reduce_sum(ts.square(w - TARGET), name="loss")
        train = optimizer.minimize(loss)
    return g, w, loss, train


@pytest.mark.parametrize("optimizer,steps", [
    (ts.train.GradientDescentOptimizer(0.1), 100),
    (ts.train.MomentumOptimizer(0.05, momentum=0.9), 300),
    (ts.train.AdamOptimizer(0.1), 500),
])
def test_optimizers_find_the_minimum_of_a_quadratic(optimizer, steps) -> None:
    g, w, loss, train = quadratic(optimizer)
    session = ts.Session(g)
    first = session.run(loss)
    for _ in range(steps):
        session.run(train)
    np.testing.assert_allclose(w.value, TARGET, atol=1e-3)
    assert session.run(loss) < 1e-6 < first
    assert int(train.state["step"]) == steps


@pytest.mark.parametrize("optimizer", [
    ts.train.GradientDescentOptimizer(0.1), ts.train.MomentumOptimizer(0.1, 0.5),
    ts.train.AdamOptimizer(0.1),
])
def test_a_scalar_variable_trains(optimizer) -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable(3.0)
        train = optimizer.minimize(ts.square(w - 1.0))
    session = ts.Session(g)
    for _ in range(300):
        session.run(train)
    assert w.value.shape == () and w.value == pytest.approx(1.0, abs=1e-4)


def test_update_rules_match_their_formulas() -> None:
    def two_steps(optimizer):
        g, w, loss, train = quadratic(optimizer)
        session = ts.Session(g)
        session.run(train)
        session.run(train)
        return w.value

    def grad(w):
        return 2 * (w - TARGET)

    w0 = np.zeros(3)
    w1 = w0 - 0.1 * grad(w0)
    np.testing.assert_allclose(two_steps(ts.train.GradientDescentOptimizer(0.1)),
                               w1 - 0.1 * grad(w1))
    acc = grad(w0)
    w1 = w0 - 0.1 * acc
    acc = 0.5 * acc + grad(w1)
    np.testing.assert_allclose(two_steps(ts.train.MomentumOptimizer(0.1, 0.5)), w1 - 0.1 * acc)
    w, m, v = w0, 0.0, 0.0
    for t in (1, 2):
        g = grad(w)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w = w - 0.1 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(two_steps(ts.train.AdamOptimizer(0.1)), w)


def test_a_step_uses_the_feed_and_returns_the_loss_before_it() -> None:
    with ts.Graph().as_default() as g:
        a = ts.placeholder(name="a", default=[1.0])
        w = ts.Variable([2.0], name="w")
        loss = ts.reduce_sum(ts.square(w * a - 1.0))
        train = ts.train.GradientDescentOptimizer(0.1).minimize(loss)
    session = ts.Session(g)
    before, value = session.run([train, loss], {a: [3.0]})
    assert before == value == 25.0  # (2·3 − 1)², not the default feed's (2·1 − 1)²
    np.testing.assert_allclose(w.value, [2.0 - 0.1 * 2 * 5 * 3])  # the fed gradient
    assert session.run(loss, {a: [3.0]}) == pytest.approx((-1.0 * 3 - 1) ** 2)


def test_results_held_across_steps_keep_their_values() -> None:
    """A train step gives its variables new arrays: what a caller fetched before stays as it
    was, and the next run sees the new values."""
    with ts.Graph().as_default() as g:
        w = ts.Variable([[1.0, 2.0]], name="w")
        b = ts.Variable([0.5], name="b")
        z = ts.reduce_sum(w * w, axis=1) + b
        loss = ts.reduce_sum(ts.square(z))
        train = ts.train.GradientDescentOptimizer(0.01).minimize(loss)
    session = ts.Session(g)
    held_w, held_z, held_loss = session.run([w, z, loss])
    copies = [np.array(a) for a in (held_w, held_z, held_loss)]
    for _ in range(3):
        session.run([train, loss])
    for held, copy in zip((held_w, held_z, held_loss), copies, strict=True):
        np.testing.assert_array_equal(held, copy)
    new_w, new_z = session.run([w, z])
    assert not np.array_equal(new_w, copies[0])
    np.testing.assert_allclose(new_z, (w.value**2).sum(axis=1) + b.value)
    np.testing.assert_allclose(ts.Session(g).run(loss), session.run(loss))


def test_a_failed_run_updates_nothing() -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable([[1.0, 2.0]], name="w")
        loss = ts.reduce_sum(ts.square(w))
        train = ts.train.AdamOptimizer(0.1).minimize(loss)
        m = ts.placeholder(name="m")
        bad = ts.matmul(m, m, name="bad")
    session = ts.Session(g)
    session.run(train)
    value, state = w.value, dict(train.state)
    with pytest.raises(ts.EvaluationError, match="bad"):
        session.run([train, bad], {m: [[1.0, 2.0, 3.0]]})
    assert w.value is value and train.state == state


def test_only_trainable_or_listed_variables_change() -> None:
    with ts.Graph().as_default() as g:
        a = ts.Variable([1.0], name="a")
        b = ts.Variable([1.0], name="b")
        frozen = ts.Variable([1.0], name="frozen", trainable=False)
        loss = ts.reduce_sum(a * b * frozen)
        all_trainable = ts.train.GradientDescentOptimizer(0.5).minimize(loss)
        only_b = ts.train.GradientDescentOptimizer(0.5).minimize(loss, var_list=[b])
        wrong = ts.train.GradientDescentOptimizer(0.5).minimize(loss, var_list=["nope"])
    session = ts.Session(g)
    session.run(all_trainable)
    assert (a.value, b.value, frozen.value) == ([0.5], [0.5], [1.0])
    session.run(only_b)
    assert (a.value, b.value) == ([0.5], [0.25])
    with pytest.raises(ts.EngineError, match="nope") as info:
        session.run(wrong)
    assert info.value.node == wrong.name


def test_a_loss_without_trainable_variables_is_named() -> None:
    with ts.Graph().as_default() as g:
        loss = ts.reduce_sum(ts.square(ts.Variable([1.0], trainable=False)), name="loss")
        train = ts.train.AdamOptimizer().minimize(loss, name="fit")
    with pytest.raises(ts.EngineError, match="fit: the loss loss depends on no trainable") as info:
        ts.Session(g).run(train)
    assert info.value.node == "fit"


def test_train_node_attributes_are_validated() -> None:
    with ts.Graph().as_default():
        loss = ts.reduce_sum(ts.Variable([1.0]))
        with pytest.raises(ValueError, match="optimizer"):
            ts.Operation("minimize", [loss], attrs={"optimizer": "sgd"})
        with pytest.raises(ValueError, match="beta1"):
            ts.train.AdamOptimizer(beta1=1.5).minimize(loss)
    assert ts.get_op("minimize").attrs["optimizer"].parse.choices == (
        "gradient_descent", "momentum", "adam", "nesterov")


# ---- losses ---------------------------------------------------------------------------------


def test_softmax_cross_entropy_is_stable_and_matches_the_series_construction() -> None:
    logits_value = np.array([[2.0, 1.0, 0.1], [1000.0, -1000.0, 0.0]])
    labels_value = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    with ts.Graph().as_default() as g:
        logits = ts.Variable(logits_value)
        labels = ts.constant(labels_value)
        fused = ts.softmax_cross_entropy(labels, logits)
        series = -ts.reduce_sum(labels * ts.log(ts.softmax(logits)), axis=1)
        (d_logits,) = ts.gradients(ts.reduce_sum(fused), [logits])
    got, built, grad = ts.Session(g).run([fused, series, d_logits])
    expected_first = -np.log(np.exp(2.0) / np.exp([2.0, 1.0, 0.1]).sum())
    np.testing.assert_allclose(got, [expected_first, 1000.0])
    assert built[0] == pytest.approx(got[0])
    assert not np.isfinite(built[1])  # the series' form meets log(0) where the fused one cannot
    softmax = np.exp(logits_value - logits_value.max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    np.testing.assert_allclose(grad, softmax - labels_value)


def test_cross_entropy_gradient_after_the_logits_change_and_from_a_cached_loss() -> None:
    """The gradient uses the softmax its forward pass kept: it must be the one of the loss
    value it belongs to, also when that value comes from the cache of an earlier run."""
    labels_value = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with ts.Graph().as_default() as g:
        logits = ts.Variable(np.zeros((2, 3)))
        loss = ts.softmax_cross_entropy(ts.constant(labels_value), logits)
        (d_logits,) = ts.gradients(loss, [logits])

    def expected(value):
        softmax = np.exp(value) / np.exp(value).sum(1, keepdims=True)
        return softmax - labels_value

    session = ts.Session(g)
    session.run(loss)  # the loss is cached; the gradient is fetched in a later run
    np.testing.assert_allclose(session.run(d_logits), expected(np.zeros((2, 3))))
    new_value = np.array([[3.0, -1.0, 0.5], [0.0, 2.0, -2.0]])
    g.set_value(logits, new_value)
    held = session.run(d_logits)
    np.testing.assert_allclose(held, expected(new_value))
    g.set_value(logits, np.zeros((2, 3)))
    np.testing.assert_allclose(session.run(d_logits), expected(np.zeros((2, 3))))
    np.testing.assert_allclose(held, expected(new_value))  # what the user holds is unchanged


def test_a_cross_entropy_keeps_its_softmax_only_while_its_value_lives() -> None:
    kept = nn._softmax_of_loss
    gc.collect()  # earlier tests' outputs that only a collection frees: not during the run below
    before = len(kept._items)
    with ts.Graph().as_default() as g:
        loss = ts.softmax_cross_entropy([[0.0, 1.0]], ts.Variable([[1.0, 2.0]]))
    session = ts.Session(g)
    value = session.run(loss)
    assert len(kept._items) == before + 1
    session.close()
    del value
    assert len(kept._items) == before


def test_mean_squared_error() -> None:
    with ts.Graph().as_default() as g:
        mse = ts.mean_squared_error([1.0, 2.0, 3.0], ts.Variable([1.0, 4.0, 0.0]))
    assert ts.Session(g).run(mse) == pytest.approx((0 + 4 + 9) / 3)
    assert g.shape_of(mse) == ()


# ---- initializers ---------------------------------------------------------------------------


def test_initializers_are_kept_and_rerun() -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable(ts.random_normal([3, 2], mean=1.0, stddev=0.5, seed=4), name="w")
        u = ts.Variable(ts.random_uniform([100], minval=-1.0, maxval=1.0, seed=5), name="u")
        z = ts.Variable(ts.zeros([2]), name="z")
        o = ts.Variable(ts.ones([2, 2]), name="o")
        plain = ts.Variable([7.0], name="plain")
        train = ts.train.MomentumOptimizer(0.1, 0.9).minimize(
            ts.reduce_sum(w) + ts.reduce_sum(u) + ts.reduce_sum(z * o) + ts.reduce_sum(plain))
    first = w.value.copy()
    np.testing.assert_array_equal(first, np.random.default_rng(4).normal(1.0, 0.5, (3, 2)))
    assert -1 <= u.value.min() and u.value.max() < 1
    assert z.value.tolist() == [0, 0] and o.value.tolist() == [[1, 1], [1, 1]]
    ts.Session(g).run(train)
    assert not np.array_equal(w.value, first) and train.state
    g.reset_variables()
    np.testing.assert_array_equal(w.value, first)
    assert z.value.tolist() == [0, 0] and train.state == {}
    assert plain.value.tolist() == [6.9]  # no initializer: kept as it is
    loaded = graph_from_dict(json.loads(dumps(graph_to_dict(g))))
    assert loaded.get_node("w").initializer == w.initializer
    loaded.get_node("w").value = [[0.0, 0.0]] * 3
    loaded.reset_variables()
    np.testing.assert_array_equal(loaded.get_node("w").value, first)


def test_a_variable_made_from_its_initializer_alone() -> None:
    g = ts.Graph()
    spec = {"kind": "random_uniform", "shape": [2, 3], "minval": 5, "maxval": 6, "seed": 1}
    v = g.add_node("variable", name="v", attrs={"initializer": spec})
    assert v.value.shape == (2, 3) and 5 <= v.value.min() and v.value.max() < 6
    assert v.initializer == {**spec, "minval": 5.0, "maxval": 6.0, "dtype": "float64"}
    with pytest.raises(ValueError, match="initial value or an initializer"):
        g.add_node("variable", name="w")


@pytest.mark.parametrize("spec,message", [
    ({"kind": "random_normal", "shape": [2], "stddev": -1}, "stddev"),
    ({"kind": "glorot", "shape": [2]}, "unknown initializer kind"),
    ({"kind": "zeros", "shape": [2, "x"]}, "shape"),
    ({"kind": "zeros", "shape": [2], "seed": 3}, "no seed"),
])
def test_bad_initializer_in_a_file_is_named(spec, message) -> None:
    data = {"format": "tensor-canvas-graph", "format_version": 1, "nodes": [
        {"name": "w", "op": "variable", "attrs": {"initializer": spec},
         "value": {"dtype": "float64", "shape": [2], "data": [1.0, 2.0]}}]}
    with pytest.raises(ts.FileFormatError, match=f"nodes\\[0\\] \\('w'\\).attrs.*{message}"):
        graph_from_dict(data)


# ---- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", [
    ts.train.GradientDescentOptimizer(0.05),
    ts.train.MomentumOptimizer(0.05, 0.9),
    ts.train.AdamOptimizer(0.05),
])
def test_a_saved_graph_continues_training_identically(tmp_path, optimizer) -> None:
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 3], name="x", default=np.linspace(-1, 1, 60).reshape(20, 3))
        w = ts.Variable(ts.random_normal([3, 70], seed=1), name="w")  # > 64 values: base64
        loss = ts.reduce_mean(ts.square(ts.tanh(x @ w) - 0.3), name="loss")
        optimizer.minimize(loss, name="train")
    session = ts.Session(g)
    for _ in range(5):
        session.run("train")
    ts.save_graph(g, tmp_path / "mid.json")
    loaded = ts.load_graph(tmp_path / "mid.json")
    assert set(loaded.get_node("train").state) == set(g.get_node("train").state)
    other = ts.Session(loaded)
    for _ in range(5):
        a = session.run(["train", "loss"])
        b = other.run(["train", "loss"])
        assert a == b
    np.testing.assert_array_equal(loaded.get_node("w").value, w.value)


def test_gradient_and_train_nodes_save_and_load(tmp_path) -> None:
    g, w, loss, train = quadratic(ts.train.AdamOptimizer(0.2))
    (dw,) = ts.gradients(loss, [w])
    ts.Session(g).run(train)
    ts.save_graph(g, tmp_path / "g.json")
    entries = {n["name"]: n for n in json.loads((tmp_path / "g.json").read_text())["nodes"]}
    assert entries[dw.name]["op"] == "gradient" and entries[dw.name]["inputs"] == ["loss", "w"]
    assert set(entries[train.name]["state"]) == {"step", "m/w", "v/w"}
    loaded = ts.load_graph(tmp_path / "g.json")
    assert loaded.get_node(train.name).attrs == train.attrs
    np.testing.assert_array_equal(ts.Session(loaded).run(dw.name), ts.Session(g).run(dw))


def test_a_bad_saved_step_is_named() -> None:
    g, w, loss, train = quadratic(ts.train.AdamOptimizer())
    train.state = {"step": np.array([1, 2])}
    with pytest.raises(ts.EngineError, match="saved state 'step'") as info:
        ts.Session(g).run(train)
    assert info.value.node == train.name and w.value.tolist() == [0, 0, 0]


@pytest.mark.parametrize("state,message", [
    ([1, 2], "state: expected an object"),
    ({"m/w": [1.0]}, r"state\['m/w'\]: a tensor is an object"),
    ({"step": {"dtype": "int64", "shape": [], "data": "x"}}, r"state\['step'\].data"),
])
def test_malformed_state_is_named(state, message) -> None:
    data = {"format": "tensor-canvas-graph", "format_version": 1, "nodes": [
        {"name": "w", "op": "variable", "value": {"dtype": "float64", "shape": [], "data": 1.0}},
        {"name": "t", "op": "minimize", "inputs": ["w"], "state": state}]}
    with pytest.raises(ts.FileFormatError, match=rf"nodes\[1\] \('t'\)\.{message}"):
        graph_from_dict(data)


# ---- the series' examples -------------------------------------------------------------------


def accuracy(session: ts.Session, graph: ts.Graph, output: str) -> float:
    labels = graph.get_node("c").default
    return float(np.mean(session.run(output).argmax(1) == labels.argmax(1)))


def test_perceptron_example_reaches_the_series_figure() -> None:
    g = ts.load_graph(EXAMPLES / "perceptron.json")
    session = ts.Session(g)
    first = session.run("J")
    losses = [session.run(["train", "J"])[1] for _ in range(100)]
    assert losses[0] == first > 20
    assert session.run("J") <= 1.1
    assert accuracy(session, g, "p") == 1.0


def test_mlp_example_reaches_the_series_figures() -> None:
    g = ts.load_graph(EXAMPLES / "mlp.json")
    assert g.get_node("train").attrs["learning_rate"] == 0.03
    session = ts.Session(g)
    first = session.run("J")
    for _ in range(1000):
        session.run("train")
    assert session.run("J") <= 18 < first
    assert accuracy(session, g, "p_output") >= 0.95


def test_examples_are_what_the_generator_writes(tmp_path, monkeypatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    for name in ("perceptron.json", "mlp.json"):
        assert (tmp_path / name).read_text() == (EXAMPLES / name).read_text()


# ---- renames and resets reach the train nodes and the listeners ---------------------------


def adam_on_w() -> tuple[ts.Graph, ts.Node]:
    """J = sum((2w + b)²), Adam updating w only (``var_list``)."""
    with ts.Graph().as_default() as g:
        w = ts.Variable(ts.random_normal([2], seed=3), name="w")
        b = ts.Variable([0.5], name="b")
        J = ts.reduce_sum(ts.square(w * 2.0 + b), name="J")
        train = ts.train.AdamOptimizer(0.1).minimize(J, var_list=[w], name="train")
    return g, train


def test_renaming_a_variable_keeps_the_train_nodes_that_name_it() -> None:
    g, train = adam_on_w()
    reference, reference_train = adam_on_w()  # the same steps without renames
    session, reference_session = ts.Session(g), ts.Session(reference)
    session.run(train)
    reference_session.run(reference_train)
    heard = []

    def listener(event: ts.GraphEvent) -> None:
        heard.append((event.kind, event.node.name))

    g.subscribe(listener)
    g.rename("w", "weights")
    assert train.attrs["var_list"] == ("weights",)
    assert set(train.state) == {"step", "m/weights", "v/weights"}  # Adam's moments follow
    assert heard == [("renamed", "weights"), ("attr_changed", "train"),
                     ("state_changed", "train")]
    session.run(train)  # the renamed variable trains on, from Adam's second step
    reference_session.run(reference_train)
    np.testing.assert_array_equal(g.get_node("weights").value, reference.get_node("w").value)
    assert int(train.state["step"]) == 2 and g.get_node("b").value.tolist() == [0.5]
    g.rename("weights", "w")  # back, as undo does
    assert train.attrs["var_list"] == ("w",) and set(train.state) == {"step", "m/w", "v/w"}
    heard.clear()
    g.rename("b", "bias")  # named by no train node: nothing else changes
    assert heard == [("renamed", "bias")] and train.attrs["var_list"] == ("w",)


def test_reset_variables_tells_sessions_and_listeners() -> None:
    g, train = adam_on_w()
    session = ts.Session(g)
    initial = float(session.run("J"))
    for _ in range(5):
        session.run(train)
    assert float(session.run("J")) < initial
    heard = []

    def listener(event: ts.GraphEvent) -> None:
        heard.append((event.kind, event.node.name))

    g.subscribe(listener)
    g.reset_variables()
    assert heard == [("value_changed", "w"), ("state_changed", "train")]
    assert train.state == {} and float(session.run("J")) == initial  # the session saw it
    heard.clear()
    g.reset_variables()  # nothing kept any more: only the initializer runs again
    assert heard == [("value_changed", "w")]
