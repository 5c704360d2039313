"""Wires: a smooth cubic curve from an output port to an input port."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from editor import style
from editor.canvas.items.node import NodeItem

BACK_BEND = 32.0
"""How far a back wire reaches beyond its ends (a turn's control points; the curve itself
reaches three quarters of it)."""
LANE_GAP = 18.0
"""How far above the node it feeds a back wire runs (or below, for a node above)."""


class WireItem(QGraphicsItem):
    """A curve between two scene points (the wire that follows the cursor while wiring).

    A wire to a point right of its start is one S-curve. A *back wire* — to a point left of its
    start — leaves its output rightwards, turns into a horizontal lane, runs back along it and
    turns into its input from the left: it stays within :data:`BACK_BEND` of its two ends
    instead of looping far out. The curve is built when first needed (drawing, hit tests):
    opening a large graph or moving a node only records the ends, as numbers (a QPointF or
    QRectF takes as long to make as the rest of the wire: bounds and end points are made when
    asked for).
    """

    WIDTH = 2.2
    MARGIN = 4.0
    # What is made when first needed, and the lane of a wire that is not a back wire, as class
    # attributes: a wire keeps its own only once it has them (tens of thousands of wires are
    # made when a big graph opens, and every attribute of its own costs it memory).
    _coords = (0.0, 0.0, 0.0, 0.0)
    _lane = 0.0
    _path: QPainterPath | None = None
    _ends: tuple[QPointF, QPointF] | None = None
    _bounds: QRectF | None = None
    _hit: QPainterPath | None = None
    _pen: QPen | None = None

    def __init__(self, color: QColor = style.WIRE) -> None:
        super().__init__()
        self.color = color
        self.setZValue(-1)

    @staticmethod
    def _bend(start: QPointF, end: QPointF) -> float:
        return max(abs(end.x() - start.x()) * 0.5, 40.0)

    def set_points(self, start: QPointF, end: QPointF) -> None:
        self._set_ends(start.x(), start.y(), end.x(), end.y())

    def _set_ends(self, x1: float, y1: float, x2: float, y2: float,
                  lane: float | None = None) -> None:
        """Record the ends (and, for a back wire, the height of its lane: by default half way
        between the ends, or under them when they are level)."""
        if x2 < x1 and lane is None:
            lane = (y1 + y2) / 2 if abs(y2 - y1) > 2 * BACK_BEND else max(y1, y2) + BACK_BEND
        lane = lane if lane is not None else 0.0
        if (x1, y1, x2, y2) == self._coords and lane == self._lane:
            return  # (a wire taken back by an undo, where it was)
        self.prepareGeometryChange()
        self._coords = (x1, y1, x2, y2)
        own = vars(self)
        if lane != self._lane:
            self._lane = lane
        for name in _MADE:
            own.pop(name, None)

    def path(self) -> QPainterPath:
        """The curve: leaving the output and entering the input horizontally."""
        if self._path is None:
            start, end = self.ends()
            path = QPainterPath(start)
            if end.x() < start.x():  # a back wire: turn, run back along the lane, turn
                x1, x2, lane, bend = start.x(), end.x(), self._lane, BACK_BEND
                path.cubicTo(x1 + bend, start.y(), x1 + bend, lane, x1, lane)
                path.lineTo(x2, lane)
                path.cubicTo(x2 - bend, lane, x2 - bend, end.y(), x2, end.y())
            else:
                dx = self._bend(start, end)
                path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end)
            self._path = path
        return self._path

    def coords(self) -> tuple[float, float, float, float]:
        """The wire's start and end points as numbers: x1, y1, x2, y2 (scene coordinates)."""
        return self._coords

    def ends(self) -> tuple[QPointF, QPointF]:
        """The wire's start and end points (scene coordinates)."""
        if self._ends is None:
            x1, y1, x2, y2 = self._coords
            self._ends = (QPointF(x1, y1), QPointF(x2, y2))
        return self._ends

    def extent(self) -> tuple[float, float, float, float]:
        """Left, top, right and bottom of :meth:`boundingRect`, as numbers (scene
        coordinates: a wire is not moved, its ends are)."""
        return wire_extent(*self._coords, self._lane)

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            left, top, right, bottom = self.extent()
            self._bounds = QRectF(left, top, right - left, bottom - top)
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
        if self._pen is None or self._pen.color() != color:  # made once: painted often
            self._pen = QPen(color, self.WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(self._pen)
        painter.setBrush(_NO_BRUSH)
        painter.drawPath(self.path())


_NO_BRUSH = Qt.BrushStyle.NoBrush
_MADE = ("_ends", "_bounds", "_path", "_hit")
"""What a wire makes when first needed, from its ends (forgotten when they move)."""


_OUT = (NodeItem.WIDTH, NodeItem.TITLE_H + NodeItem.ROW_H * 0.5)
_IN = [(0.0, NodeItem.TITLE_H + NodeItem.ROW_H * (i + 0.5)) for i in range(64)]
"""Where the ports are on a node (item coordinates), as numbers: wires follow nodes often."""


def wire_ends(sx: float, sy: float, s_height: float, tx: float, ty: float, t_height: float,
              port: int) -> tuple[float, float, float, float, float | None]:
    """Where the wire from the output of a node at (``sx``, ``sy``), ``s_height`` high, into
    input ``port`` of one at (``tx``, ``ty``) starts and ends, and — a back wire — its lane:
    x1, y1, x2, y2, lane (None: not a back wire). From numbers: for an item, or for a wire
    that has none (the scene's index, the overview)."""
    out = _OUT
    into = _IN[port] if port < len(_IN) else (0.0, NodeItem.TITLE_H + NodeItem.ROW_H * (port + 0.5))
    x1, x2 = sx + out[0], tx + into[0]
    return x1, sy + out[1], x2, ty + into[1], (
        _lane_between(sy, sy + s_height, ty, ty + t_height) if x2 < x1 else None)


def _lane_between(source_top: float, source_bottom: float, target_top: float,
                  target_bottom: float) -> float:
    """Where a back wire runs: in the gap between its two nodes, close to the one it feeds
    (clear of what hangs under the nodes above); under both when they are level."""
    if target_top >= source_bottom:  # the node fed is below
        return max((source_bottom + target_top) / 2, target_top - LANE_GAP)
    if target_bottom <= source_top:  # above
        return min((target_bottom + source_top) / 2, target_bottom + LANE_GAP)
    return max(source_bottom, target_bottom) + 2 * LANE_GAP


def wire_extent(x1: float, y1: float, x2: float, y2: float,
                lane: float | None) -> tuple[float, float, float, float]:
    """Left, top, right and bottom of a wire's bounds, from its ends and lane (as
    :func:`wire_ends` gives them)."""
    m = WireItem.MARGIN
    if x2 < x1:  # a back wire: its turns and its lane
        if lane is None:
            lane = (y1 + y2) / 2 if abs(y2 - y1) > 2 * BACK_BEND else max(y1, y2) + BACK_BEND
        reach = BACK_BEND * 0.75  # how far a turn's cubic goes beyond its end
        left, right = x2 - reach, x1 + reach
        top, bottom = min(y1, y2, lane), max(y1, y2, lane)
    else:
        dx = max(abs(x2 - x1) * 0.5, 40.0)
        left, right = min(x1, x2 - dx), max(x2, x1 + dx)
        top, bottom = min(y1, y2), max(y1, y2)
    return left - m, top - m, right + m, bottom + m


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
        source, target = self.source, self.target
        self._set_ends(*wire_ends(source.x(), source.y(), source.height,
                                  target.x(), target.y(), target.height, self.port))
