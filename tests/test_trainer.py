"""The Trainer: a snapshot trained in a worker process (a thread for test-only ops), progress
in batches, pause and stop, results to apply."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from training_helpers import MLP, PERCEPTRON, slow_graph, slow_op, ticks_between

import engine as ts
from editor.compute.trainer import Trainer, check_trainable
from editor.document import Document
from editor.document.training_commands import ApplyTraining, ResetVariables
from engine.train import train_nodes

WAIT = 60_000


@pytest.fixture
def trainer(qtbot) -> Iterator[Trainer]:
    """A trainer, closed (its worker process ended) after the test."""
    made = Trainer()
    yield made
    made.close()


def workers() -> list[multiprocessing.process.BaseProcess]:
    """The live worker processes of trainers."""
    return [p for p in multiprocessing.active_children() if p.name == "Tensor Canvas training"]


def progress_steps(trainer: Trainer) -> list[int]:
    """The step of each progress report, as they arrive."""
    steps: list[int] = []
    trainer.progress.connect(lambda step, loss, rate: steps.append(step))
    return steps


def train(qtbot, trainer: Trainer, *args, **kwargs):
    with qtbot.waitSignal(trainer.finished, timeout=WAIT) as finished:
        trainer.start(*args, **kwargs)
    return finished.args[0]


def test_trains_a_snapshot_and_leaves_the_document_alone(qtbot, trainer) -> None:
    graph = ts.load_graph(MLP)
    before = {n.name: n.value.copy() for n in graph.nodes if isinstance(n, ts.Variable)}
    batches: list[tuple[np.ndarray, np.ndarray]] = []
    progress: list[tuple[int, float, float]] = []
    trainer.logged.connect(lambda steps, losses: batches.append((steps, losses)))
    trainer.progress.connect(lambda *args: progress.append(args))
    result = train(qtbot, trainer, graph, "train", 1000)
    assert (result.reason, result.steps, result.train_node, result.loss) == ("done", 1000,
                                                                              "train", "J")
    for name, value in before.items():  # the document is untouched until the result is applied
        np.testing.assert_array_equal(graph.get_node(name).value, value)
    steps = np.concatenate([s for s, _ in batches])
    np.testing.assert_array_equal(steps, np.arange(1, 1001))  # every step's loss, in order
    np.testing.assert_array_equal(np.concatenate([losses for _, losses in batches]), result.losses)
    assert progress[-1][0] == 1000 and progress[-1][2] > 0
    assert len(batches) < 1000  # batched, not a signal per step
    assert result.losses[0] > result.losses[-1]
    assert result.state["step"] == 1000

    # The same steps in the engine directly give the same values.
    session = ts.Session(graph)
    losses = [float(session.run(["train", "J"])[1]) for _ in range(1000)]
    np.testing.assert_allclose(result.losses, losses)
    for name in before:
        np.testing.assert_allclose(result.values[name], graph.get_node(name).value)
    assert result.final_loss == pytest.approx(float(session.run("J")))


def test_gradients_at_the_trained_values(qtbot, trainer) -> None:
    graph = ts.load_graph(PERCEPTRON)
    result = train(qtbot, trainer, graph, "train", 50)
    for name, value in result.values.items():
        graph.set_value(name, value)
    nodes = ts.gradients(graph.get_node("J"), [graph.get_node(n) for n in result.values])
    expected = ts.Session(graph).run(nodes)
    assert list(result.gradients) == ["W", "b"]
    for name, value in zip(result.values, expected, strict=True):
        np.testing.assert_allclose(result.gradients[name], value)


def test_snapshots_carry_values_and_their_gradients(qtbot, trainer) -> None:
    with slow_op(0.005):
        graph = slow_graph()
        snapshots = []
        trainer.snapshot.connect(lambda values, grads: snapshots.append((values, grads)))
        train(qtbot, trainer, graph, "train", 150)  # 0.75 s of the run's clock: one every 0.2 s
        # till the end nears
    assert len(snapshots) >= 2
    for values, grads in snapshots:  # d sum((w − 3)²) / dw = 2 (w − 3)
        np.testing.assert_allclose(grads["w"], 2 * (values["w"] - 3.0))
    np.testing.assert_array_equal(snapshots[0][0]["w"], [0.0, 1.0])


def test_no_snapshot_when_the_run_ends_before_the_next_is_due(qtbot, trainer) -> None:
    with slow_op(0.01):
        snapshots = []
        trainer.snapshot.connect(lambda values, grads: snapshots.append(values))
        result = train(qtbot, trainer, slow_graph(), "train", 30)  # 0.1 s of 0.3 left at 0.2
    assert result.steps == 30 and result.gradients  # the result brings the last ones
    assert len(snapshots) == 1 and snapshots[0]["w"].tolist() == [0.0, 1.0]  # the start's


def test_loss_and_optimizer_make_a_train_node_on_the_snapshot(qtbot, trainer) -> None:
    graph = ts.load_graph(PERCEPTRON)
    graph.remove_node("train")
    result = train(qtbot, trainer, graph, None, 100, loss="J",
                   optimizer={"optimizer": "adam", "learning_rate": 0.1})
    assert result.new_train_node == {"name": "train", "loss": "J", "op": "minimize",
                                     "optimizer": "adam",
                                     "attrs": ts.get_op("minimize").parse_attrs(
                                         {"optimizer": "adam", "learning_rate": 0.1})}
    assert "train" not in graph and train_nodes(graph) == []
    assert {"m/W", "v/W", "m/b", "v/b", "step"} <= set(result.state)
    assert result.losses[-1] < result.losses[0] / 10


def test_unfed_placeholder_is_named_and_training_does_not_start(qtbot, trainer) -> None:
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None, 2], name="x")
        w = ts.Variable([1.0, 2.0], name="w")
        J = ts.reduce_sum(ts.square(x * w), name="J")
        ts.train.GradientDescentOptimizer(0.1).minimize(J, name="train")
    with pytest.raises(ts.FeedError, match="placeholder 'x' needs a value") as error:
        trainer.start(graph, "train", 10)
    assert error.value.node == "x"
    assert not trainer.running
    check_trainable(graph, graph.get_node("train"), feed={"x": [[1.0, 2.0]]})  # fed: fine
    result = train(qtbot, trainer, graph, "train", 5, feed={"x": [[1.0, 1.0]]})
    assert result.reason == "done" and result.steps == 5


def test_a_diverging_loss_stops_with_the_last_finite_values(qtbot, trainer) -> None:
    graph = ts.load_graph(MLP)
    graph.set_attr("train", "learning_rate", 20.0)
    result = train(qtbot, trainer, graph, "train", 1000)
    assert result.reason == "error" and result.node == "J"
    assert "the loss J became nan" in result.message
    assert result.steps == len(result.losses)  # one loss per step applied (engine.train.fit)
    assert all(np.isfinite(v).all() for v in result.values.values())
    assert np.isfinite(result.losses).all() and np.isfinite(result.final_loss)


def test_an_op_failing_midway_ends_training_naming_it(qtbot, trainer) -> None:
    with slow_op(0.0) as op:
        graph = slow_graph()
        op.fail_at = 6
        result = train(qtbot, trainer, graph, "train", 100)
    assert result.reason == "error" and result.node == "J"
    assert "the test op was told to fail" in result.message
    assert result.steps == 5  # a failed step changes nothing
    np.testing.assert_allclose(result.values["w"], [0.0, 1.0] + (1 - 0.98**5) * np.array([3, 2]))


def test_errors_before_starting(qtbot, trainer) -> None:
    graph = ts.load_graph(PERCEPTRON)
    with pytest.raises(ts.EngineError, match="J is not a train node"):
        trainer.start(graph, "J", 10)
    with pytest.raises(ValueError, match="steps"):
        trainer.start(graph, "train", 0)
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'"):
        trainer.start(graph, None, 10, loss="J", optimizer={"optimizer": "sgd"})
    graph.disconnect("train", 0)
    with pytest.raises(ts.EngineError, match="train node train has no loss connected"):
        trainer.start(graph, "train", 10)
    assert not trainer.running


def test_shape_of_a_train_node_is_its_loss_shape() -> None:
    graph = ts.load_graph(MLP)
    assert graph.shape_of("train") == graph.shape_of("J") == ()


def test_train_command_applies_and_undo_restores(qtbot, trainer) -> None:
    graph = ts.load_graph(MLP)
    before = {n: graph.get_node(n).value.copy() for n in ("W_hidden", "b_hidden")}
    result = train(qtbot, trainer, graph, "train", 20)
    doc = Document(graph)
    stack = doc.undo_stack
    assert doc.execute(ApplyTraining.of_run(doc, result)) is None
    assert stack.undoText() == "Train train: 20 steps"
    np.testing.assert_array_equal(graph.get_node("W_hidden").value, result.values["W_hidden"])
    assert graph.get_node("train").state["step"] == 20
    stack.undo()
    for name, value in before.items():
        np.testing.assert_array_equal(graph.get_node(name).value, value)
    assert graph.get_node("train").state == {}
    stack.redo()
    np.testing.assert_array_equal(graph.get_node("b_hidden").value, result.values["b_hidden"])
    # continuing from the applied state takes the step count on
    again = train(qtbot, trainer, graph, "train", 5)
    assert again.state["step"] == 25


def test_reset_variables_command() -> None:
    graph = ts.load_graph(MLP)
    initial = graph.get_node("W_output").value.copy()
    session = ts.Session(graph)
    for _ in range(10):
        session.run("train")
    trained = graph.get_node("W_output").value.copy()
    doc = Document(graph)
    stack = doc.undo_stack
    assert doc.execute(ResetVariables(doc)) is None
    np.testing.assert_array_equal(graph.get_node("W_output").value, initial)
    assert graph.get_node("train").state == {}
    stack.undo()
    np.testing.assert_array_equal(graph.get_node("W_output").value, trained)
    assert graph.get_node("train").state["step"] == 10


def test_shutdown_stops_and_waits_for_the_worker(qtbot, trainer) -> None:
    with slow_op(0.01) as op:
        op.gate.close()
        with qtbot.waitSignal(trainer.finished, timeout=WAIT) as finished:
            trainer.start(slow_graph(), "train", 10_000)
            op.gate.let_through(3)
            qtbot.waitUntil(lambda: op.calls == 4 and op.gate.held == 1, timeout=WAIT)  # in step 4
            thread = trainer._worker
            trainer.shutdown()  # stops (the op returns) and returns once the worker has ended
            assert thread.isFinished() and op.gate.held == 0
            calls = op.calls  # step 4, then the loss and gradients at the final values
        assert op.calls == calls == 5  # nothing ran after shutdown returned
    result = finished.args[0]
    assert result.reason == "stopped" and result.steps == 4 and not trainer.running


def test_a_test_only_op_trains_in_a_thread_not_a_process(qtbot, trainer) -> None:
    with slow_op(0.0):
        result = train(qtbot, trainer, slow_graph(), "train", 10)
    assert result.reason == "done" and result.steps == 10
    assert workers() == []  # a fresh process would not know slow_identity


def test_a_worker_process_that_cannot_start_leaves_training_to_a_thread(
        qtbot, trainer, monkeypatch) -> None:
    def refuse(self, process_obj):  # noqa: ANN001 — as when the interpreter cannot be run
        raise OSError("cannot spawn")

    monkeypatch.setattr(type(multiprocessing.get_context("spawn").Process()), "_Popen",
                        refuse)
    assert trainer.prepare() is False
    result = train(qtbot, trainer, ts.load_graph(MLP), "train", 10)
    assert result.reason == "done" and result.steps == 10 and workers() == []


def test_engine_graphs_train_in_a_worker_process_while_the_event_loop_runs(
        qtbot, trainer) -> None:
    log: list[str] = []  # timer ticks and progress reports, as the GUI thread handled them
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: log.append("tick"))
    steps = progress_steps(trainer)
    trainer.progress.connect(lambda *args: log.append("progress"))
    with qtbot.waitSignal(trainer.finished, timeout=WAIT) as finished:
        trainer.start(ts.load_graph(MLP), "train", 10_000_000)
        assert len(workers()) == 1
        timer.start()
        # the GUI thread never waits for training: timer events come between its reports
        qtbot.waitUntil(lambda: ticks_between(log, "progress") >= 3, timeout=WAIT)
        trainer.stop()  # the run would last hours: it ends because it was stopped
    timer.stop()
    result = finished.args[0]
    assert result.reason == "stopped" and steps[-1] <= result.steps < 10_000_000

    again = train(qtbot, trainer, ts.load_graph(MLP), "train", 10)  # the same process serves
    assert again.reason == "done" and len(workers()) == 1
    trainer.close()
    assert workers() == []


def test_pause_holds_a_worker_process_and_resume_goes_on(qtbot, trainer) -> None:
    steps = progress_steps(trainer)
    paused: list[bool] = []
    trainer.paused_changed.connect(paused.append)
    with qtbot.waitSignal(trainer.finished, timeout=WAIT) as finished:
        trainer.start(ts.load_graph(MLP), "train", 10_000_000)
        qtbot.waitUntil(lambda: len(steps) >= 2, timeout=WAIT)
        trainer.pause()
        assert trainer.paused and trainer.running and paused == [True]
        trainer.resume()
        assert not trainer.paused and paused == [True, False]
        held = len(steps)
        qtbot.waitUntil(lambda: len(steps) >= held + 2, timeout=WAIT)  # it goes on
        trainer.pause()
        trainer.stop()  # a paused run stops too
    result = finished.args[0]
    assert result.reason == "stopped" and result.steps >= steps[-1]
    assert steps == sorted(set(steps))  # one run, its steps in order


def test_a_paused_run_holds_and_its_pause_is_not_counted(qtbot, trainer) -> None:
    """Held by the test at step 4 and paused there: the run looks at its flags again and
    again without taking a step, and its training time leaves the pause out."""
    with slow_op(0.01) as op:
        op.gate.close()
        with qtbot.waitSignal(trainer.finished, timeout=WAIT) as finished:
            trainer.start(slow_graph(), "train", 1000)
            op.gate.let_through(3)
            qtbot.waitUntil(lambda: op.calls == 4 and op.gate.held == 1, timeout=WAIT)  # in step 4
            trainer.pause()
            op.gate.let_through(1)  # step 4 ends; the run holds before step 5
            qtbot.waitUntil(lambda: op.clock.polling == 1, timeout=WAIT)
            op.clock.let_poll(2)
            qtbot.waitUntil(lambda: op.clock.polls == 3 and op.clock.polling == 1,
                            timeout=WAIT)
            assert op.calls == 4 and trainer.paused  # three looks at the flags, no step
            trainer.resume()
            op.clock.let_poll()
            op.gate.let_through(5)
            qtbot.waitUntil(lambda: op.calls == 10 and op.gate.held == 1, timeout=WAIT)
            trainer.stop()  # step 10 ends, and no other begins
    result = finished.args[0]
    assert result.reason == "stopped" and result.steps == 10
    assert op.clock.polls == 3
    # 0.01 s of the run's clock per step; the 3 × 5 ms polls while paused are left out
    assert result.seconds == pytest.approx(0.01 * result.steps, rel=1e-9)


def test_a_worker_process_that_dies_is_reported_and_replaced(qtbot, trainer) -> None:
    steps = progress_steps(trainer)
    with qtbot.waitSignal(trainer.finished, timeout=WAIT) as finished:
        trainer.start(ts.load_graph(MLP), "train", 10_000_000)
        qtbot.waitUntil(lambda: len(steps) >= 1, timeout=WAIT)
        (worker,) = workers()
        worker.kill()
    result = finished.args[0]
    assert result.reason == "error" and not result.trained and not trainer.running
    assert "the training process ended unexpectedly" in result.message
    again = train(qtbot, trainer, ts.load_graph(MLP), "train", 10)
    assert again.reason == "done" and again.steps == 10
