"""Wires: a smooth cubic curve from an output port to an input port."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from editor import style
from editor.canvas.items.node import NodeItem


class WireItem(QGraphicsItem):
    """A curve between two scene points (the wire that follows the cursor while wiring).

    The curve is built when first needed (drawing, hit tests): opening a large graph or
    moving a node only records the ends, as numbers (a QPointF or QRectF takes as long to
    make as the rest of the wire: the bounds and end points are made when asked for).
    """

    WIDTH = 2.2
    MARGIN = 4.0

    def __init__(self, color: QColor = style.WIRE) -> None:
        super().__init__()
        self.color = color
        self._path: QPainterPath | None = None
        self._coords = (0.0, 0.0, 0.0, 0.0)
        self._ends: tuple[QPointF, QPointF] | None = None
        self._bounds: QRectF | None = None
        self._hit: QPainterPath | None = None
        self.setZValue(-1)

    @staticmethod
    def _bend(start: QPointF, end: QPointF) -> float:
        return max(abs(end.x() - start.x()) * 0.5, 40.0)

    def set_points(self, start: QPointF, end: QPointF) -> None:
        self._set_ends(start.x(), start.y(), end.x(), end.y())

    def _set_ends(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.prepareGeometryChange()
        self._coords = (x1, y1, x2, y2)
        self._ends = self._bounds = self._path = self._hit = None

    def path(self) -> QPainterPath:
        """The curve: leaving the output and entering the input horizontally."""
        if self._path is None:
            start, end = self.ends()
            dx = self._bend(start, end)
            path = QPainterPath(start)
            path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end)
            self._path = path
        return self._path

    def ends(self) -> tuple[QPointF, QPointF]:
        """The wire's start and end points (scene coordinates)."""
        if self._ends is None:
            x1, y1, x2, y2 = self._coords
            self._ends = (QPointF(x1, y1), QPointF(x2, y2))
        return self._ends

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            x1, y1, x2, y2 = self._coords
            dx, m = max(abs(x2 - x1) * 0.5, 40.0), self.MARGIN
            left, right = min(x1, x2 - dx), max(x2, x1 + dx)
            top, bottom = min(y1, y2), max(y1, y2)
            self._bounds = QRectF(left - m, top - m, right - left + 2 * m, bottom - top + 2 * m)
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._hit is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._hit = stroker.createStroke(self.path())
        return self._hit

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        color = style.SELECTED if self.isSelected() else self.color
        if lod < 0.35:
            painter.setPen(QPen(color, 0))
            painter.drawLine(*self.ends())
            return
        painter.setPen(QPen(color, self.WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())


_OUT = (NodeItem.WIDTH, NodeItem.TITLE_H + NodeItem.ROW_H * 0.5)
_IN = [(0.0, NodeItem.TITLE_H + NodeItem.ROW_H * (i + 0.5)) for i in range(64)]
"""Where the ports are on a node (item coordinates), as numbers: wires follow nodes often."""


@cache
def _wire_color(rgba: int) -> QColor:
    color = QColor.fromRgba(rgba).lighter(115)
    color.setAlpha(220)
    return color


class EdgeItem(WireItem):
    """The wire feeding input ``port`` of ``target`` from ``source``'s output; it follows
    its two nodes when they move."""

    def __init__(self, source: NodeItem, target: NodeItem, port: int) -> None:
        super().__init__(_wire_color(source.color.rgba()))
        self.source, self.target, self.port = source, target, port
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.update_path()

    def update_path(self) -> None:
        source, target, out = self.source, self.target, _OUT
        into = _IN[self.port] if self.port < len(_IN) else (0.0, target.input_point(self.port).y())
        self._set_ends(source.x() + out[0], source.y() + out[1],
                       target.x() + into[0], target.y() + into[1])
