"""``engine.train.fit``: the one training loop — progress, stopping, divergence, errors, probes."""

from __future__ import annotations

import numpy as np
import pytest

import engine as ts
from engine.train import Probe, fit


def momentum_graph(learning_rate: float = 0.05, start: float = 1.0) -> ts.Graph:
    """loss = Σ (x·w − 3)² over the fed points x, momentum on w."""
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None], name="x", default=[1.0, 2.0])
        w = ts.Variable([start], name="w")
        loss = ts.reduce_sum(ts.square(x * w - 3.0), name="loss")
        ts.train.MomentumOptimizer(learning_rate, 0.5).minimize(loss, name="train")
    return g


def by_hand(graph: ts.Graph, steps: int, feeds: dict | None = None) -> list[float]:
    """What ``fit`` must do: ``steps`` session runs of the train node."""
    session = ts.Session(graph)
    return [float(session.run("train", feeds)) for _ in range(steps)]


def test_fit_takes_the_steps_a_session_takes_bit_for_bit() -> None:
    g, reference = momentum_graph(), momentum_graph()
    seen: list[tuple[int, list[float]]] = []
    result = fit(g, "train", 7, {"x": [1.0, 0.5, 2.0]},
                 on_progress=lambda done, losses, seconds: seen.append((done, losses.tolist())))
    losses = by_hand(reference, 7, {"x": [1.0, 0.5, 2.0]})
    assert (result.reason, result.steps, result.message, result.node) == ("done", 7, "", None)
    assert result.losses.tolist() == losses
    assert seen == [(k, losses[:k]) for k in range(1, 8)]
    assert g.get_node("w").value.tobytes() == reference.get_node("w").value.tobytes()
    for key, value in reference.get_node("train").state.items():
        assert g.get_node("train").state[key].tobytes() == value.tobytes()
    assert result.final_loss == float(ts.Session(reference).run("loss", {"x": [1.0, 0.5, 2.0]}))
    assert result.seconds > 0



def test_without_final_loss_the_same_steps_leave_it_unmeasured() -> None:
    g, reference = momentum_graph(), momentum_graph()
    result = fit(g, "train", 5, {"x": [1.0, 0.5, 2.0]}, final_loss=False)
    expected = fit(reference, "train", 5, {"x": [1.0, 0.5, 2.0]})
    assert result.losses.tolist() == expected.losses.tolist()
    assert g.get_node("w").value.tobytes() == reference.get_node("w").value.tobytes()
    assert (result.final_loss, expected.final_loss is not None) == (None, True)

def test_should_stop_is_asked_before_every_step() -> None:
    g, reference = momentum_graph(), momentum_graph()
    asked: list[int] = []

    def should_stop() -> bool:
        asked.append(int(g.get_node("train").state.get("step", 0)))
        return len(asked) == 4

    result = fit(g, g.get_node("train"), 10, should_stop=should_stop)
    assert asked == [0, 1, 2, 3]
    assert (result.reason, result.steps, len(result.losses)) == ("stopped", 3, 3)
    by_hand(reference, 3)
    assert g.get_node("w").value.tobytes() == reference.get_node("w").value.tobytes()


def test_time_spent_in_should_stop_is_not_training_time(monkeypatch) -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    def pause() -> bool:
        now[0] += 1000.0  # blocked, as a paused editor does
        return False

    monkeypatch.setattr("engine.loop.time.perf_counter", clock)
    result = fit(momentum_graph(), "train", 3, should_stop=pause)
    assert result.reason == "done" and result.seconds < 1000


def test_a_diverging_loss_rolls_back_to_its_last_finite_value() -> None:
    g = momentum_graph(learning_rate=10.0)
    losses = by_hand(momentum_graph(learning_rate=10.0), 400)
    first_bad = next(k for k, loss in enumerate(losses) if not np.isfinite(loss))  # 0-based
    result = fit(g, "train", 400)
    kept = first_bad - 1  # the values that gave the last finite loss: after this many steps
    assert (result.reason, result.steps, result.node) == ("diverged", kept, "loss")
    assert result.message == (f"the loss loss became {losses[first_bad]} at step "
                              f"{first_bad + 1}: training stopped, keeping the values after "
                              f"step {kept}")
    assert result.losses.tolist() == losses[:kept]
    assert result.final_loss == losses[kept] == float(ts.Session(g).run("loss"))
    reference = momentum_graph(learning_rate=10.0)
    by_hand(reference, kept)
    assert g.get_node("w").value.tobytes() == reference.get_node("w").value.tobytes()
    state, expected = g.get_node("train").state, reference.get_node("train").state
    assert state.keys() == expected.keys()
    assert all(state[k].tobytes() == expected[k].tobytes() for k in state)


def test_a_loss_not_finite_at_the_start_leaves_everything_as_it_was() -> None:
    g = momentum_graph(start=np.inf)
    result = fit(g, "train", 5)
    assert (result.reason, result.steps, result.final_loss) == ("diverged", 0, np.inf)
    assert result.message.endswith("at step 1: training stopped, keeping the values it "
                                   "started from")
    assert g.get_node("w").value.tolist() == [np.inf] and g.get_node("train").state == {}


def test_an_engine_error_ends_training_and_is_named() -> None:
    g = momentum_graph()
    fit(g, "train", 2)
    result = fit(g, "train", 5, {"x": [[1.0]]})
    assert (result.reason, result.steps, result.node) == ("error", 0, "x")
    assert "cannot feed x" in result.message and result.final_loss is None
    assert int(g.get_node("train").state["step"]) == 2  # as the earlier run left it


def test_fit_needs_a_train_node_with_a_loss() -> None:
    g = momentum_graph()
    with pytest.raises(ts.EngineError, match="loss is not a train node"):
        fit(g, "loss", 1)
    g.disconnect("train", 0)
    with pytest.raises(ts.EngineError, match="train is not a train node with a loss"):
        fit(g, "train", 1)


def test_a_probe_fetches_nodes_with_the_steps_it_asks_for() -> None:
    g = momentum_graph()
    w = g.get_node("w")
    (dw,) = ts.gradients(g.get_node("loss"), [w])
    seen: list[list[np.ndarray]] = []
    asked: list[int] = []

    def due(done: int, seconds: float) -> bool:
        asked.append(done)
        return done % 2 == 0

    result = fit(g, "train", 5, probe=Probe([w, dw], due, seen.append))
    assert result.steps == 5 and asked == [0, 1, 2, 3, 4] and len(seen) == 3
    reference = momentum_graph()
    session = ts.Session(reference)
    (ref_dw,) = ts.gradients(reference.get_node("loss"), [reference.get_node("w")])
    for step in range(5):
        if step % 2 == 0:  # the values before the step, and their gradient
            values = seen[step // 2]
            assert values[0].tobytes() == reference.get_node("w").value.tobytes()
            assert values[1].tobytes() == session.run(ref_dw).tobytes()
        session.run("train")
    assert w.value.tobytes() == reference.get_node("w").value.tobytes()
