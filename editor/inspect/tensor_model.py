"""A table model over a 2-D array: cells are formatted only when the view asks for them."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from editor.tensor_stats import format_number

Index = QModelIndex | QPersistentModelIndex


class TensorTableModel(QAbstractTableModel):
    """Shows a 2-D array (a 1-D one as a column, a scalar as one cell) with ``precision``
    decimals. Non-finite cells are drawn in ``alert`` colour; the tooltip has full precision."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._array = np.zeros((0, 0))
        self._precision = 4
        self.alert = QColor("#e5534b")

    @property
    def array(self) -> np.ndarray:
        return self._array

    @property
    def precision(self) -> int:
        return self._precision

    def set_array(self, value: Any) -> None:
        a = np.asarray(value)
        a = a.reshape(1, 1) if a.ndim == 0 else a.reshape(-1, 1) if a.ndim == 1 else a
        if a.ndim != 2:
            raise ValueError(f"a table shows up to 2 dimensions, not {a.ndim}")
        if a.shape == self._array.shape:
            self._array = a
            self._refresh()
        else:
            self.beginResetModel()
            self._array = a
            self.endResetModel()

    def set_precision(self, precision: int) -> None:
        self._precision = max(0, int(precision))
        self._refresh()

    def cell_text(self, row: int, column: int) -> str:
        return format_number(self._array[row, column], self._precision)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._array.shape[0]

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._array.shape[1]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        v = self._array[index.row(), index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.alert if self._array.dtype.kind in "fc" and not np.isfinite(v) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"[{index.row()}, {index.column()}] = {v.item()!r}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None

    def _refresh(self) -> None:
        rows, columns = self._array.shape
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))
