"""A user's own loop of ``Session.run(train, feeds)`` (TensorFlow 1 style) takes the training
loop's fast step after its first run: the same losses, variables and optimizer state, bit for
bit, as the interpreted session and as ``fit``; and where the fast step cannot go (a feed of
a new shape, a wrong or missing feed, a graph edit, a NaN, dropout, a session asked for its
changes) the session behaves as before."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import engine as ts
from engine.errors import EvaluationError, FeedError
from engine.fast_step import FastStep
from engine.loop import fit

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
TRAINED = ["digits", "mlp", "perceptron", "spiral"]


def state_of(graph: ts.Graph) -> dict[str, bytes]:
    """Every variable's value and every train node's state, as bytes."""
    found = {n.name: n.value.tobytes() for n in graph.nodes if isinstance(n, ts.Variable)}
    for node in ts.train.train_nodes(graph):
        found.update({f"{node.name}:{k}": np.asarray(v).tobytes() for k, v in node.state.items()})
    return found


def batches(graph: ts.Graph, sizes: list[int]) -> list[dict[ts.Node, np.ndarray]]:
    """Feeds of the example's placeholders: consecutive rows of their defaults, by ``sizes``."""
    placeholders = [n for n in graph.nodes if isinstance(n, ts.Placeholder)]
    feeds, start = [], 0
    for size in sizes:
        feeds.append({p: p.value[start:start + size].copy() for p in placeholders})
        start += size
    return feeds


def user_loop(graph: ts.Graph, sizes: list[int], compiled: bool = True,
              watched: bool = False) -> list[Any]:
    """``sess.run([train, loss], feed)`` per batch, as TensorFlow 1 code trains (``watched``:
    by a session asked for its changes, which runs every step itself)."""
    session = ts.Session(graph, compiled=compiled)
    if watched:
        session.take_changes()
    train = graph.get_node("train")
    weights = next(n for n in graph.nodes if isinstance(n, ts.Variable))
    fetches = [train, train.inputs[0], weights]  # (a variable: its value before the step)
    return [session.run(fetches, feeds) for feeds in batches(graph, sizes)]


FUSED = {"mlp", "perceptron"}
"""Examples whose compiled gradient the fusion rewrites (within 1e-12 of the interpreted)."""


@pytest.fixture
def taken(monkeypatch) -> list[int]:
    """Counts the steps the fast step took."""
    steps: list[int] = []
    take = FastStep.take

    def counted(self: FastStep, feeds: dict[Any, Any]) -> list[Any] | None:
        values = take(self, feeds)
        steps.extend([] if values is None else [1])
        return values

    monkeypatch.setattr(FastStep, "take", counted)
    return steps


@pytest.mark.parametrize("example", TRAINED)
def test_a_user_loop_agrees_with_the_session_the_interpreted_session_and_fit(
        example: str, taken: list[int]) -> None:
    fast, session, interpreted, fitted = (ts.load_graph(EXAMPLES / f"{example}.json")
                                          for _ in range(4))
    sizes = [40, 40, 40, 40, 20]  # the last batch smaller: a new kind of feed mid-loop
    got = user_loop(fast, sizes)
    assert len(taken) == len(sizes) - 1  # every run after the first took the fast road
    expected = user_loop(session, sizes, watched=True)
    assert len(taken) == len(sizes) - 1  # (a session asked for its changes: none)
    for (step, loss, weights), (step_expected, loss_expected, weights_expected) in zip(
            got, expected, strict=True):
        assert step.tobytes() == loss.tobytes() == step_expected.tobytes()
        assert loss.tobytes() == loss_expected.tobytes()
        assert weights.tobytes() == weights_expected.tobytes()
        assert not loss.flags.writeable and not weights.flags.writeable  # as every run's values
    assert state_of(fast) == state_of(session)
    feeds = batches(fitted, sizes)
    result = fit(fitted, "train", len(sizes), lambda i: feeds[i], final_loss=False)
    assert result.losses.tolist() == [float(loss.sum()) for _, loss, _ in got]
    assert state_of(fitted) == state_of(fast)
    slow = user_loop(interpreted, sizes, compiled=False)
    if example in FUSED:
        for (_, loss, _), (_, loss_slow, _) in zip(got, slow, strict=True):
            assert np.allclose(loss, loss_slow, rtol=1e-12, atol=0)
        for name, value in state_of(fast).items():
            a, b = (np.frombuffer(v) for v in (value, state_of(interpreted)[name]))
            assert np.allclose(a, b, rtol=0, atol=1e-12 * np.abs(b).max())
    else:
        assert [loss.tobytes() for _, loss, _ in got] == [loss.tobytes() for _, loss, _ in slow]
        assert state_of(fast) == state_of(interpreted)


def test_the_cache_stays_true_to_the_variables_after_fast_steps() -> None:
    graph, reference = (ts.load_graph(EXAMPLES / "mlp.json") for _ in range(2))
    session, other = ts.Session(graph), ts.Session(reference)
    other.take_changes()  # (runs every step itself)
    for s in (session, other):
        first = s.run("J")  # a value cached before the steps
        for _ in range(3):
            s.run(["train", "J"])
    assert session.run("J").tobytes() == other.run("J").tobytes() != first.tobytes()
    assert session.run("W_hidden").tobytes() == graph.get_node("W_hidden").value.tobytes()


def test_a_wrong_or_missing_feed_on_a_later_run_is_named() -> None:
    graph = ts.load_graph(EXAMPLES / "mlp.json")
    session = ts.Session(graph)
    X, c = graph.get_node("X"), graph.get_node("c")
    feeds = {X: X.value.copy(), c: c.value.copy()}
    for _ in range(2):
        session.run(["train", "J"], feeds)
    before = state_of(graph)
    with pytest.raises(FeedError, match="X"):
        session.run(["train", "J"], {X: np.zeros((5, 3)), c: feeds[c]})
    graph.set_value(X, None)  # no default: X must be fed
    with pytest.raises(FeedError, match="placeholder 'X' needs a value"):
        session.run(["train", "J"], {c: feeds[c]})
    assert state_of(graph) == before  # nothing of a refused run applied


def test_a_failing_op_on_a_later_run_is_named_and_nothing_applied() -> None:
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None, None], name="x")
        w = ts.Variable(np.ones((3, 2)), name="w")
        loss = ts.reduce_sum(ts.matmul(x, w), name="loss")
        train = ts.train.GradientDescentOptimizer(0.1).minimize(loss)
    session = ts.Session(graph)
    for _ in range(2):
        session.run([train, loss], {x: np.ones((4, 3))})
    before = state_of(graph)
    with pytest.raises(EvaluationError, match="matmul") as error:
        session.run([train, loss], {x: np.ones((4, 5))})
    assert error.value.node is not None
    assert state_of(graph) == before


def test_an_edit_between_runs_and_a_nan_behave_as_the_interpreted_session(
        taken: list[int]) -> None:
    results = []
    for compiled in (True, False):
        graph = ts.load_graph(EXAMPLES / "mlp.json")
        session = ts.Session(graph, compiled=compiled)
        out = [session.run(["train", "J"]) for _ in range(2)]
        graph.set_attr("train", "learning_rate", 0.5)  # an edit: a new graph version
        out += [session.run(["train", "J"]) for _ in range(2)]
        weights = graph.get_node("W_hidden")
        assert isinstance(weights, ts.Variable)
        graph.assign(weights, np.full_like(weights.value, np.inf))  # then NaN
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out += [session.run(["train", "J"]) for _ in range(3)]
        assert not caught  # a run ignores numpy's floating-point errors, the fast road too
        results.append(([loss.tobytes() for _, loss in out], state_of(graph)))
    assert np.isnan(np.frombuffer(results[0][0][-1])).all()
    assert len(taken) == 5  # (compiled: the 2nd run of each version, then the last three)
    assert results[0] == results[1]


def test_dropout_and_a_session_asked_for_its_changes_run_every_step_in_the_session() -> None:
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None, 3], name="x")
        w = ts.Variable(np.ones((3, 2)), name="w")
        hidden = ts.dropout(ts.matmul(x, w), keep_prob=0.5, seed=1)
        loss = ts.reduce_sum(hidden * hidden, name="loss")
        train = ts.train.GradientDescentOptimizer(0.01).minimize(loss)
    session = ts.Session(graph)
    for _ in range(2):
        session.run([train, loss], {x: np.ones((4, 3))})
    assert session._roads[(list, train, loss)] is None  # dropout: no fast road
    watched = ts.Session(graph)
    watched.take_changes()
    for _ in range(2):
        _, value = watched.run([train, loss], {x: np.ones((4, 3))})
        computed, _ = watched.take_changes()
        assert computed[loss].tobytes() == value.tobytes()  # the run's values are its cache's


def test_a_session_asked_for_its_changes_after_fast_steps_runs_every_step_itself() -> None:
    graph = ts.load_graph(EXAMPLES / "mlp.json")
    session = ts.Session(graph)
    for _ in range(3):
        session.run(["train", "J"])  # the fast road from the second
    session.take_changes()
    for _ in range(2):
        _, value = session.run(["train", "J"])
        computed, _ = session.take_changes()
        assert computed[graph.get_node("J")].tobytes() == value.tobytes()

