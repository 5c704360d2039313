"""The live loss curve: batches in, throttled redraws, log scale, the previous run kept."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from editor.training import loss_curve
from editor.training.loss_curve import REDRAW_MS, LossCurve


@pytest.fixture
def curve(qtbot) -> LossCurve:
    widget = LossCurve()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    return widget


def drawn(item) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getOriginalDataset()
    return (np.array([]), np.array([])) if x is None else (x, y)


def test_batches_are_drawn_by_the_timer(qtbot, curve) -> None:
    item = curve.plot.getPlotItem()
    assert item.getAxis("bottom").labelText == "step"
    assert item.getAxis("left").labelText == "loss"
    for start in range(0, 5000, 500):  # more points than the first buffer holds
        steps = np.arange(start + 1, start + 501)
        curve.append(steps, 1000.0 / steps)
    assert len(drawn(curve.curve)[0]) == 0  # drawn by the event loop: appending stays cheap
    qtbot.waitUntil(lambda: len(drawn(curve.curve)[0]) == 5000)
    x, y = drawn(curve.curve)
    np.testing.assert_array_equal(x, np.arange(1, 5001))
    np.testing.assert_allclose(y, 1000.0 / x)
    assert curve.count == 5000
    (x0, x1), (y0, y1) = item.getViewBox().viewRange()  # the whole curve in view
    assert x0 <= 1 and x1 >= 5000 and y0 <= 0.2 and y1 >= 1000


def test_previous_run_is_kept_faintly(qtbot, curve) -> None:
    curve.append(np.arange(1, 101), np.linspace(10, 1, 100))
    curve.redraw()
    curve.start_run()
    assert curve.count == 0
    x, y = drawn(curve.previous)
    np.testing.assert_array_equal(x, np.arange(1, 101))
    assert curve.previous.opts["pen"].color().alpha() < curve.curve.opts["pen"].color().alpha()
    curve.append(np.arange(1, 51), np.linspace(8, 2, 50))
    qtbot.waitUntil(lambda: len(drawn(curve.curve)[0]) == 50)
    assert len(drawn(curve.previous)[0]) == 100
    curve.clear()
    assert len(drawn(curve.previous)[0]) == 0


def test_log_scale_checkbox(qtbot, curve) -> None:
    curve.append(np.arange(1, 11), 10.0 ** -np.arange(10))
    curve.redraw()
    axis = curve.plot.getPlotItem().getAxis("left")
    assert not axis.logMode
    qtbot.mouseClick(curve.log_scale, Qt.MouseButton.LeftButton)
    assert curve.log_scale.isChecked() and axis.logMode
    y0, y1 = curve.plot.getPlotItem().getViewBox().viewRange()[1]  # decades: 1e-9 … 1
    assert y0 <= -9 and 0 <= y1 < 1
    qtbot.mouseClick(curve.log_scale, Qt.MouseButton.LeftButton)
    assert not axis.logMode


def test_a_redraw_due_just_before_the_run_ends_waits_for_its_end(qtbot, curve,
                                                                 monkeypatch) -> None:
    clock = SimpleNamespace(now=1000.0)  # the curve's clock: the run's pace is the test's
    monkeypatch.setattr(loss_curve, "time", SimpleNamespace(perf_counter=lambda: clock.now))
    timer = curve._timer
    curve.start_run(100)
    clock.now += 1.0
    curve.append(np.arange(1, 91), np.linspace(9, 1, 90))  # 90 of 100 steps in 1 s: the end
    assert len(drawn(curve.curve)[0]) == 0  # is 0.11 s away, nearer than REDRAW_MS
    assert timer.isActive() and timer.interval() == REDRAW_MS  # the redraw waits for it
    curve.redraw()  # as the dock does when the run ends
    assert len(drawn(curve.curve)[0]) == 90 and not timer.isActive()
    curve.start_run(1_000_000)
    clock.now += 1.0
    curve.append(np.arange(1, 11), np.ones(10))  # far from the end: the first points at once
    assert timer.isActive() and timer.interval() == 0
    qtbot.waitUntil(lambda: len(drawn(curve.curve)[0]) == 10)


def test_a_hidden_curve_is_drawn_when_shown(qtbot, curve) -> None:
    curve.hide()
    curve.append(np.arange(1, 51), np.linspace(5, 1, 50))
    curve.redraw()
    assert len(drawn(curve.curve)[0]) == 0
    curve.show()
    x, _ = drawn(curve.curve)
    np.testing.assert_array_equal(x, np.arange(1, 51))
