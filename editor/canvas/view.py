"""The canvas view: zoom around the cursor, pan, framing, dot grid, rubber band, node search,
inline renaming, and dropping palette entries."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QBrush,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QLineEdit, QMenu, QWidget

from editor import style
from editor.canvas.items import NodeItem
from editor.canvas.items.node import READABLE_ZOOM
from editor.canvas.items.overview import OVERVIEW_ZOOM
from editor.canvas.palette import OP_MIME
from editor.canvas.scene import GraphScene
from editor.canvas.search import NodeSearch
from engine.graph import Node

GRID = 24.0
MIN_ZOOM, MAX_ZOOM = 0.01, 4.0
MAX_FRAME_ZOOM = 1.5
FRAMING_FLOOR = 0.75
"""Framing never zooms out below this to show a graph that fits at it: node names and labels
stay readable (nodes leave their text out below 60 %)."""
FRAME_MARGIN, TIGHT_MARGIN = 40, 8
"""Pixels left around a framed graph; the least, when that keeps it readable."""
EXTENT = 1e6
EMPTY_HINT = "Drag an op from the palette, or press Tab to add a node"
AREA_MARGIN = 0.2
"""Items are made for what the view shows and this much of its size more on every side:
scrolling a little shows items made already."""
WHEEL_STEP = 1.15
"""What a wheel notch zooms by where labels are readable: at 100 %, and from the first power
of it at which they are (≈ 66 %) to :data:`MAX_ZOOM`."""


def _wheel_levels() -> list[float]:
    """The zooms whole wheel notches move between, ascending. Out from the first readable one,
    each notch's step grows (×1.15³, ×1.15⁵, ×1.15⁷, …: ×1.5 to ×2.7), so that from Home on a
    graph of thousands of nodes (a few %) four notches bring the labels back (there were
    twenty-three), and the two ends of the range are eighteen notches apart (there were
    forty-three)."""
    first = math.ceil(math.log(READABLE_ZOOM) / math.log(WHEEL_STEP))
    top = math.floor(math.log(MAX_ZOOM) / math.log(WHEEL_STEP))
    levels = [WHEEL_STEP ** k for k in range(first, top + 1)]
    if levels[-1] < MAX_ZOOM:
        levels.append(MAX_ZOOM)
    growth = 3
    while levels[0] > MIN_ZOOM:
        levels.insert(0, max(levels[0] / WHEEL_STEP ** growth, MIN_ZOOM))
        growth += 2
    return levels


WHEEL_LEVELS = _wheel_levels()


def wheel_zoom(zoom: float, notches: float) -> float:
    """The zoom ``notches`` wheel notches (negative: out) from ``zoom``: along
    :data:`WHEEL_LEVELS`, between two of them in proportion (from a zoom between levels, as
    framing leaves it, or by a touchpad's fractions of a notch), so that a notch out undoes a
    notch in."""
    levels = WHEEL_LEVELS
    zoom = min(max(zoom, levels[0]), levels[-1])
    i = min(bisect.bisect_right(levels, zoom) - 1, len(levels) - 2)
    place = i + math.log(zoom / levels[i]) / math.log(levels[i + 1] / levels[i]) + notches
    place = min(max(place, 0.0), len(levels) - 1.0)
    i = min(int(place), len(levels) - 2)
    return levels[i] * (levels[i + 1] / levels[i]) ** (place - i)


class GraphView(QGraphicsView):
    """Shows a :class:`GraphScene`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)  # docks resize: nothing moves
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.setSceneRect(-EXTENT, -EXTENT, 2 * EXTENT, 2 * EXTENT)  # room to pan anywhere
        self.rubberBandChanged.connect(self._band_moved)
        self.search = NodeSearch(self)
        self.search.chosen.connect(self._add_chosen)
        self._rename_edit: QLineEdit | None = None
        self._pan_from: QPoint | None = None
        self._space = False
        self._last_mouse = QPoint(-1, -1)
        self._tile: tuple[tuple[int, float], QPixmap] | None = None
        self._moving = False
        self.context_actions: list[QAction | None] = []
        """The right-click menu of empty canvas (None: a separator); the window fills it in."""
        self.node_actions: Callable[[Node], list[QAction | None]] = lambda node: []
        """A node's right-click menu (what can be done to that node); the window sets it."""

    def setScene(self, scene: QGraphicsScene | None) -> None:  # type: ignore[override]
        """Show ``scene`` (its items are made once it is framed or zoomed: not for where the
        last scene was shown)."""
        with self._one_move():
            super().setScene(scene)

    @property
    def graph_scene(self) -> GraphScene:
        return self.scene()  # type: ignore[return-value]

    # ---- zoom and framing ------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        """Zoom by ``factor`` keeping the scene point under ``anchor`` (viewport
        coordinates; default: the centre) where it is."""
        anchor = self.viewport().rect().center() if anchor is None else anchor
        factor = min(max(self.zoom() * factor, MIN_ZOOM), MAX_ZOOM) / self.zoom()
        fixed = self.mapToScene(anchor)
        with self._one_move():
            self.scale(factor, factor)
            drift = self.mapFromScene(fixed) - anchor
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + drift.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + drift.y())
        self._zoom_changed()

    def set_zoom(self, zoom: float) -> None:
        center = self.mapToScene(self.viewport().rect().center())
        with self._one_move():
            self.setTransform(QTransform.fromScale(zoom, zoom))
            self.centerOn(center)
        self._zoom_changed()

    def _zoom_changed(self) -> None:
        if self.scene() is not None:
            self.graph_scene.set_overview(self.zoom() < OVERVIEW_ZOOM)
        self._shown_changed()

    @contextmanager
    def _one_move(self) -> Iterator[None]:
        """Within: a zoom and a scroll that make one change of what is shown (the items of
        the view half way are not made)."""
        self._moving = True
        try:
            yield
        finally:
            self._moving = False

    def _shown_changed(self) -> None:
        """What the view shows changed (a zoom, a scroll, a resize): the scene makes the
        items of it — none far out, where the overview draws the graph."""
        if self.scene() is None or self._moving:
            return
        if self.zoom() < OVERVIEW_ZOOM:
            self.graph_scene.show_area(None)
            return
        shown = self.mapToScene(self.viewport().rect()).boundingRect()
        dx, dy = shown.width() * AREA_MARGIN, shown.height() * AREA_MARGIN
        self.graph_scene.show_area(shown.adjusted(-dx, -dy, dx, dy))

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._shown_changed()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._shown_changed()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._shown_changed()

    def frame(self, rect: QRectF) -> None:
        """Zoom and scroll so that ``rect`` fills the view (at :meth:`framing_zoom`)."""
        if rect.isNull():
            return
        with self._one_move():
            self.setTransform(QTransform.fromScale(*(2 * [self.framing_zoom(rect)])))
            self.centerOn(rect.center())
        self._zoom_changed()

    def framing_zoom(self, rect: QRectF) -> float:
        """The zoom at which ``rect`` fills the view: with a margin, never closer than 150 %,
        and — when the margin would take the zoom below :data:`FRAMING_FLOOR` — with as
        little margin as keeps it there (a rect too big for that is shown whole, smaller)."""
        view = self.viewport().rect()

        def fit(margin: int) -> float:
            return min((view.width() - 2 * margin) / max(rect.width(), 1.0),
                       (view.height() - 2 * margin) / max(rect.height(), 1.0))

        zoom = max(fit(FRAME_MARGIN), min(fit(TIGHT_MARGIN), FRAMING_FLOOR))
        return min(max(zoom, MIN_ZOOM), MAX_FRAME_ZOOM)

    def frame_all(self) -> None:
        """Frame every node, wire and badge."""
        self.frame(self.graph_scene.extent())

    def frame_selection(self) -> None:
        rect = self.graph_scene.selection_extent()
        if rect.isNull():
            self.frame_all()
        else:
            self.frame(rect)

    def arrange(self) -> None:
        """Lay the graph out (one undo step) and frame it."""
        self.graph_scene.arrange()
        self.frame_all()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(wheel_zoom(self.zoom(), steps) / self.zoom(), event.position().toPoint())

    # ---- background ------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        self._draw_grid(painter, rect)
        if self.scene() is None:
            return
        self.graph_scene.drawBackground(painter, rect)
        if not len(self.graph_scene.index):
            painter.save()
            painter.resetTransform()
            painter.setPen(style.MUTED_TEXT)
            painter.setFont(style.font(11))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
            painter.restore()

    def _draw_grid(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """The background colour with a dot every :data:`GRID` units (sparser when zoomed
        out), from a tiled pixmap made in the screen's pixels: one plain copy of it over the
        exposed area (a tile of another scale would be scaled at every fill: on a screen at
        200 % that was ≈ 8 ms of every repaint)."""
        zoom = self.zoom()
        step = GRID
        while step * zoom < 12:
            step *= 4
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        pixels = max(round(step * zoom * ratio), 2)  # (the dots' spacing on the screen)
        if self._tile is None or self._tile[0] != (pixels, ratio):
            tile = QPixmap(pixels, pixels)
            tile.fill(style.BACKGROUND)
            dot = max(round((2 if pixels >= 16 * ratio else 1) * ratio), 1)
            dots = QPainter(tile)
            dots.fillRect(0, 0, dot, dot, style.GRID_DOT)
            dots.end()
            tile.setDevicePixelRatio(ratio)
            self._tile = ((pixels, ratio), tile)
        spacing = pixels / ratio
        origin = self.mapFromScene(QPointF(0, 0))
        brush = QBrush(self._tile[1])  # (its transform in the tile's pixels: a dot on (0, 0))
        brush.setTransform(QTransform.fromTranslate((origin.x() % spacing) * ratio,
                                                    (origin.y() % spacing) * ratio))
        exposed = painter.transform().mapRect(rect)
        painter.save()
        painter.resetTransform()
        painter.fillRect(exposed, brush)
        painter.restore()

    def theme_changed(self) -> None:
        """Paint the background and the overview again in the colours of the theme applied
        now."""
        self._tile = None
        if self.scene() is not None:
            self.graph_scene.overview.invalidate()
        self.viewport().update()

    # ---- mouse and keys --------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Tab):
            self.open_search()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.graph_scene.cancel_wire():
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.search.hide()
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.scene() is not None:
            scene, at = self.graph_scene, self.mapToScene(event.position().toPoint())
            if scene.node_item_at(at) is None and not scene.items(at):  # a rubber band
                scene.begin_band(bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier))
        super().mousePressEvent(event)

    def _band_moved(self, rect: QRect, start: QPointF, end: QPointF) -> None:
        """The rubber band covers ``rect`` (viewport coordinates, as Qt selects by; the scene
        points lag a move behind)."""
        if not rect.isNull() and self.scene() is not None:
            self.graph_scene.band_to(self.mapToScene(rect).boundingRect())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._last_mouse = event.position().toPoint()
        if self._pan_from is not None:
            delta = event.position().toPoint() - self._pan_from
            self._pan_from = event.position().toPoint()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space
                                      else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self.scene() is not None:
            self.graph_scene.end_band()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        pos = self.mapToScene(event.position().toPoint())
        item = self.graph_scene.node_item_at(pos)
        if item is None:
            self.open_search(event.position().toPoint())
            return
        if item.title_rect().contains(item.mapFromScene(pos)):
            # after the click sequence has ended, so that its focus changes do not close it
            QTimer.singleShot(0, lambda: self.start_rename(item))
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Right-click: a node's own menu on a node (selecting it if it is not), the
        canvas's menu elsewhere."""
        scene = self.graph_scene
        item = scene.node_item_at(self.mapToScene(event.pos()))
        if item is None:
            self.show_menu(self.context_actions, event.globalPos())
            return
        if not item.isSelected():
            scene.select([item.node])
        self.show_menu(self.node_actions(item.node), event.globalPos())

    def show_menu(self, actions: list[QAction | None], at: QPoint) -> None:
        """Pop up a menu of ``actions`` (None: a separator) at ``at`` (global coordinates)."""
        menu = QMenu(self)
        for action in actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.exec(at)

    # ---- node search -----------------------------------------------------------------------

    def open_search(self, at: QPoint | None = None) -> None:
        """Open the node search at ``at`` (viewport coordinates; default: the cursor)."""
        if at is None:
            inside = self.viewport().rect().contains(self._last_mouse)
            at = self._last_mouse if inside else self.viewport().rect().center()
        self.search.open(self.viewport().mapTo(self, at), self.mapToScene(at))

    def _add_chosen(self, op_type: str, scene_pos: QPointF) -> None:
        self.graph_scene.add_node(op_type, scene_pos)

    # ---- renaming --------------------------------------------------------------------------

    def start_rename(self, item: NodeItem | None = None) -> None:
        """Edit the name of ``item`` (default: the only selected node) in place."""
        if item is None:
            selected = self.graph_scene.selected_nodes()
            if len(selected) != 1:
                return
            item = self.graph_scene.item_for(selected[0])
        self.ensureVisible(item.sceneBoundingRect(), 20, 20)
        edit = QLineEdit(item.node.name, self.viewport())
        edit.setObjectName("RenameEdit")
        rect = self.mapFromScene(item.mapToScene(item.title_rect())).boundingRect()
        edit.setGeometry(rect.x(), rect.y(), max(rect.width(), 120), max(rect.height(), 24))
        edit.selectAll()
        edit.show()
        edit.setFocus()
        self._rename_edit = edit
        node = item.node

        def finish() -> None:
            if self._rename_edit is not edit:
                return
            self._rename_edit = None
            edit.hide()
            edit.deleteLater()
            self.setFocus()
            if node in self.graph_scene.doc.graph:
                self.graph_scene.rename(node, edit.text().strip())

        edit.editingFinished.connect(finish)
        edit.installEventFilter(self)

    def eventFilter(self, watched, event: QEvent) -> bool:
        if (watched is self._rename_edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            edit, self._rename_edit = self._rename_edit, None
            edit.hide()
            edit.deleteLater()
            self.setFocus()
            return True
        return super().eventFilter(watched, event)

    # ---- drops from the palette ------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_op(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._accept_op(event)

    @staticmethod
    def _accept_op(event: QDropEvent) -> bool:
        """Take palette entries, as copies (the palette keeps its entry)."""
        if not event.mimeData().hasFormat(OP_MIME):
            event.ignore()
            return False
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        return True

    def dropEvent(self, event: QDropEvent) -> None:
        if self._accept_op(event):
            # QByteArray is a buffer; PySide6's stubs lack __buffer__.
            op_type = bytes(event.mimeData().data(OP_MIME)).decode()  # type: ignore[call-overload]
            self.graph_scene.add_node(op_type, self.mapToScene(event.position().toPoint()))
            self.setFocus()
