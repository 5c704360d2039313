"""The training loop's fast step (``engine.fast_step``): the same steps as a session run of the
train node per batch, bit for bit — losses, variables and optimizer state — on the digits
example by epochs (its last batch smaller, its measures too), with a decaying rate and a global
step, across an edit of the graph, beside a probe's steps, and when a batch fails, a step
cannot be taken or an op keeps state of its own (dropout); what a fit compiles at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import engine as ts
from engine.data.batches import epoch_batches
from engine.loop import fit

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"


def state_of(graph: ts.Graph) -> dict[str, bytes]:
    """Every variable's value and every train node's state, as bytes."""
    found = {n.name: n.value.tobytes() for n in graph.nodes if isinstance(n, ts.Variable)}
    for node in ts.train.train_nodes(graph):
        found.update({f"{node.name}:{k}": np.asarray(v).tobytes() for k, v in node.state.items()})
    return found


def by_session(graph: ts.Graph, batches: list[dict[str, Any]]) -> list[float]:
    """What the loop must compute: one session run of the train node per batch."""
    session = ts.Session(graph)
    return [float(session.run("train", feeds)) for feeds in batches]


@pytest.fixture
def train_runs(monkeypatch) -> list[int]:
    """Counts the session's runs of a train node (the steps the fast step left to it)."""
    runs: list[int] = []
    run = ts.Session.run

    def counted(self: ts.Session, fetches: Any, feed_dict: Any = None) -> Any:
        if isinstance(fetches, ts.Operation) and ts.train.train_nodes(self.graph) == [fetches]:
            runs.append(1)
        return run(self, fetches, feed_dict)

    monkeypatch.setattr(ts.Session, "run", counted)
    return runs


def test_an_epoch_on_digits_is_a_session_run_per_batch_bit_for_bit(train_runs) -> None:
    graph, reference = (ts.load_graph(EXAMPLES / "digits.json") for _ in range(2))
    data, bindings = ts.data.bound_data(graph)
    schedule = ts.data.Schedule(epochs=2, batch_size=32, seed=3, validation_split=0.2)
    steps: list[float] = []
    result = ts.data.fit_data(graph, "train", data, bindings, schedule,
                              on_step=lambda n, loss: steps.append(loss))
    assert not train_runs  # every step was the fast step's
    split = ts.data.split(data.rows, 0.2, 3)
    rng = np.random.default_rng([3, 1])
    X, C = data.arrays["features"], data.arrays["labels"]
    session, expected = ts.Session(reference), []
    for epoch in result.epochs:  # what the session computes, a run per batch, then per part
        batches = epoch_batches(split.train, 32, rng)
        expected += [float(session.run("train", {"X": X[b], "c": C[b]})) for b in batches]
        for part, loss, accuracy in [(split.train, epoch.loss, epoch.accuracy),
                                     (split.validation, epoch.validation_loss,
                                      epoch.validation_accuracy)]:
            J, logits = session.run(["J", "logits"], {"X": X[part], "c": C[part]})
            assert loss == pytest.approx(float(J), rel=1e-12)
            assert accuracy == np.mean(np.argmax(logits, 1) == np.argmax(C[part], 1))
    assert len(batches[-1]) < 32 and result.steps == len(expected) == 90
    assert steps == expected
    assert state_of(graph) == state_of(reference)


def decaying() -> ts.Graph:
    """A softmax layer trained by momentum with an exponentially decaying rate that counts a
    global step."""
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 3], name="x")
        c = ts.placeholder(shape=[None, 2], name="c")
        w = ts.Variable(ts.random_normal([3, 2], seed=4), name="w")
        step = ts.train.create_global_step()
        rate = ts.train.exponential_decay(0.5, step, 2.0, 0.7, staircase=True)
        loss = ts.reduce_mean(ts.softmax_cross_entropy(c, x @ w), name="loss")
        ts.train.MomentumOptimizer(rate, 0.9).minimize(loss, global_step=step, name="train")
    return g


def feeds(count: int, rows: int = 5) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    return [{"x": rng.normal(size=(rows, 3)), "c": np.eye(2)[rng.integers(0, 2, rows)]}
            for _ in range(count)]


def by_node(graph: ts.Graph, batch: dict[str, np.ndarray]) -> dict[ts.Node, np.ndarray]:
    return {graph.get_node(name): value for name, value in batch.items()}


def test_a_decaying_rate_a_global_step_and_an_edit_between_fits(train_runs) -> None:
    graph, reference = decaying(), decaying()
    batches = feeds(12)
    session = ts.Session(graph)
    first = fit(graph, "train", 6, lambda i: by_node(graph, batches[i]), session=session)
    graph.set_attr("train", "momentum", 0.5)  # a new graph version: prepared afresh
    then = fit(graph, "train", 6, lambda i: by_node(graph, batches[6 + i]), session=session)
    expected = by_session(reference, batches[:6])
    reference.set_attr("train", "momentum", 0.5)
    expected += by_session(reference, batches[6:])
    assert [*first.losses.tolist(), *then.losses.tolist()] == expected
    assert state_of(graph) == state_of(reference)
    assert int(graph.get_node("global_step").value) == 12
    assert not train_runs


def test_a_fed_placeholder_the_loss_does_not_read_is_checked_and_left_alone(train_runs) -> None:
    graph, reference = decaying(), decaying()
    for g in (graph, reference):
        with g.as_default():
            ts.placeholder(shape=[None, 4], name="unused")
    batches = [{**batch, "unused": np.ones((5, 4))} for batch in feeds(4)]
    result = fit(graph, "train", 4, lambda i: by_node(graph, batches[i]))
    assert result.losses.tolist() == by_session(reference, batches)
    assert state_of(graph) == state_of(reference) and not train_runs
    bad = fit(graph, "train", 1, {graph.get_node("unused"): np.ones((5, 3))})
    assert (bad.reason, bad.node) == ("error", "unused") and "(5,3)" in bad.message


def test_a_batch_that_fails_is_named_by_the_session_and_nothing_of_it_is_applied() -> None:
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(name="x")  # any shape: the session checks nothing more
        w = ts.Variable(np.ones((3, 1)), name="w")
        loss = ts.reduce_sum(ts.square(ts.matmul(x, w, name="product")), name="loss")
        ts.train.GradientDescentOptimizer(0.01).minimize(loss, name="train")
    rng = np.random.default_rng(1)
    batches = [rng.normal(size=(4, 3)) for _ in range(3)] + [rng.normal(size=(4, 2))]
    result = fit(graph, "train", 4, lambda i: {x: batches[i]})
    assert (result.reason, result.steps, result.node) == ("error", 3, "product")
    assert "product" in result.message and "(4,2)" in result.message
    reference = ts.Graph()
    with reference.as_default():
        ref_x = ts.placeholder(name="x")
        ref_w = ts.Variable(np.ones((3, 1)), name="w")
        ts.train.GradientDescentOptimizer(0.01).minimize(
            ts.reduce_sum(ts.square(ts.matmul(ref_x, ref_w))), name="train")
    assert result.losses.tolist() == by_session(reference, [{"x": b} for b in batches[:3]])
    assert w.value.tobytes() == ref_w.value.tobytes()


def test_an_op_that_keeps_state_of_its_own_leaves_the_steps_to_the_session(train_runs) -> None:
    def dropped() -> ts.Graph:
        with ts.Graph().as_default() as g:
            x = ts.placeholder(shape=[None, 3], name="x")
            c = ts.placeholder(shape=[None, 2], name="c")
            w = ts.Variable(ts.random_normal([3, 2], seed=4), name="w")
            logits = ts.dropout(x, keep_prob=0.5, seed=2) @ w
            loss = ts.reduce_mean(ts.softmax_cross_entropy(c, logits), name="loss")
            ts.train.AdamOptimizer(0.1).minimize(loss, name="train")
        return g

    graph, reference = dropped(), dropped()
    batches = feeds(5)
    result = fit(graph, "train", 5, lambda i: by_node(graph, batches[i]))
    assert result.losses.tolist() == by_session(reference, batches)
    assert state_of(graph) == state_of(reference)
    assert len(train_runs) == 5


@pytest.mark.parametrize("case, message", [
    ("argmax", "no gradient flows from the loss loss to w"),
    ("var_list", "var_list names 'nope', which is not a variable"),
])
def test_a_step_that_cannot_be_taken_is_refused_by_the_session(case, message) -> None:
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None, 3], name="x")
        w = ts.Variable(np.ones((3, 2)), name="w")
        scores = ts.matmul(x, w)
        loss = ts.reduce_sum(ts.argmax(scores, axis=1) if case == "argmax" else scores,
                             name="loss")
        ts.train.GradientDescentOptimizer(0.1).minimize(
            loss, var_list=["nope"] if case == "var_list" else None, name="train")
    result = fit(graph, "train", 3, {x: np.ones((2, 3))})
    assert (result.reason, result.steps, result.node) == ("error", 0, "train")
    assert message in result.message
    assert w.value.tolist() == np.ones((3, 2)).tolist()


def test_steps_that_a_probe_watches_are_the_sessions_and_the_rest_fast_alike() -> None:
    graph, reference = decaying(), decaying()
    batches = feeds(9)
    w = graph.get_node("w")
    seen: list[np.ndarray] = []
    probe = ts.train.Probe([w], lambda done, seconds: done % 3 == 1, lambda values:
                           seen.append(values[0].copy()))
    result = fit(graph, "train", 9, lambda i: by_node(graph, batches[i]), probe=probe)
    session, before, expected = ts.Session(reference), [], []
    for batch in batches:  # the probe sees the values before steps 2, 5 and 8
        before.append(reference.get_node("w").value.copy())
        expected.append(float(session.run("train", batch)))
    assert result.losses.tolist() == expected
    assert [s.tobytes() for s in seen] == [before[i].tobytes() for i in (1, 4, 7)]
    assert state_of(graph) == state_of(reference)


def test_a_fit_compiles_at_once_only_what_keeps_the_sessions_values(train_runs) -> None:
    """The series' loss of parts (softmax → log → sums → negative) fuses to rounding in the
    compiled backward pass: a fit's first step keeps it interpreted, as a session's first run
    does; the optimizer step and an exact pass are compiled from the first step."""
    graph, reference = (ts.load_graph(EXAMPLES / "mlp.json") for _ in range(2))
    data = ts.data.builtin("xor_clusters")
    rng = np.random.default_rng(1)
    batches = [{"X": data.arrays["features"][rows], "c": data.arrays["labels"][rows]}
               for rows in (rng.choice(len(data.arrays["features"]), 8) for _ in range(4))]
    result = fit(graph, "train", 4, lambda i: by_node(graph, batches[i]))
    assert result.losses.tolist() == by_session(reference, batches)
    assert state_of(graph) == state_of(reference) and not train_runs
    assert compiled_after_one_step(ts.load_graph(EXAMPLES / "mlp.json"), batches[0]) == {
        "update"}
    assert compiled_after_one_step(decaying(), feeds(1)[0]) == {"update", "backward"}


def compiled_after_one_step(graph: ts.Graph, batch: dict[str, np.ndarray]) -> set[str]:
    """Which of the train step's functions are compiled after a fit of one step."""
    session = ts.Session(graph)
    fit(graph, "train", 1, by_node(graph, batch), session=session)
    codes = [memo.compiled.code for memo in session._version_memo.values()
             if hasattr(memo, "compiled")]
    return {code.function.__name__ for code in codes if code is not None}
