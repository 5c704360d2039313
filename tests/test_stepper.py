"""Step-through: the evaluation order with each node's value, walked by a Stepper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from editor.compute.stepper import Stepper, trace
from engine import Session, load_graph

AFFINE = Path(__file__).parent.parent / "resources" / "examples" / "affine.json"


@pytest.fixture
def graph():
    return load_graph(AFFINE)


def test_session_evaluation_order_puts_inputs_first(graph):
    order = [n.name for n in Session(graph).evaluation_order("z")]
    assert order == ["A", "x", "matmul", "b", "z"]


def test_worked_example_steps_are_a_topological_order_with_values(graph):
    steps = trace(Session(graph), "z")
    names = [s.name for s in steps]
    assert sorted(names) == ["A", "b", "matmul", "x", "z"]
    for i, step in enumerate(steps):
        assert all(source in names[:i] for source in step.inputs)  # inputs come first
    assert names[-1] == "z" and steps[-1].value.tolist() == [2, -1]
    by_name = {s.name: s for s in steps}
    assert by_name["matmul"].value.tolist() == [1, -2]
    assert by_name["x"].value.tolist() == [1, 2]
    assert by_name["A"].value.tolist() == [[1, 0], [0, -1]]
    assert by_name["matmul"].op == "matmul" and by_name["matmul"].inputs == ("A", "x")
    assert all(s.error is None and s.blocked_by is None for s in steps)


def test_a_failed_node_blocks_only_its_downstream(graph):
    graph.set_value("b", [1.0, 1.0, 1.0])
    graph.add_node("negative", [graph.get_node("z")], name="neg")
    steps = {s.name: s for s in trace(Session(graph), "neg")}
    assert "z (add) failed" in steps["z"].error and steps["z"].value is None
    assert steps["neg"].blocked_by == "z" and steps["neg"].value is None
    assert steps["matmul"].value.tolist() == [1, -2]  # upstream still has its value
    assert steps["b"].value.tolist() == [1, 1, 1]


def test_an_unwired_input_is_an_error_on_its_node(graph):
    graph.disconnect("matmul", "b")
    steps = {s.name: s for s in trace(Session(graph), "z")}
    assert "input 'b' is not connected" in steps["matmul"].error
    assert steps["z"].blocked_by == "matmul"


def test_stepper_walks_next_back_end_reset(qtbot, graph):
    steps = trace(Session(graph), "z")
    stepper = Stepper(steps)
    positions: list[int] = []
    stepper.position_changed.connect(positions.append)
    assert stepper.current is None and stepper.position == 0
    stepper.next()
    stepper.next()
    assert stepper.current.name == "x" and [s.name for s in stepper.shown] == ["A", "x"]
    stepper.back()
    assert stepper.current.name == "A"
    stepper.back()
    stepper.back()  # stays at the start
    assert stepper.position == 0
    stepper.run_to_end()
    assert stepper.at_end and stepper.current.name == "z"
    stepper.next()  # stays at the end
    assert stepper.position == 5
    stepper.reset()
    assert positions == [1, 2, 1, 0, 5, 0]


def test_stepper_plays_on_a_timer_and_stops_at_the_end(qtbot, graph):
    stepper = Stepper(trace(Session(graph), "z"))
    stepper.set_interval(10)
    assert stepper.interval == 10
    with qtbot.waitSignal(stepper.playing_changed, timeout=30_000,
                          check_params_cb=lambda playing: not playing):
        stepper.play()
        assert stepper.playing
    assert stepper.at_end and np.array_equal(stepper.current.value, [2, -1])
    stepper.play()  # at the end, play starts over
    assert stepper.position == 0 and stepper.playing
    stepper.pause()
    assert not stepper.playing


def test_new_steps_start_over(qtbot, graph):
    stepper = Stepper(trace(Session(graph), "z"))
    stepper.run_to_end()
    stepper.set_steps(trace(Session(graph), "matmul"))
    assert stepper.position == 0 and len(stepper.steps) == 3


def test_a_long_description_wraps_whole_without_widening_the_bar(qtbot, graph):
    from editor.inspect.step_controls import StepControls

    name = "a_very_long_name_for_the_result_of_the_worked_example"
    graph.rename("z", name)
    stepper = Stepper(trace(Session(graph), name))
    controls = StepControls(stepper)
    qtbot.addWidget(controls)
    controls.resize(420, 30)
    controls.show()
    stepper.run_to_end()
    width = controls.minimumSizeHint().width()
    assert width < 420  # the bar fits where it is put
    assert controls.status.text() == f"step 5 of 5 · {name} = add(matmul, b) = [2, -1]"
    line = controls.status.fontMetrics().height()
    assert controls.status.minimumHeight() >= 2 * line  # on more lines, none cut


def test_step_controls_drive_the_stepper_by_mouse(qtbot, graph):
    from PySide6.QtCore import Qt

    from editor.inspect.step_controls import StepControls

    stepper = Stepper(trace(Session(graph), "z"))
    controls = StepControls(stepper)
    qtbot.addWidget(controls)
    controls.show()
    click = lambda button: qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # noqa: E731
    assert controls.status.text() == "5 steps — press Next or Play"
    assert not controls.back_button.isEnabled()
    click(controls.next_button)
    click(controls.next_button)
    assert controls.status.text() == "step 2 of 5 · x (placeholder) = [1, 2]"
    click(controls.back_button)
    assert stepper.current.name == "A"
    click(controls.end_button)
    assert controls.status.text() == "step 5 of 5 · z = add(matmul, b) = [2, -1]"
    assert not controls.next_button.isEnabled() and not controls.end_button.isEnabled()
    click(controls.reset_button)
    assert stepper.position == 0
    controls.speed.setValue(12)
    assert stepper.interval == 83
    with qtbot.waitSignal(stepper.playing_changed, timeout=30_000,
                          check_params_cb=lambda playing: not playing):
        click(controls.play_button)
        assert controls.play_button.text() == "Pause"
    assert stepper.at_end and controls.play_button.text() == "Play"


def test_step_controls_describe_failures(qtbot, graph):
    from editor.inspect.step_controls import StepControls

    graph.set_value("b", [1.0, 1.0, 1.0])
    graph.add_node("negative", [graph.get_node("z")], name="neg")
    stepper = Stepper(trace(Session(graph), "neg"))
    controls = StepControls(stepper)
    qtbot.addWidget(controls)
    stepper.run_to_end()
    assert controls.status.text() == "step 6 of 6 · neg = negative(z) blocked by z"
    stepper.back()
    assert controls.status.text().startswith("step 5 of 6 · z = add(matmul, b) failed: z (add)")
