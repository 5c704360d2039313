"""The live loss curve: one point per logged step, redrawn at most a few times a second."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from editor.training.plot_style import BACKGROUND, CURVE, CURVE_PREVIOUS, FOREGROUND

if TYPE_CHECKING:
    import pyqtgraph as pg

REDRAW_MS = 400
"""Least milliseconds between redraws while points arrive."""
PLOT_HEIGHT = 140


class LossCurve(QWidget):
    """A loss-per-step plot with a log-scale toggle and, faintly, the curve of the previous
    run (the current loss is written once, above it, by the Training dock).

    ``start_run(steps)`` begins a new curve (the current one becomes the previous run's);
    ``append(steps, losses)`` adds points (cheap: they are drawn by a throttled timer). A redraw
    due when the run should end within :data:`REDRAW_MS` at its pace so far waits for the end
    (whose :meth:`redraw` draws it) or, should the run be slower, :data:`REDRAW_MS`: each redraw
    costs the window time (and the run's, for one in a thread).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis")
        self.log_scale.toggled.connect(self._set_log)

        self._plot: pg.PlotWidget | None = None
        self._room = QWidget()  # the plot's place until it is made
        self._room.setMinimumHeight(PLOT_HEIGHT)
        self._previous_points: tuple[Any, Any] = ([], [])

        header = QHBoxLayout()
        header.addStretch(1)
        header.addWidget(self.log_scale)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self._room, 1)

        self._steps = np.empty(1024)
        self._losses = np.empty(1024)
        self._count = 0
        self._bounds = _Bounds()
        self._previous_bounds = _Bounds()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._drawn_at = 0.0
        self._stale = False  # points arrived while hidden: drawn when shown
        self._planned = 0  # the current run's steps (0: not known)
        self._started_at = 0.0
        self._timer.timeout.connect(self.redraw)

    @property
    def plot(self) -> pg.PlotWidget:
        """The plot, made when first needed (pyqtgraph loads then, not at start), with the
        curves drawn so far."""
        if self._plot is None:
            import pyqtgraph as pg

            plot = pg.PlotWidget(background=BACKGROUND)
            plot.setMinimumHeight(PLOT_HEIGHT)
            item = plot.getPlotItem()
            item.setLabel("bottom", "step", color=FOREGROUND)
            item.setLabel("left", "loss", color=FOREGROUND)
            for axis in ("left", "bottom"):
                item.getAxis(axis).setTextPen(FOREGROUND)
                item.getAxis(axis).setPen(pg.mkPen(FOREGROUND, width=1))
            item.setClipToView(True)
            item.setDownsampling(auto=True, mode="peak")
            item.hideButtons()
            item.setContentsMargins(0, 8, 8, 0)  # room for the top and last tick labels
            item.getViewBox().disableAutoRange()
            item.setLogMode(y=self.log_scale.isChecked())
            self._previous = plot.plot(*self._previous_points,
                                       pen=pg.mkPen(CURVE_PREVIOUS, width=1.5))
            self._curve = plot.plot(self._steps[: self._count], self._losses[: self._count],
                                    pen=pg.mkPen(CURVE, width=2))
            self._layout.replaceWidget(self._room, plot)
            self._room.deleteLater()
            self._plot = plot
            self._fit()
        return self._plot

    @property
    def curve(self) -> Any:
        """The current run's curve (a pyqtgraph PlotDataItem)."""
        self.plot  # noqa: B018 — made with the plot
        return self._curve

    @property
    def previous(self) -> Any:
        """The previous run's curve, faint."""
        self.plot  # noqa: B018 — made with the plot
        return self._previous

    @property
    def count(self) -> int:
        """How many points the current curve holds."""
        return self._count

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The current curve's steps and losses (copies)."""
        return self._steps[: self._count].copy(), self._losses[: self._count].copy()

    def start_run(self, steps: int = 0) -> None:
        """Keep the current curve faintly as the previous run's and start an empty one, for a
        run of ``steps`` steps (0: not known)."""
        if self._count:
            self._previous_points = self.points()
            if self._plot is not None:
                self.previous.setData(*self._previous_points)
            self._previous_bounds = self._bounds
        self._bounds = _Bounds()
        self._count = 0
        self._drawn_at = 0.0  # a new run's first points are drawn at once
        self._planned, self._started_at = steps, time.perf_counter()
        if self._plot is not None:
            self.curve.setData([], [])

    def continue_run(self, steps: int) -> None:
        """Go on with the current curve for ``steps`` more steps (the points appended next
        carry on its step numbers)."""
        done = int(self._steps[self._count - 1]) if self._count else 0
        self._drawn_at = 0.0
        self._planned, self._started_at = done + steps, time.perf_counter()

    def show_points(self, steps: np.ndarray, losses: np.ndarray) -> None:
        """Show these points as the current curve (no previous run): a kept history."""
        self.clear()
        self.append(steps, losses)
        self.redraw()

    def clear(self) -> None:
        """Forget both curves."""
        self.start_run()
        self._previous_points = ([], [])
        if self._plot is not None:
            self.previous.setData([], [])
        self._previous_bounds = _Bounds()

    def append(self, steps: np.ndarray, losses: np.ndarray) -> None:
        """Add points; the plot is redrawn within :data:`REDRAW_MS`."""
        n = len(steps)
        if not n:
            return
        end = self._count + n
        if end > len(self._steps):
            size = max(end, 2 * len(self._steps))
            self._steps = np.resize(self._steps, size)
            self._losses = np.resize(self._losses, size)
        self._steps[self._count : end] = steps
        self._losses[self._count : end] = losses
        self._count = end
        self._bounds.include(self._steps[end - 1], self._losses[end - n : end])
        if not self._timer.isActive():  # at most one redraw per REDRAW_MS, the first at once
            now = time.perf_counter()
            delay = max(0, round(REDRAW_MS - 1000 * (now - self._drawn_at)))
            if self._ends_within(REDRAW_MS / 1000, now):
                delay = REDRAW_MS
            self._timer.start(delay)

    def _ends_within(self, seconds: float, now: float) -> bool:
        """Whether the run should reach its planned steps within ``seconds``, at its pace."""
        done = self._steps[self._count - 1]
        elapsed = now - self._started_at
        return 0 < done <= self._planned and (self._planned - done) * elapsed < seconds * done

    def redraw(self) -> None:
        """Draw the points appended so far (the timer calls it; call it to draw at once). A
        hidden curve is drawn when it is shown."""
        self._timer.stop()
        self._stale = not self.isVisible()
        if self._stale:
            return
        self._drawn_at = time.perf_counter()
        n = self._count
        if not n:
            return
        self.curve.setData(self._steps[:n], self._losses[:n])
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.plot  # noqa: B018 — made when first shown
        if self._stale:
            self.redraw()

    def _set_log(self, on: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=on)
        self._fit()

    def _fit(self) -> None:
        """Show both curves whole. Set here rather than by pyqtgraph's auto-range, which
        repaints twice per update (and every repaint costs the window time)."""
        now, before = self._bounds, self._previous_bounds
        end = max(now.end, before.end)
        if not end:
            return
        if self.log_scale.isChecked():
            low = min(now.low_positive, before.low_positive)
            high = max(now.high, before.high, low)
            y = (np.log10(low), np.log10(high)) if np.isfinite(low) else None
        else:
            y = (min(now.low, before.low), max(now.high, before.high))
        self.plot.getPlotItem().getViewBox().setRange(
            xRange=(0, end), yRange=y if y and np.isfinite(y).all() else None, padding=0.04)


class _Bounds:
    """The extent of a curve: last step, lowest and highest finite loss, lowest positive."""

    def __init__(self) -> None:
        self.end = 0.0
        self.low = self.low_positive = np.inf
        self.high = -np.inf

    def include(self, end: float, losses: np.ndarray) -> None:
        self.end = max(self.end, float(end))
        finite = losses[np.isfinite(losses)]
        if finite.size:
            self.low = min(self.low, float(finite.min()))
            self.high = max(self.high, float(finite.max()))
            positive = finite[finite > 0]
            if positive.size:
                self.low_positive = min(self.low_positive, float(positive.min()))


def format_loss(value: float) -> str:
    """A loss as the panel shows it: four significant digits, or nan/inf."""
    return f"{value:.4g}"
