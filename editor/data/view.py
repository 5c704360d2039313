"""The Data dock: a data set bound in the document as a table (a model that reads its rows
only as they scroll into view), per-column statistics, and a scatter plot of two chosen
columns coloured by label."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from editor.training.plot_style import BACKGROUND, CLASS_COLORS, FOREGROUND
from engine.data import LABELS, DataError, Dataset, bound_data
from engine.data.binding import bound
from engine.data.preview import PREVIEW_ROWS, PreviewBatch, bound_rows
from engine.graph import Graph

if TYPE_CHECKING:
    import pyqtgraph as pg

Index = QModelIndex | QPersistentModelIndex
STATISTICS = ("min", "max", "mean", "std")
SCATTER_POINTS = 10_000
"""At most this many points are drawn in the scatter plot (every k-th row of a larger set)."""


class DataTableModel(QAbstractTableModel):
    """A data set's rows: each 2-D array's columns (one column for a 1-D array), and the
    label's class name last."""

    def __init__(self, data: Dataset | None = None) -> None:
        super().__init__()
        self.data_set: Dataset | None = None
        self.columns: list[tuple[str, np.ndarray]] = []
        self.truth: np.ndarray | None = None
        self.set_data(data)

    def set_data(self, data: Dataset | None) -> None:
        self.beginResetModel()
        self.data_set = data
        self.columns, self.truth = (columns(data), data.label_indices()) if data else ([], None)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() or self.data_set is None:
            return 0
        return self.data_set.rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() or self.data_set is None:
            return 0
        return len(self.columns) + (self.truth is not None)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or self.data_set is None:
            return None
        row, column = index.row(), index.column()
        if column == len(self.columns):
            assert self.truth is not None
            k = int(self.truth[row])
            classes = self.data_set.classes
            return classes[k] if k < len(classes) else str(k)
        return f"{self.columns[column][1][row]:.6g}"

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return self.columns[section][0] if section < len(self.columns) else "class"


def columns(data: Dataset) -> list[tuple[str, np.ndarray]]:
    """Every column of a data set's arrays but the labels, with its name."""
    found: list[tuple[str, np.ndarray]] = []
    for name, array in data.arrays.items():
        if name == LABELS and data.label_indices() is not None:
            continue
        values = array.reshape(len(array), -1) if array.ndim != 2 else array
        names = data.column_names(name) if array.ndim == 2 else [
            f"{name}[:, {i}]" for i in range(values.shape[1])]
        found.extend(zip(names, values.T, strict=True))
    return found


class DataView(QWidget):
    """The data sets bound in a graph: choose one, see its table, statistics and scatter; and
    the preview batch, the rows the canvas's live values are computed from
    (``preview_changed``)."""

    preview_changed = Signal(object)
    """The user chose another preview batch (a :class:`PreviewBatch`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.total = 0
        """The rows of the data the preview batch is cut from."""
        self._sent: PreviewBatch | None = None
        """The preview batch last announced (``preview_changed``)."""
        self.batch = QSpinBox()
        self.batch.setPrefix("batch ")
        self.batch.setToolTip("The batch of rows the canvas and the Tensor dock show values of")
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 1_000_000)
        self.batch_size.setValue(PREVIEW_ROWS)
        self.batch_size.setSuffix(" rows")
        self.batch_size.setToolTip("How many rows the canvas's live values are computed from")
        self.rows = QLabel()
        for spin in (self.batch, self.batch_size):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._batch_chosen)
        self.preview = QWidget()
        row = QHBoxLayout(self.preview)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Preview"))
        row.addWidget(self.batch)
        row.addWidget(self.batch_size)
        row.addWidget(self.rows, 1)
        self.preview.hide()
        self.sets = QComboBox()
        self.sets.setToolTip("The data sets bound to the graph's placeholders")
        self.sets.currentIndexChanged.connect(self._show_set)
        self.summary = QLabel("No data set is bound: File › Import Data…")
        self.summary.setWordWrap(True)
        self.model = DataTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setDefaultSectionSize(80)
        self.statistics = QTableWidget()
        self.statistics.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.x_column = QComboBox()
        self.y_column = QComboBox()
        for combo in (self.x_column, self.y_column):
            combo.currentIndexChanged.connect(self._draw_scatter)
        self._plot: pg.PlotWidget | None = None
        self.scatter: list[pg.ScatterPlotItem] = []
        scatter = QWidget()
        choose = QHBoxLayout()
        choose.addWidget(QLabel("x"))
        choose.addWidget(self.x_column, 1)
        choose.addWidget(QLabel("y"))
        choose.addWidget(self.y_column, 1)
        self._scatter_box = box = QVBoxLayout(scatter)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(choose)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "Table")
        self.tabs.addTab(self.statistics, "Statistics")
        self.tabs.addTab(scatter, "Scatter")
        layout = QVBoxLayout(self)
        layout.addWidget(self.sets)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview)
        layout.addWidget(self.tabs, 1)

    @property
    def plot(self) -> pg.PlotWidget:
        """The scatter's plot, made when first needed (pyqtgraph loads then, not at start)."""
        if self._plot is None:
            import pyqtgraph as pg

            self._plot = pg.PlotWidget(background=BACKGROUND)
            self._plot.setMinimumHeight(160)
            for axis in ("left", "bottom"):
                self._plot.getPlotItem().getAxis(axis).setTextPen(FOREGROUND)
            self._scatter_box.addWidget(self._plot, 1)
        return self._plot

    @property
    def preview_batch(self) -> PreviewBatch:
        """The preview batch as chosen."""
        return PreviewBatch(self.batch.value() - 1, self.batch_size.value())

    def set_preview_batch(self, batch: PreviewBatch) -> None:
        """Show ``batch`` as the chosen one (telling ``preview_changed``)."""
        for spin, value in ((self.batch_size, batch.size), (self.batch, batch.index + 1)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self._batch_chosen()

    def _batch_chosen(self) -> None:
        batch = self.preview_batch
        batches = batch.batches(self.total)
        self.batch.blockSignals(True)
        self.batch.setRange(1, max(1, batches))
        self.batch.setSuffix(f" of {batches:,}")
        self.batch.blockSignals(False)
        batch = self.preview_batch  # within the range
        self.rows.setText(batch.text(self.total) if self.total else "")
        if batch != self._sent:
            self._sent = batch
            self.preview_changed.emit(batch)

    def set_graph(self, graph: Graph) -> None:
        """Show the data bound in ``graph`` (again, after it changed)."""
        self.graph = graph
        names = sorted({b["set"] for _, b in bound(graph.nodes)})
        chosen = self.sets.currentText()
        self.sets.blockSignals(True)
        self.sets.clear()
        self.sets.addItems(names)
        if chosen in names:
            self.sets.setCurrentText(chosen)
        self.sets.blockSignals(False)
        self.sets.setVisible(len(names) > 1)
        self.total = bound_rows(graph.nodes)
        self.preview.setVisible(self.total > 0)
        self._batch_chosen()
        self._show_set()

    def _show_set(self) -> None:
        data = None
        name = self.sets.currentText()
        if self.graph is not None and name:
            users = [n.name for n, b in bound(self.graph.nodes) if b["set"] == name]
            try:
                data, bindings = bound_data(self.graph, users)
                self.summary.setText(describe(data, bindings))
                self.summary.setStyleSheet("")
            except DataError as error:
                self.summary.setText(error.args[0])
                self.summary.setStyleSheet("color: #ff6b6b;")
        else:
            self.summary.setText("No data set is bound: File › Import Data…")
        self.model.set_data(data)
        self._fill_statistics()
        names = [name for name, _ in self.model.columns]
        for i, combo in enumerate((self.x_column, self.y_column)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(min(i, len(names) - 1))
            combo.blockSignals(False)
        self._draw_scatter()

    def _fill_statistics(self) -> None:
        table = self.statistics
        table.clear()
        table.setColumnCount(len(STATISTICS))
        table.setHorizontalHeaderLabels(list(STATISTICS))
        table.setRowCount(len(self.model.columns))
        table.setVerticalHeaderLabels([name for name, _ in self.model.columns])
        for i, (_, values) in enumerate(self.model.columns):
            figures = (values.min(), values.max(), values.mean(), values.std())
            for j, figure in enumerate(figures):
                table.setItem(i, j, QTableWidgetItem(f"{figure:.4g}"))

    def _draw_scatter(self) -> None:
        for item in self.scatter:
            self.plot.removeItem(item)
        self.scatter = []
        x, y = self.x_column.currentIndex(), self.y_column.currentIndex()
        if x < 0 or y < 0 or not self.model.columns:
            return
        import pyqtgraph as pg

        every = -(-len(self.model.columns[x][1]) // SCATTER_POINTS)
        xs, ys = self.model.columns[x][1][::every], self.model.columns[y][1][::every]
        truth = None if self.model.truth is None else self.model.truth[::every]
        groups = [np.arange(len(xs))] if truth is None else [
            np.flatnonzero(truth == k) for k in range(int(truth.max()) + 1 if len(truth) else 0)]
        for k, rows in enumerate(groups):
            color = CLASS_COLORS[k % len(CLASS_COLORS)]
            item = pg.ScatterPlotItem(xs[rows], ys[rows], size=5, pen=None,
                                      brush=pg.mkBrush(*color))
            self.plot.addItem(item)
            self.scatter.append(item)
        plot = self.plot.getPlotItem()
        plot.setTitle(f"every {every}th row" if every > 1 else "", color=FOREGROUND)
        plot.setLabel("bottom", self.model.columns[x][0], color=FOREGROUND)
        plot.setLabel("left", self.model.columns[y][0], color=FOREGROUND)


def describe(data: Dataset, bindings: dict[str, str]) -> str:
    """``digits: 1,797 rows × 64 columns, 10 classes; features → X, labels → c``."""
    width = len(columns(data))
    classes = f", {len(data.classes)} classes" if data.classes else ""
    bound_to = ", ".join(f"{array} → {name}" for name, array in bindings.items())
    return f"{data.name}: {data.rows:,} rows × {width} columns{classes}; {bound_to}"
