"""The compute service's evaluations: off the GUI thread, errors with culprits, superseding,
caching."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from gates import Gate
from PySide6.QtCore import QCoreApplication, QTimer

from editor.compute.service import ComputeService, Evaluation, Trace
from editor.document import Document
from engine import Graph, Session, load_graph, shapes
from engine.registry import OpDef, register, unregister

AFFINE = Path(__file__).parent.parent / "resources" / "examples" / "affine.json"
MLP = AFFINE.with_name("mlp.json")


def service_for(graph: Graph, parent=None) -> ComputeService:
    """A compute service following a document of ``graph`` (the document lives as long as
    the service)."""
    service = ComputeService(parent)
    service.set_document(Document(graph, parent=service))
    return service


@pytest.fixture
def graph() -> Graph:
    return load_graph(AFFINE)


@pytest.fixture
def evaluator(qtbot, graph):
    ev = service_for(graph)
    yield ev
    ev.close()


def evaluate(qtbot, evaluator: ComputeService, names: list[str]) -> Evaluation:
    with qtbot.waitSignal(evaluator.evaluated) as blocker:
        evaluator.watch(names)
    return blocker.args[0]


def next_result(qtbot, evaluator: ComputeService) -> Evaluation:
    with qtbot.waitSignal(evaluator.evaluated) as blocker:
        pass
    return blocker.args[0]


@pytest.fixture
def test_op():
    """Register test-only ops; unregister them afterwards."""
    registered = []

    def make(type: str, compute, inputs=("x",)) -> str:
        register(OpDef(type=type, inputs=inputs, compute=compute, shape=shapes.same,
                       category="Test", doc="test op"))
        registered.append(type)
        return type

    yield make
    for type in registered:
        unregister(type)


@pytest.fixture
def gate() -> Gate:
    """A closed gate for a slow test op; opened after the test, so nothing stays held."""
    made = Gate()
    yield made
    made.open()


def test_worked_example_evaluates_z(qtbot, evaluator):
    result = evaluate(qtbot, evaluator, ["z"])
    assert result.names == ("z",)
    assert result.values["z"].tolist() == [2, -1]
    assert not result.failures and not result.blocked


def test_editing_x_re_evaluates_without_a_new_request(qtbot, evaluator, graph):
    evaluate(qtbot, evaluator, ["z"])
    with qtbot.waitSignal(evaluator.evaluated) as blocker:
        graph.set_value("x", [3, 4])
    assert blocker.args[0].values["z"].tolist() == [4, -3]
    graph.set_value("x", [1, 2])
    assert next_result(qtbot, evaluator).values["z"].tolist() == [2, -1]


def test_flush_delivers_a_quick_result_before_it_returns(qtbot, evaluator, graph):
    evaluate(qtbot, evaluator, ["z"])
    shown: list[Evaluation] = []
    evaluator.evaluated.connect(shown.append)
    evaluator.flush()
    assert not evaluator.busy and not shown  # nothing was scheduled
    graph.set_value("x", [3, 4])
    assert not evaluator.busy and not shown  # the refresh waits for the event loop
    # the edit is complete: its values come with it, painted together (within a frame, by
    # default: the time is bench/bench_evaluator.py's; here flush may wait as long as it takes)
    evaluator.flush(wait=60.0)
    assert [r.values["z"].tolist() for r in shown] == [[4, -3]]
    assert not evaluator.busy


def test_flush_does_not_wait_for_a_slow_evaluation(qtbot, evaluator, graph, test_op, gate):
    gate.open()
    graph.add_node(test_op("slow", lambda x: gate.wait() or x), [graph.get_node("x")],
                   name="s")
    assert evaluate(qtbot, evaluator, ["s"]).values["s"].tolist() == [1, 2]
    shown: list[Evaluation] = []
    evaluator.evaluated.connect(shown.append)
    gate.close()  # the next evaluation lasts until the test opens the gate
    graph.set_value("x", [3, 4])
    evaluator.flush()  # returns while the evaluation it asked for is held
    assert evaluator.busy and not shown  # the window paints the edit meanwhile
    gate.open()
    qtbot.waitUntil(lambda: not evaluator.busy, timeout=30_000)
    assert [r.values["s"].tolist() for r in shown] == [[3, 4]]


def test_several_nodes_each_get_a_value(qtbot, evaluator):
    result = evaluate(qtbot, evaluator, ["matmul", "z", "b"])
    assert result.values["matmul"].tolist() == [1, -2]
    assert result.values["z"].tolist() == [2, -1]
    assert result.values["b"].tolist() == [1, 1]


def test_rewired_shape_mismatch_names_the_culprit_and_blocks_downstream(qtbot, evaluator, graph):
    evaluate(qtbot, evaluator, ["z"])
    wide = graph.add_node("variable", name="w", value=np.ones((3, 3)))
    with qtbot.waitSignal(evaluator.evaluated) as blocker:
        graph.connect(wide, "matmul", "a")
    result = blocker.args[0]
    failure = result.failures["z"]
    assert failure.node == "matmul"
    assert failure.kind == "ShapeError"
    assert "matmul: shapes (3,3) and (2,) not aligned" in failure.message
    assert result.blocked == {"z"}
    assert result.blocked_by("z") == "matmul"
    assert set(result.culprits) == {"matmul"}
    # fixing the cause clears the failure
    graph.connect("A", "matmul", "a")
    fixed = next_result(qtbot, evaluator)
    assert fixed.values["z"].tolist() == [2, -1] and not fixed.failures


def test_requested_culprit_is_not_blocked(qtbot, evaluator, graph):
    graph.set_value("b", [1.0, 1.0, 1.0])
    result = evaluate(qtbot, evaluator, ["z", "matmul"])
    assert result.failures["z"].node == "z"
    assert result.blocked_by("z") is None
    assert result.values["matmul"].tolist() == [1, -2]
    assert result.blocked == frozenset()


def test_missing_placeholder_value_is_reported_on_the_placeholder(qtbot, evaluator, graph):
    graph.set_value("x", None)
    result = evaluate(qtbot, evaluator, ["z"])
    failure = result.failures["z"]
    assert failure.node == "x" and failure.kind == "FeedError"
    assert "placeholder 'x' needs a value" in failure.message
    assert result.blocked == {"matmul", "z"}


def test_failures_sharing_a_culprit_block_each_path_to_them_only(qtbot, evaluator, graph):
    graph.set_value("x", None)
    graph.add_node("negative", [graph.get_node("matmul")], name="n1")
    graph.add_node("negative", [graph.get_node("z")], name="n2")
    graph.add_node("negative", [graph.get_node("b")], name="side")
    result = evaluate(qtbot, evaluator, ["n1", "n2", "side"])
    assert {result.failures[n].node for n in ("n1", "n2")} == {"x"}
    assert result.values["side"].tolist() == (-graph.get_node("b").value).tolist()
    assert result.blocked == {"matmul", "z", "n1", "n2"}
    assert result.blocked_by("n2") == "x"


def test_log_of_a_negative_gives_nan(qtbot, evaluator, graph):
    graph.add_node("log", [graph.get_node("z")], name="logz")
    result = evaluate(qtbot, evaluator, ["logz"])
    value = result.values["logz"]
    assert np.isnan(value[1]) and value[0] == pytest.approx(np.log(2))


def test_an_op_raising_any_exception_is_reported_on_it(qtbot, evaluator, graph, test_op):
    def explode(x):
        raise RuntimeError("kaboom")

    graph.add_node(test_op("explode", explode), [graph.get_node("z")], name="boom")
    graph.add_node("negative", [graph.get_node("boom")], name="after")
    result = evaluate(qtbot, evaluator, ["after"])
    failure = result.failures["after"]
    assert failure.node == "boom" and "kaboom" in failure.message
    assert result.blocked == {"after"}


def test_an_op_calling_exit_is_an_error_not_a_quit(qtbot, evaluator, graph, test_op):
    def leave(x):
        raise SystemExit(3)

    graph.add_node(test_op("leave", leave), [graph.get_node("z")], name="bye")
    failure = evaluate(qtbot, evaluator, ["bye"]).failures["bye"]
    assert failure.node == "bye" and failure.kind == "SystemExit"
    assert evaluate(qtbot, evaluator, ["z"]).values["z"].tolist() == [2, -1]  # still working


def test_a_huge_tensor_is_an_error_not_a_crash(qtbot, evaluator, graph, test_op):
    graph.add_node(test_op("huge", lambda x: np.empty((2**40, 2**20))), [graph.get_node("z")],
                   name="huge")
    failure = evaluate(qtbot, evaluator, ["huge"]).failures["huge"]
    assert failure.node == "huge" and failure.message.startswith("huge failed")  # once


def test_missing_or_unknown_node(qtbot, evaluator):
    failure = evaluate(qtbot, evaluator, ["nope"]).failures["nope"]
    assert failure.node == "nope" and "no node named 'nope'" in failure.message


def test_watch_follows_renames_and_removals(qtbot, evaluator, graph):
    evaluate(qtbot, evaluator, ["z", "matmul"])
    graph.rename("z", "out")
    result = next_result(qtbot, evaluator)
    assert evaluator.watched == ["out", "matmul"]
    assert result.values["out"].tolist() == [2, -1]
    graph.remove_node("out")
    assert next_result(qtbot, evaluator).names == ("matmul",)


def test_attribute_edits_reach_the_replica(qtbot, evaluator, graph):
    graph.add_node("reduce_sum", [graph.get_node("A")], name="s")
    assert evaluate(qtbot, evaluator, ["s"]).values["s"] == 0
    graph.set_attr("s", "axis", 0)
    assert next_result(qtbot, evaluator).values["s"].tolist() == [1, -1]


def test_state_changes_reach_the_replica(qtbot, evaluator, graph):
    graph.set_state("z", {"step": np.array(3), "m/A": np.ones((2, 2))})
    evaluate(qtbot, evaluator, ["z"])  # the worker catches up before it runs
    state = evaluator._worker.graph.get_node("z").state
    assert set(state) == {"step", "m/A"} and int(state["step"]) == 3
    assert state["m/A"] is not graph.get_node("z").state["m/A"]  # a copy, by name


def test_assumed_values_are_evaluated_without_touching_the_document(qtbot, evaluator, graph):
    """While training, the replica's variables take the run's values; then the document's."""
    evaluate(qtbot, evaluator, ["z"])
    evaluator.assume({"b": np.array([10.0, 10.0]), "gone": np.zeros(2)})
    result = next_result(qtbot, evaluator)
    assert result.values["z"].tolist() == [11, 8]
    assert result.computed["b"].tolist() == [10, 10]  # for the variable's preview
    assert evaluator.assumed == {"b"}
    assert graph.get_node("b").value.tolist() == [1, 1]
    evaluator.stop_assuming()
    assert next_result(qtbot, evaluator).values["z"].tolist() == [2, -1]
    assert evaluator.assumed == frozenset()
    evaluator.assume({"b": np.array([10.0, 10.0])})
    evaluator.set_document(Document(load_graph(AFFINE)))  # another document: nothing is assumed
    assert evaluator.assumed == frozenset()
    assert next_result(qtbot, evaluator).values["z"].tolist() == [2, -1]


def test_slow_op_keeps_the_gui_responsive_and_is_superseded(qtbot, evaluator, graph, test_op, gate):
    calls = []

    def slow(x):
        calls.append(x.tolist())
        gate.wait()
        return x

    graph.add_node(test_op("slow", slow), [graph.get_node("x")], name="s")
    held_at_tick: list[int] = []  # at each timer event: calls held in the op
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: held_at_tick.append(gate.held))
    shown: list[Evaluation] = []
    evaluator.evaluated.connect(shown.append)
    busy: list[bool] = []
    evaluator.busy_changed.connect(busy.append)

    evaluator.watch(["s"])
    qtbot.waitUntil(lambda: gate.held == 1, timeout=30_000)  # the worker is in the op now
    timer.start()
    for value in ([5, 6], [7, 8], [9, 10]):  # three edits while it runs, a request each
        graph.set_value("x", value)
        evaluator.flush()
    # the event loop keeps running while the worker is inside the op
    qtbot.waitUntil(lambda: held_at_tick.count(1) >= 3, timeout=30_000)
    assert not shown and evaluator.busy and calls == [[1, 2]]
    gate.open()
    qtbot.waitUntil(lambda: not evaluator.busy, timeout=30_000)
    timer.stop()

    assert [r.values["s"].tolist() for r in shown] == [[9, 10]]  # the stale result never shows
    assert calls == [[1, 2], [9, 10]]  # the stale requests in between were skipped
    assert busy == [True, False] and not evaluator.busy


def test_only_the_downstream_cone_is_recomputed(qtbot, evaluator, graph, test_op):
    counted = []

    def count(x):
        counted.append(1)
        return x

    test_op("count", count)
    for name, source in (("ca", "A"), ("cb", "b"), ("cx", "x")):
        graph.add_node("count", [graph.get_node(source)], name=name)
    graph.add_node("matmul", [graph.get_node("ca"), graph.get_node("cx")], name="m")
    graph.add_node("add", [graph.get_node("m"), graph.get_node("cb")], name="out")
    assert evaluate(qtbot, evaluator, ["out"]).values["out"].tolist() == [2, -1]
    assert len(counted) == 3
    graph.set_value("b", [0, 0])
    assert next_result(qtbot, evaluator).values["out"].tolist() == [1, -2]
    assert len(counted) == 4  # only cb ran again
    evaluator.refresh()
    next_result(qtbot, evaluator)
    assert len(counted) == 4  # nothing changed: nothing recomputed


def test_set_document_switches_documents(qtbot, evaluator):
    other = Graph()
    other.add_node("constant", name="z", value=[7])
    evaluator.set_document(Document(other))
    assert evaluate(qtbot, evaluator, ["z"]).values["z"].tolist() == [7]


def test_trace_lists_the_steps(qtbot, evaluator):
    with qtbot.waitSignal(evaluator.traced) as blocker:
        evaluator.trace("z")
    result: Trace = blocker.args[0]
    assert [s.name for s in result.steps][-1] == "z"
    assert result.steps[-1].value.tolist() == [2, -1]


def test_a_train_step_shows_its_loss_and_never_trains(qtbot):
    graph = load_graph(MLP)
    ev = service_for(graph)
    try:
        loss = Session(graph).run("J")
        for _ in range(3):  # each evaluation would have been a step of gradient descent
            result = evaluate(qtbot, ev, ["train", "p_output"])
            assert result.values["train"] == loss  # its value: the loss before the step
        with qtbot.waitSignal(ev.traced) as blocker:
            ev.trace("train")
        assert blocker.args[0].steps[-1].value == loss
        after = evaluate(qtbot, ev, ["J", "p_output"])
        assert after.values["J"] == loss  # the replica's variables are the document's
        np.testing.assert_array_equal(after.values["p_output"], Session(graph).run("p_output"))

        graph.add_node("negative", [graph.get_node("train")], name="below")
        result = evaluate(qtbot, ev, ["below"])
        assert "would run a train step" in result.failures["below"].message
    finally:
        ev.close()


def test_close_stops_the_thread(qtbot, graph):
    ev = service_for(graph)
    evaluate(qtbot, ev, ["z"])
    thread = ev._thread
    ev.close()
    assert not thread.isRunning()
    assert ev.watch(["z"]) == 0
    ev.close()  # twice is harmless


def test_computed_values_for_previews(qtbot, evaluator, graph):
    graph.add_node("negative", [graph.get_node("z")], name="neg")
    first = evaluate(qtbot, evaluator, ["z"])
    assert set(first.computed) == {"A", "x", "matmul", "b", "z"}
    assert first.computed["matmul"].tolist() == [1, -2]
    graph.set_value("b", [0, 0])
    second = next_result(qtbot, evaluator)
    assert set(second.computed) == {"b", "z"}  # only what was recomputed
    assert second.computed["z"].tolist() == [1, -2]
    assert "neg" in second.dropped  # downstream of the edit, not needed by the selection


def test_superseded_results_pass_their_node_values_on(qtbot, evaluator, graph, test_op, gate):
    graph.add_node(test_op("slow", lambda x: gate.wait() or x), [graph.get_node("b")],
                   name="s")
    graph.add_node("add", [graph.get_node("matmul"), graph.get_node("b")], name="m2")
    shown: list[Evaluation] = []
    evaluator.evaluated.connect(shown.append)
    evaluator.watch(["s"])  # computes b and s; superseded by the next request
    qtbot.waitUntil(lambda: gate.held == 1, timeout=30_000)  # b is computed, s is under way
    evaluator.watch(["m2"])  # computes A, x, matmul, m2
    gate.open()
    qtbot.waitUntil(lambda: not evaluator.busy, timeout=30_000)
    assert len(shown) == 1 and shown[0].names == ("m2",)
    assert {"s", "b", "A", "x", "matmul", "m2"} <= set(shown[0].computed)


def test_a_document_holding_an_unregistered_op_type_still_evaluates(qtbot, evaluator, test_op):
    graph = Graph()
    graph.add_node("variable", name="v", value=[1.0])
    graph.add_node(test_op("fleeting", lambda x: 2 * x), [graph.get_node("v")], name="f")
    unregister("fleeting")  # the document now holds an op type the file format cannot load
    evaluator.set_document(Document(graph))  # its replica is a direct copy: it keeps the node's op
    assert evaluate(qtbot, evaluator, ["f"]).values["f"].tolist() == [2.0]
    good = Graph()
    good.add_node("constant", name="c", value=[3])
    evaluator.set_document(Document(good))
    assert evaluate(qtbot, evaluator, ["c"]).values["c"].tolist() == [3]


def test_the_replica_resyncs_if_it_drifts(qtbot, evaluator, graph):
    evaluate(qtbot, evaluator, ["z"])
    shown: list[Evaluation] = []
    evaluator.evaluated.connect(shown.append)
    evaluator._inbox.put(("remove_node", ("no-such-node",)))  # a change the replica refuses
    graph.set_value("x", [3, 4])
    evaluator.refresh()
    qtbot.waitUntil(lambda: bool(shown) and not evaluator.busy)
    assert [r.values["z"].tolist() for r in shown] == [[4, -3]]  # no failure flashed


def test_close_while_an_op_runs_waits_for_it_and_emits_nothing(qtbot, graph, test_op, gate):
    returned = []

    def slow(x):
        gate.wait()
        returned.append(x.tolist())
        return x

    graph.add_node(test_op("slow", slow), [graph.get_node("x")], name="s")
    ev = service_for(graph)
    shown: list[Evaluation] = []
    ev.evaluated.connect(shown.append)
    ev.watch(["s"])
    qtbot.waitUntil(lambda: gate.held == 1, timeout=30_000)  # the worker is in the op
    thread = ev._thread
    threading.Thread(target=gate.open).start()  # the op ends while close() waits for it
    ev.close()  # returns once the op has returned; the thread is stopped
    assert returned == [[1, 2]] and not thread.isRunning()
    QCoreApplication.processEvents()  # whatever the worker posted is delivered, and dropped
    assert not shown and not ev.busy
    graph.set_value("x", [5, 6])  # edits after close are ignored
    QCoreApplication.processEvents()
    assert not shown and returned == [[1, 2]]


def test_destroying_the_parent_without_close_stops_the_thread(qtbot, graph):
    import shiboken6
    from PySide6.QtCore import QObject

    parent = QObject()
    ev = service_for(graph, parent)
    evaluate(qtbot, ev, ["z"])
    thread = ev._thread
    shiboken6.delete(parent)  # no "QThread: Destroyed while thread is still running" abort
    assert not thread.isRunning()


def test_the_replica_follows_a_random_sequence_of_edits(qtbot, evaluator, graph):
    from engine import CycleError, Session

    rng = np.random.default_rng(5)
    drifts: list[None] = []
    evaluator._worker.resync_needed.connect(lambda: drifts.append(None))
    evaluate(qtbot, evaluator, ["z"])
    for step in range(60):
        nodes = graph.nodes
        node = nodes[rng.integers(len(nodes))]
        action = rng.integers(6)
        if action == 0:
            graph.add_node(["negative", "tanh", "square"][rng.integers(3)], [node])
        elif action == 1:
            target = nodes[rng.integers(len(nodes))]
            if target.inputs:
                try:
                    graph.connect(node, target, int(rng.integers(len(target.inputs))))
                except CycleError:
                    pass
        elif action == 2 and node.inputs:
            graph.disconnect(node, 0)
        elif action == 3:
            graph.rename(node, f"n{step}")
        elif action == 4 and node.type in ("variable", "placeholder"):
            graph.set_value(node, rng.normal(size=np.shape(node.value) or (2,)))
        elif action == 5 and len(nodes) > 3:
            graph.remove_node(node)
        if step % 7 == 0:
            evaluator.flush()  # some edits reach the worker mid-sequence
    names = [n.name for n in graph.nodes]
    result = evaluate(qtbot, evaluator, names)
    session = Session(graph)
    for name in names:
        try:
            expected = session.run(name)
        except Exception:  # noqa: BLE001
            assert name in result.failures, name
        else:
            np.testing.assert_array_equal(result.values[name], expected, err_msg=name)
    assert not drifts  # every edit was replayed, none needed a rebuild


def test_queued_values_of_a_node_are_coalesced():
    from editor.compute.service import _Inbox

    inbox = _Inbox()
    inbox.put(("connect", ("A", "matmul", 0)))
    for step in range(100):
        inbox.put(("assign", ("W", step)))
        inbox.put(("assign", ("b", step)))
    inbox.put(("rename", ("W", "W2")))
    inbox.put(("assign", ("W2", 100)))
    assert inbox.take() == [("connect", ("A", "matmul", 0)), ("assign", ("W", 99)),
                            ("assign", ("b", 99)), ("rename", ("W", "W2")),
                            ("assign", ("W2", 100))]
