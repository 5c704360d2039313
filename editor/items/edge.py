"""Wires: a smooth cubic curve from an output port to an input port."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .. import style
from .node import NodeItem


class WireItem(QGraphicsItem):
    """A curve between two scene points (the wire that follows the cursor while wiring)."""

    WIDTH = 2.2

    def __init__(self, color: QColor = style.WIRE) -> None:
        super().__init__()
        self.color = color
        self._path = QPainterPath()
        self._bounds = QRectF()
        self._hit: QPainterPath | None = None
        self.setZValue(-1)

    def set_points(self, start: QPointF, end: QPointF) -> None:
        self.prepareGeometryChange()
        dx = max(abs(end.x() - start.x()) * 0.5, 40.0)
        path = QPainterPath(start)
        path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end)
        self._path = path
        self._bounds = path.controlPointRect().adjusted(-4, -4, 4, 4)
        self._hit = None

    def path(self) -> QPainterPath:
        return self._path

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._hit is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._hit = stroker.createStroke(self._path)
        return self._hit

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        color = style.SELECTED if self.isSelected() else self.color
        if lod < 0.35:
            painter.setRenderHint(QPainter.Antialiasing, False)
            painter.setPen(QPen(color, 0))
            start, end = self._path.elementAt(0), self._path.elementAt(3)
            painter.drawLine(QPointF(start.x, start.y), QPointF(end.x, end.y))
            return
        painter.setPen(QPen(color, self.WIDTH, Qt.SolidLine, Qt.RoundCap))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)


class EdgeItem(WireItem):
    """The wire feeding input ``port`` of ``target`` from ``source``'s output; it follows
    its two nodes when they move."""

    def __init__(self, source: NodeItem, target: NodeItem, port: int) -> None:
        color = QColor(source._color).lighter(115)
        color.setAlpha(220)
        super().__init__(color)
        self.source, self.target, self.port = source, target, port
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.update_path()

    def update_path(self) -> None:
        self.set_points(self.source.port_scene_pos(("out", 0)),
                        self.target.port_scene_pos(("in", self.port)))
