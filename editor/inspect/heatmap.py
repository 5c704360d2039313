"""A heatmap of a 2-D tensor with a colour bar (pyqtgraph), following the widget palette."""

from __future__ import annotations

import atexit
import warnings
import weakref
from typing import Any

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QPalette, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

MAX_PIXELS = 1024
"""A longer side is shown by block means (the image stays small, the axes count cells)."""
DIVERGING, SEQUENTIAL = "CET-D1", "viridis"
"""Values of both signs get a blue–white–red map centred on 0; others a sequential map."""


_alive: weakref.WeakSet[Heatmap] = weakref.WeakSet()


@atexit.register
def _delete_heatmaps() -> None:
    """Delete heatmaps still alive at exit while Python can still run their graphics items'
    event handlers (else PySide crashes now and then when Qt tears them down after Python)."""
    for heatmap in list(_alive):
        if shiboken6.isValid(heatmap):
            shiboken6.delete(heatmap)


class IndexAxis(pg.AxisItem):
    """An axis of cell indices: ticks only at whole numbers."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        levels = [(spacing, [v for v in values if float(v).is_integer()])
                  for spacing, values in super().tickValues(minVal, maxVal, size)
                  if spacing >= 1]
        return levels or [(1, list(range(int(np.ceil(minVal)), int(np.floor(maxVal)) + 1)))]


class Heatmap(pg.GraphicsLayoutWidget):
    """Rows downwards, columns to the right, like the table. NaN cells are hatched,
    ±inf take the ends of the colour range. Complex values are shown by magnitude.
    ``hovered(text)`` describes the cell under the mouse (empty when it leaves)."""

    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _alive.add(self)
        self.plot = self.addPlot(axisItems={"left": IndexAxis("left"), "top": IndexAxis("top")})
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(False)
        self.plot.getViewBox().setMouseEnabled(x=True, y=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.backdrop = QGraphicsRectItem()  # shows through NaN cells, which stay transparent
        self.backdrop.setPen(QPen(Qt.PenStyle.NoPen))
        self.backdrop.setZValue(-1)
        self.plot.addItem(self.backdrop)
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get(SEQUENTIAL), interactive=False,
                                   width=14)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self._array = np.zeros((0, 0))
        self._title: str | None = None
        self._map_name = SEQUENTIAL
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.apply_palette(self.palette())

    @property
    def levels(self) -> tuple[float, float]:
        return tuple(self.bar.levels())  # type: ignore[return-value]

    @property
    def colormap_name(self) -> str:
        return self._map_name

    def set_array(self, value: Any) -> None:
        a = np.asarray(value)
        if a.ndim != 2:
            raise ValueError(f"a heatmap shows 2 dimensions, not {a.ndim}")
        reshaped = a.shape != self._array.shape
        self._array = a
        shown = np.abs(a) if a.dtype.kind == "c" else a
        shown = shown.astype(np.float64, copy=False)
        finite = shown[np.isfinite(shown)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if lo < 0 < hi:
            self._map_name = DIVERGING
            lo, hi = -max(-lo, hi), max(-lo, hi)
        else:
            self._map_name = SEQUENTIAL
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        image = _overview(np.clip(shown, lo, hi))  # ±inf to the ends; NaN stays NaN
        if self.bar.colorMap().name != self._map_name:
            self.bar.setColorMap(pg.colormap.get(self._map_name))
        self.image.setImage(image, autoLevels=False)
        self.bar.setLevels((lo, hi))
        if reshaped:  # a new value of the same shape keeps the user's zoom
            rect = QRectF(-0.5, -0.5, a.shape[1], a.shape[0])  # integer ticks at cell centres
            self.image.setRect(rect)
            self.backdrop.setRect(rect)
            self.plot.getViewBox().autoRange(padding=0)
        title = "|value|" if a.dtype.kind == "c" else None
        if title != self._title:
            self._title = title
            self.plot.setTitle(title)

    def apply_palette(self, palette: QPalette) -> None:
        """Match the background and axes to ``palette`` (light or dark themes)."""
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom", "top", "right"):
            axis = self.plot.getAxis(name)
            axis.setPen(text)
            axis.setTextPen(text)
        self.bar.axis.setPen(text)
        self.bar.axis.setTextPen(text)
        self.backdrop.setBrush(QBrush(palette.color(QPalette.ColorRole.Mid),
                                      Qt.BrushStyle.BDiagPattern))
        # (left, top, right, bottom): row indices on the left, column indices on top
        self.plot.showAxes((True, True, False, False), showValues=(True, True, False, False))

    def _on_mouse_moved(self, point: QPointF) -> None:
        p = self.plot.getViewBox().mapSceneToView(point)  # in cells, centres at whole numbers
        row, column = int(np.floor(p.y() + 0.5)), int(np.floor(p.x() + 0.5))
        rows, columns = self._array.shape
        if 0 <= row < rows and 0 <= column < columns:
            self.hovered.emit(f"[{row}, {column}] = {self._array[row, column].item()!r}")
        else:
            self.hovered.emit("")


def _overview(image: np.ndarray, limit: int = MAX_PIXELS) -> np.ndarray:
    """``image`` with each side of more than ``limit`` cells reduced by block means (NaN
    cells left out of a block's mean)."""
    rows, columns = image.shape
    kr, kc = -(-rows // limit), -(-columns // limit)
    if kr == 1 and kc == 1:
        return image
    padded = np.full((-(-rows // kr) * kr, -(-columns // kc) * kc), np.nan)
    padded[:rows, :columns] = image
    blocks = padded.reshape(padded.shape[0] // kr, kr, padded.shape[1] // kc, kc)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks stay NaN
        return np.nanmean(blocks, axis=(1, 3))
