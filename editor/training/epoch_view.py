"""A run on a data set, epoch by epoch: the training and validation loss, the accuracy on
both (for a classifier), and the confusion matrix when the run ends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from editor.training.plot_style import BACKGROUND, CLASS_COLORS, CURVE, FOREGROUND
from engine.data import Epoch

if TYPE_CHECKING:
    import pyqtgraph as pg

VALIDATION = CLASS_COLORS[0]
"""The validation curves' colour (the training curves' is the loss curve's)."""


class EpochView(QWidget):
    """Loss and accuracy per epoch (training and validation) above a one-line summary."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No run on a data set yet")
        self.summary.setWordWrap(True)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.summary)
        self._plots: tuple[pg.PlotWidget, list[pg.PlotDataItem]] | None = None
        self.epochs: list[Epoch] = []

    def _made_plots(self) -> tuple[pg.PlotWidget, list[pg.PlotDataItem]]:
        """The accuracy plot, and the four curves (loss, validation loss, accuracy,
        validation accuracy): made at the first run's start (pyqtgraph loads then, not when
        the editor starts)."""
        if self._plots is None:
            import pyqtgraph as pg

            loss_plot, accuracy_plot = _plot("loss"), _plot("accuracy")
            accuracy_plot.setYRange(0, 1)
            legend = loss_plot.addLegend(offset=(-4, 4))
            legend.setLabelTextColor(FOREGROUND)
            curves = [plot.plot(pen=pg.mkPen(color, width=2), symbol="o", symbolSize=4,
                                name=name)
                      for plot, color, name in ((loss_plot, CURVE, "training"),
                                                (loss_plot, VALIDATION, "validation"),
                                                (accuracy_plot, CURVE, None),
                                                (accuracy_plot, VALIDATION, None))]
            self._layout.addWidget(loss_plot, 1)
            self._layout.addWidget(accuracy_plot, 1)
            self._plots = (accuracy_plot, curves)
        return self._plots

    def start(self) -> None:
        """A new run: no epochs yet."""
        self.epochs = []
        self.summary.setText("Training: the first epoch is on its way…")
        self._draw()

    def add(self, epoch: Epoch) -> None:
        """An epoch has ended."""
        self.epochs.append(epoch)
        self.summary.setText(summary(epoch))
        self._draw()

    def _draw(self) -> None:
        accuracy_plot, curves = self._made_plots()
        epochs = self.epochs
        x = np.array([e.epoch for e in epochs], dtype=float)
        series: list[list[float | None]] = [
            [e.loss for e in epochs], [e.validation_loss for e in epochs],
            [e.accuracy for e in epochs], [e.validation_accuracy for e in epochs]]
        for curve, values in zip(curves, series, strict=True):
            known = [i for i, v in enumerate(values) if v is not None]
            curve.setData(x[known], np.array([values[i] for i in known], dtype=float))
        accuracy_plot.setVisible(any(e.accuracy is not None for e in epochs) or not epochs)


def summary(epoch: Epoch) -> str:
    """An epoch's figures in one line."""
    return " · ".join([f"epoch {epoch.epoch}", *epoch.figures()])


class ConfusionTable(QTableWidget):
    """Counts of (true class, predicted class): a row per true class, the diagonal right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setToolTip("Rows: the true class; columns: the predicted class (validation rows)")

    def show_counts(self, counts: np.ndarray | None, classes: Sequence[str]) -> None:
        """Show ``counts`` (none: empty)."""
        if counts is None:
            self.setRowCount(0)
            self.setColumnCount(0)
            return
        k = len(counts)
        names = [classes[i] if i < len(classes) else str(i) for i in range(k)]
        self.setRowCount(k)
        self.setColumnCount(k)
        self.setVerticalHeaderLabels([f"true {n}" for n in names])
        self.setHorizontalHeaderLabels([f"→ {n}" for n in names])
        most = max(int(counts.max()), 1)
        for i in range(k):
            for j in range(k):
                item = QTableWidgetItem(str(int(counts[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if counts[i, j]:
                    color = QColor(*(CLASS_COLORS[2] if i == j else CLASS_COLORS[1]))
                    color.setAlpha(60 + round(150 * counts[i, j] / most))
                    item.setBackground(color)
                self.setItem(i, j, item)
        self.resizeColumnsToContents()


def _plot(label: str) -> pg.PlotWidget:
    import pyqtgraph as pg

    plot = pg.PlotWidget(background=BACKGROUND)
    plot.setMinimumHeight(100)
    item = plot.getPlotItem()
    item.setLabel("bottom", "epoch", color=FOREGROUND)
    item.setLabel("left", label, color=FOREGROUND)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen(FOREGROUND)
        item.getAxis(axis).setPen(pg.mkPen(FOREGROUND, width=1))
    item.hideButtons()
    return plot
