"""The zoomed-out picture of a whole graph, drawn in a few calls.

Far out, nodes are specks and wires hairlines: instead of asking thousands of items to paint
themselves, the view draws every node as a rectangle (one path per colour) and every wire as
a straight line (one path), from where the scene's index has them (no item is needed; the
items made, if any, stop painting). The scene switches to it below :data:`OVERVIEW_ZOOM`.
The selection is a layer of its own, drawn over the picture kept: a click far out redraws
only the nodes selected, not the whole graph. After an edit the picture is drawn again from
the event loop, :data:`SLICE` nodes or wires a turn, the old one shown until the new is done.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from PySide6.QtCore import QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QTransform

from editor import style
from editor.canvas.items.node import NodeItem

OVERVIEW_ZOOM = 0.3
"""Below this zoom the scene shows the overview instead of its node and wire items."""
PICTURE_PIXELS = 3000 * 2000
"""The largest picture of the overview kept to be painted again (bigger: drawn each time)."""
SLICE = 2000
"""The nodes (or wires) drawn again in one turn of the event loop after an edit."""
Mark = tuple[float, float, float, QColor]
"""A node as the overview draws it: x, y, height, title colour."""
Line = tuple[float, float, float, float]
"""A wire as the overview draws it: x1, y1, x2, y2."""
Titles = dict[int, tuple[QColor, QPainterPath]]
"""Title bars, a path per colour (by the colour's id: the colours are shared)."""
Layers = tuple[QPainterPath, QPainterPath, Titles]
"""What the picture is drawn from: the wires, the nodes' bodies, their title bars."""
Picture = tuple[tuple[float, ...], QPixmap, QPointF, QTransform]
"""The overview as painted: its zoom and pixel offset, its pixels, where its corner is in the
scene, and the transform it was drawn with."""


class Overview:
    """Draws the nodes and wires it gets from ``source`` (asked again when they changed),
    and over them the selected nodes ``chosen`` gives (asked again when the selection
    changed). Its redrawing after an edit ends with ``owner`` (the scene)."""

    def __init__(self, source: Callable[[], tuple[Iterable[Mark], Iterable[Line]]],
                 chosen: Callable[[], Iterable[Mark]], changed: Callable[[], None],
                 owner: QObject | None = None) -> None:
        self._source, self._chosen_source = source, chosen
        self._changed = changed
        self._bodies, self._wires = QPainterPath(), QPainterPath()
        self._titles: Titles = {}
        self._selection: tuple[QPainterPath, Titles] | None
        self._selection = None
        """The selected nodes' bodies and title bars (None: to be asked for when drawn)."""
        self._stale = True
        self.visible = False
        self._picture: Picture | None = None
        """The overview as last painted, painted again while neither the graph nor the zoom
        change."""
        self._redraw: Iterator[None] | None = None
        """The picture being drawn again after an edit, a slice a turn of :attr:`_turns`."""
        self._turns = QTimer(owner, interval=0)
        self._turns.timeout.connect(self._next_slice)

    def invalidate(self) -> None:
        """The graph changed: rebuild the picture when it is next drawn (while it is not
        shown, what it is drawn from goes too)."""
        self._stop_redraw()
        self._picture = self._selection = None
        if not self.visible:
            self._bodies, self._wires = QPainterPath(), QPainterPath()
            self._titles = {}
        if not self._stale:
            self._stale = True
            if self.visible:
                self._changed()

    @property
    def redrawing(self) -> bool:
        """Whether the picture is being drawn again after an edit."""
        return self._redraw is not None

    def edited(self) -> None:
        """The graph was edited: while shown, draw the picture again in slices (the one kept
        stays until the new is done; the selection is drawn at once); else :meth:`invalidate`."""
        if not self.visible or self._stale:
            self.invalidate()
            return
        self._selection = None
        self._redraw = self._redrawing()
        self._turns.start()
        self._changed()

    def _next_slice(self) -> None:
        if self._redraw is None or next(self._redraw, True) is not None:
            self._stop_redraw()

    def _stop_redraw(self) -> None:
        self._redraw = None
        self._turns.stop()

    def _redrawing(self) -> Iterator[None]:
        """Draw the graph anew, a slice a turn (and its picture, a layer a turn); at the end
        the new picture replaces the one kept (and is shown)."""
        nodes, wires = self._source()
        bodies, lines = QPainterPath(), QPainterPath()
        titles: Titles = {}
        nodes, wires = iter(nodes), iter(wires)
        while chunk := list(islice(nodes, SLICE)):
            _add_nodes(chunk, bodies, titles)
            yield None
        while chunk_of_lines := list(islice(wires, SLICE)):
            _add_lines(chunk_of_lines, lines)
            yield None
        picture = None
        if self._picture is not None:  # drawn as the one kept was
            key, _, _, at = self._picture
            picture = yield from _picture_at(at, key, (lines, bodies, titles))
        self._bodies, self._titles, self._wires = bodies, titles, lines
        self._picture, self._selection = picture, None
        self._changed()

    def selection_changed(self) -> None:
        """Which nodes are selected changed: only their layer is drawn again."""
        self._selection = None
        if self.visible:
            self._changed()

    def _rebuild(self) -> None:
        self.start()
        self.add(*self._source())

    def start(self) -> None:
        """Begin an empty picture, up to date (a scene about to make its items)."""
        self._stop_redraw()
        self._bodies, self._wires = QPainterPath(), QPainterPath()
        self._titles = {}
        self._stale = False
        self._picture = self._selection = None

    def add(self, nodes: Iterable[Mark], wires: Iterable[Line]) -> None:
        """Draw ``nodes`` and ``wires``, just indexed, too (unless the picture is stale: then
        it is drawn whole when next shown) — a big graph's picture is drawn as it is indexed,
        a slice at a time."""
        if self._stale:
            return
        self._picture = None
        _add_nodes(nodes, self._bodies, self._titles)
        _add_lines(wires, self._wires)

    def paint(self, painter: QPainter) -> None:
        """Draw the overview: from the picture kept if the zoom (and the pixel grid) is the
        same — scrolling or a repaint draws one pixmap — else anew, kept if not too big."""
        if self._stale:
            self._rebuild()
        at = painter.worldTransform()
        ratio = painter.device().devicePixelRatioF()
        key = (at.m11(), at.m22(), at.dx() % 1, at.dy() % 1, ratio)
        layers = self._wires, self._bodies, self._titles
        if self._picture is None or self._picture[0] != key:
            self._picture = _finish(_picture_at(at, key, layers))
        if self._picture is None:
            _finish(_draw(painter, layers))
        else:
            _, pixmap, corner, _ = self._picture
            painter.save()
            painter.resetTransform()
            painter.drawPixmap(at.map(corner).toPoint(), pixmap)
            painter.restore()
        if self._selection is None:
            self._selection = (QPainterPath(), {})
            _add_nodes(self._chosen_source(), *self._selection)
        bodies, titles = self._selection
        if not bodies.isEmpty():
            _fill(painter, [(style.SELECTED, bodies), *titles.values()])


def _picture_at(at: QTransform, key: tuple[float, ...],
                layers: Layers) -> Generator[None, None, Picture | None]:
    """The overview drawn as ``at`` draws it (``key``'s last is the pixel ratio), on whole
    pixels, a layer a step (None if too big)."""
    wires, bodies, titles = layers
    bounds = wires.boundingRect().united(bodies.boundingRect())
    for _, path in titles.values():
        bounds = bounds.united(path.boundingRect())
    ratio = key[-1]
    pixels = at.mapRect(bounds).toAlignedRect().adjusted(-1, -1, 1, 1)
    if pixels.width() * pixels.height() * ratio * ratio > PICTURE_PIXELS:
        return None
    pixmap = QPixmap(pixels.size() * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setWorldTransform(at * QTransform.fromTranslate(-pixels.x(), -pixels.y()))
        yield from _draw(painter, layers)
    finally:
        painter.end()
    return key, pixmap, at.inverted()[0].map(QPointF(pixels.topLeft())), at


def _draw(painter: QPainter, layers: Layers) -> Generator[None, None, None]:
    """Draw ``layers``, one a step."""
    wires, bodies, titles = layers
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(QPen(style.WIRE, 0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(wires)
    yield None
    _fill(painter, [(style.NODE_BODY, bodies)])
    yield None
    _fill(painter, list(titles.values()))


T = TypeVar("T")


def _finish(steps: Generator[None, None, T]) -> T:
    """Take every step of ``steps`` now; what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


def _add_nodes(nodes: Iterable[Mark], bodies: QPainterPath, titles: Titles) -> None:
    """Add ``nodes``' rectangles to ``bodies`` and their title bars to ``titles`` (a path
    per colour)."""
    width, title_h = NodeItem.WIDTH, NodeItem.TITLE_H
    for x, y, height, color in nodes:
        bodies.addRect(x, y, width, height)
        entry = titles.get(id(color))
        if entry is None:
            entry = titles[id(color)] = (color, QPainterPath())
        entry[1].addRect(x, y, width, title_h)


def _add_lines(wires: Iterable[Line], path: QPainterPath) -> None:
    """Add ``wires`` to ``path``, as straight lines."""
    move, line = path.moveTo, path.lineTo
    for x1, y1, x2, y2 in wires:
        move(x1, y1)
        line(x2, y2)


def _fill(painter: QPainter, paths: list[tuple[QColor, QPainterPath]]) -> None:
    """Fill each path in its colour, without antialiasing (specks far out)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for color, path in paths:
        painter.fillPath(path, color)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
