"""The zoomed-out picture of a whole graph, drawn in a few calls.

Far out, nodes are specks and wires hairlines: instead of asking thousands of items to paint
themselves, the view draws every node as a rectangle (one path per colour) and every wire as
a straight line (one path) under the items, which stop painting. The scene switches to it
below :data:`OVERVIEW_ZOOM`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from editor import style
from editor.canvas.items.edge import EdgeItem
from editor.canvas.items.node import NodeItem

OVERVIEW_ZOOM = 0.3
"""Below this zoom the scene shows the overview instead of its node and wire items."""


class Overview:
    """Draws the nodes and wires it gets from ``source`` (asked again when they changed)."""

    def __init__(self, source: Callable[[], tuple[Iterable[NodeItem], Iterable[EdgeItem]]],
                 changed: Callable[[], None]) -> None:
        self._source = source
        self._changed = changed
        self._bodies, self._chosen, self._wires = QPainterPath(), QPainterPath(), QPainterPath()
        self._titles: dict[int, tuple[QColor, QPainterPath]] = {}
        """The title bars, a path per colour (by the colour's id: the colours are shared)."""
        self._stale = True
        self.visible = False

    def invalidate(self) -> None:
        """The graph changed: rebuild the picture when it is next drawn."""
        if not self._stale:
            self._stale = True
            if self.visible:
                self._changed()

    def _rebuild(self) -> None:
        self.start()
        self.add(*self._source())

    def start(self) -> None:
        """Begin an empty picture, up to date (a scene about to make its items)."""
        self._bodies, self._chosen, self._wires = QPainterPath(), QPainterPath(), QPainterPath()
        self._titles = {}
        self._stale = False

    def add(self, nodes: Iterable[NodeItem], edges: Iterable[EdgeItem]) -> None:
        """Draw ``nodes`` and ``edges``, just made, too (unless the picture is stale: then it
        is drawn whole when next shown) — a big graph's picture is drawn as its items are
        made, a slice at a time."""
        if self._stale:
            return
        bodies, chosen, titles = self._bodies, self._chosen, self._titles
        width, title_h = NodeItem.WIDTH, NodeItem.TITLE_H
        for item in nodes:
            x, y = item.x(), item.y()
            (chosen if item.isSelected() else bodies).addRect(x, y, width, item.height)
            color = item.title_color()
            entry = titles.get(id(color))
            if entry is None:
                entry = titles[id(color)] = (color, QPainterPath())
            entry[1].addRect(x, y, width, title_h)
        move, line = self._wires.moveTo, self._wires.lineTo
        for edge in edges:
            x1, y1, x2, y2 = edge.coords()  # (numbers: no point made per wire)
            move(x1, y1)
            line(x2, y2)

    def paint(self, painter: QPainter) -> None:
        if self._stale:
            self._rebuild()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(style.WIRE, 0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._wires)
        painter.setPen(Qt.PenStyle.NoPen)
        for color, path in [(style.NODE_BODY, self._bodies), (style.SELECTED, self._chosen),
                            *self._titles.values()]:
            painter.fillPath(path, color)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
