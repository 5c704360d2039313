"""A node on the canvas: title, op symbol, input ports left, output port and shape right."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from functools import cache
from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPixmapCache,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from editor import style
from editor.document import BLOCKED, ERROR, OK
from editor.tensor_stats import preview, value_preview
from editor.words import elide_words
from engine.graph import Constant, Node, Placeholder, Variable


class AttachedWire(Protocol):
    """What a node knows of the wires attached to it (edge items, which
    know nodes: so the two modules need not import each other)."""

    def update_path(self) -> None: ...

Port = tuple[str, int]
"""``("in", index)`` or ``("out", 0)``."""

TITLE_FONT = style.font(9.5, bold=True)
LABEL_FONT = style.font(8.5)
SYMBOL_FONT = style.font(9.5, bold=True)
SYMBOL_COLOR = QColor(255, 255, 255, 170)
SHAPE_FONT = style.font(8.5)
READABLE_ZOOM = 0.6
"""From this zoom on, nodes draw their labels (name, ports, shape, preview)."""


@cache
def _title_path(width: float, height: float, corner: float) -> QPainterPath:
    """A title bar: rounded at the top, square at the bottom."""
    path = QPainterPath(QPointF(0, height))
    path.lineTo(0, corner)
    path.arcTo(QRectF(0, 0, 2 * corner, 2 * corner), 180, -90)
    path.lineTo(width - corner, 0)
    path.arcTo(QRectF(width - 2 * corner, 0, 2 * corner, 2 * corner), 90, -90)
    path.lineTo(width, height)
    path.closeSubpath()
    return path


class NodeItem(QGraphicsItem):
    """Draws one engine node; the scene keeps it in step with the document.

    ``state`` is ``ok``, ``incomplete`` (an input is not wired yet), ``error`` (this node's
    shape or value is wrong: red outline, ``message`` on hover) or ``blocked`` (an input's
    node has an error: drawn muted). It comes from two sources: the static shape check
    (:meth:`set_shape`) and the last evaluation (:meth:`set_state`); a static finding wins, as
    it holds whatever is evaluated. ``preview`` is a one-line text shown at the bottom (hidden
    while ``show_previews`` is false). ``step`` marks the node during a step-through.
    """

    show_previews = True
    """Whether nodes show their preview (the View menu's "Show values on nodes")."""
    _elided = ("", "")
    """The last foot line and the part of it that fits."""
    WIDTH = 156.0
    TITLE_H = 24.0
    ROW_H = 22.0
    FOOTER_H = 20.0
    PORT_R = 5.5
    HIT_R = 10.0
    CORNER = 6.0

    # What a new item shows, as class attributes: an item keeps its own only once it shows
    # something else (a node item is made for each of tens of thousands of nodes, and every
    # attribute of its own costs it memory — see :meth:`_clear_shown`).
    shape_text = ""
    shape_state, shape_message = OK, ""
    eval_state, eval_message = OK, ""
    preview: str | np.ndarray | None = None
    _preview_of: np.ndarray | None = None
    """The tensor the preview shows, while it is one."""
    _default: tuple[np.ndarray | None, str] | None = None
    """The value the default preview was last made from, and that preview."""
    step: str | None = None
    """``pending``, ``done`` or ``current`` during a step-through, else None."""
    step_preview = ""
    highlight: AbstractSet[Port] = frozenset()
    hover_port: Port | None = None
    _title: tuple[str, tuple[str, str]] = ("", ("", ""))  # for the name: title_texts
    _look: tuple = ()
    """What the body's picture shows (see :meth:`_paint_picture`)."""
    _body_key = ""
    """That picture's key in Qt's pixmap cache."""
    _seen_once = ""
    """The key of the last look painted without a picture (see :meth:`_paint_picture`)."""
    _port_style: tuple[QBrush, QPen] | None = None
    """The brush of a wired port and the pen of every port."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node
        self.edges: list[AttachedWire] = []
        self.height, self._rect, self._bounds = _geometry(len(node.op.inputs))
        self.color = style.op_color(node.op)
        self._symbol = node.op.symbol or node.type
        self.setFlags(_FLAGS)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)

    # ---- geometry -------------------------------------------------------------------------

    @classmethod
    def height_for(cls, node: Node) -> float:
        return _geometry(len(node.op.inputs))[0]

    @staticmethod
    def reach_for(node: Node) -> tuple[float, float, float, float]:
        """Left, top, right and bottom of ``node``'s item's bounds, relative to its
        position (an item need not be made to know where it would be)."""
        return _reach(len(node.op.inputs))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def extent(self) -> tuple[float, float, float, float]:
        """Left, top, right and bottom of the node's bounds in the scene, as numbers (what
        hangs on it, a badge, not included)."""
        left, top, right, bottom = _reach(len(self.node.op.inputs))
        x, y = self.x(), self.y()
        return x + left, y + top, x + right, y + bottom

    def title_rect(self) -> QRectF:
        return QRectF(0, 0, self.WIDTH, self.TITLE_H)

    def input_point(self, port: int) -> QPointF:
        """Where input ``port`` is, in item coordinates (a shared point: do not modify it)."""
        return _INPUT_POINTS[port] if port < len(_INPUT_POINTS) else QPointF(
            0, self.TITLE_H + self.ROW_H * (port + 0.5))

    def output_point(self) -> QPointF:
        """Where the output port is, in item coordinates (a shared point: do not modify it)."""
        return _OUTPUT_POINT

    def port_point(self, port: Port) -> QPointF:
        return self.output_point() if port[0] == "out" else self.input_point(port[1])

    def port_scene_pos(self, port: Port) -> QPointF:
        """Where ``port`` is in scene coordinates."""
        return self.pos() + self.port_point(port)

    def port_at(self, local: QPointF) -> Port | None:
        """The port whose hit circle holds ``local`` (item coordinates)."""
        candidates: list[Port] = [("out", 0)] + [("in", i) for i in range(len(self.node.inputs))]
        for port in candidates:
            delta = self.port_point(port) - local
            if delta.x() ** 2 + delta.y() ** 2 <= self.HIT_R ** 2:
                return port
        return None

    # ---- state ----------------------------------------------------------------------------

    def tooltip(self) -> str:
        """What hovering the node shows: its whole name, its op (unless that is its name),
        description and any error."""
        node = self.node
        op = "" if node.name == node.type else f" — {node.type}"
        tip = f"<b>{node.name}</b>{op}<br>{node.op.doc}"
        if self.message:
            tip += f"<br><span style='color:#ff6b78'>{self.message}</span>"
        return tip

    @property
    def state(self) -> str:
        return self.shape_state if self.shape_state != OK else self.eval_state

    @property
    def message(self) -> str:
        return self.shape_message if self.shape_state != OK else self.eval_message

    def reset(self) -> None:
        """Show the node as a new item would (an item taken back by an undo): no evaluation
        mark, preview, step, highlight, selection or badge."""
        self._clear_shown()
        self.setSelected(False)
        for child in self.childItems():
            child.setParentItem(None)  # type: ignore[arg-type]  # (Qt takes None)
        self.update()

    def _clear_shown(self) -> None:
        """What a new item shows of evaluation and step-through: nothing (the class's
        defaults)."""
        own = vars(self)
        for name in _SHOWN:
            own.pop(name, None)

    def refresh(self) -> None:
        """Re-read the node (after a rename, an attribute or a value change)."""
        self.update()

    def set_shape(self, text: str, state: str = OK, message: str = "") -> None:
        """Show the static shape ``text`` and what the shape check found (see the class doc)."""
        if (text, state, message) == (self.shape_text, self.shape_state, self.shape_message):
            return
        before = self.state
        self.shape_text, self.shape_state, self.shape_message = text, state, message
        if {before, self.state} & _MARKED:  # the title, outline, foot line or opacity too
            self.refresh()
        else:  # only the shape and its colour ("incomplete" is muted)
            self.update(_SHAPE_DIRTY)

    def set_state(self, state: str, message: str = "") -> None:
        """Mark what the last evaluation found: ``ok``, ``error`` (red, ``message`` on hover)
        or ``blocked`` (muted)."""
        if (state, message) != (self.eval_state, self.eval_message):
            self.eval_state, self.eval_message = state, message
            self.refresh()

    def set_preview(self, text: str | np.ndarray | None) -> None:
        """Show a one-line ``text`` (a value preview) at the bottom of the node — or a
        tensor's :func:`preview`, made when the node is first drawn; ``None`` shows
        :meth:`default_preview` (also made when first drawn). The node is repainted only if
        what it shows can change."""
        if text is None and not self.node.op.is_source:
            text = ""  # an operation's default: nothing
        elif text is None and self._default is not None and self._default[0] is _value(self.node) \
                and self._preview_of is None and self.preview is self._default[1]:
            return  # a source's default, made from the value it still holds
        if isinstance(text, np.ndarray):
            if _same(text, self._preview_of):
                return
        elif self._preview_of is None and text == self.preview:
            return
        self._preview_of = text if isinstance(text, np.ndarray) else None
        self.preview = text
        self.update(_footer_dirty(self.height))

    def set_step(self, step: str | None, preview: str = "") -> None:
        """Mark the node for a step-through: ``pending`` (dimmed), ``done`` (showing the
        ``preview`` of the value it produced), ``current`` (lit up), or None (normal view)."""
        if (step, preview) != (self.step, self.step_preview):
            self.step, self.step_preview = step, preview
            self.update()

    def preview_text(self) -> str:
        if self.step in ("done", "current"):
            return self.step_preview
        if not self.show_previews or self.step is not None:
            return ""
        if self.preview is None:
            self.preview = self.default_preview(self.node)
            if self.node.op.is_source:
                self._default = (_value(self.node), self.preview)
        elif not isinstance(self.preview, str):
            self.preview = preview(self.preview)
        return self.preview

    @staticmethod
    def default_preview(node: Node) -> str:
        """The preview shown until one is set: a source's value (or that it is fed)."""
        if not isinstance(node, (Placeholder, Variable, Constant)):  # not a source
            return ""
        return "fed at run time" if node.value is None else value_preview(node.value)

    def title_color(self) -> QColor:
        """The title bar's colour: the op's category, red for an error."""
        return style.ERROR if self.state == ERROR else self.color

    def update_edges(self) -> None:
        """Make the wires follow the node after it moved."""
        for edge in self.edges:
            edge.update_path()

    # ---- drawing --------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = self.isSelected()
        if lod < 0.35:  # far out: two rectangles
            painter.fillRect(self._rect, style.SELECTED if selected else style.NODE_BODY)
            painter.fillRect(self.title_rect(), self.title_color())
            return
        readable = lod >= READABLE_ZOOM
        faded = 1.0
        if self.step == "pending" or (self.step is None and self.state == BLOCKED):
            faded = 0.3 if self.step else 0.45
        if self._paint_picture(painter, selected, readable, faded):
            return
        painter.setOpacity(faded)
        self._paint_body(painter, selected, readable)
        if readable:
            self._paint_values(painter)

    def _paint_picture(self, painter: QPainter, selected: bool, readable: bool,
                       faded: float) -> bool:
        """Draw the node from its picture at the painter's scale: one picture of the whole
        node as it looks now, made from a picture of its body (everything but the shape and
        the preview) and the shape and preview written over it; both are kept in Qt's pixmap
        cache by what they show, so a node that looks as it did before (a wire connected
        again, a node selected again) is one copy of pixels, and one whose shape or preview
        changes does not draw its name, ports and labels again. A muted node's pictures are
        drawn muted, each part over the ones below as painting them would, so that it looks
        the same. False if the painter's transform is more than a scale and a move, or it
        paints anything but pixels (an SVG: then the caller draws the node itself)."""
        transform = painter.worldTransform()
        engine = painter.paintEngine()
        if transform.type() not in _MOVE_AND_SCALE or engine is None \
                or engine.type() != QPaintEngine.Type.Raster:
            return False
        sx, sy = transform.m11(), transform.m22()
        ratio = painter.device().devicePixelRatio() if painter.device() is not None else 1.0
        bounds = self._bounds
        # the node's corner on the device, split into whole pixels and the fraction the
        # picture is drawn at: so that it matches, pixel for pixel, what painting would draw
        x = (transform.dx() + bounds.left() * sx) * ratio
        y = (transform.dy() + bounds.top() * sy) * ratio
        left, top = math.floor(x), math.floor(y)
        fx, fy = x - left, y - top
        look = (self.node.type, self.node.name, style.current_theme, self.state == ERROR,
                selected, self.step == "current", readable, self._wired(), self.highlight,
                self.hover_port, faded, sx, sy, ratio, round(fx, 3), round(fy, 3))
        if look != self._look:  # (the key put into words only when it changes)
            self._look = look
            self._body_key = f"node {look}"
        key = self._body_key
        if readable:
            footer, colour = self.footer()
            key = (f"{key} {self._values_colour().rgba()} {self.shape_text} {colour.rgba()} "
                   f"{footer}")
        picture = QPixmap()
        if not QPixmapCache.find(key, picture):
            if key != self._seen_once:  # a look not seen before may not come back: painted
                self._seen_once = key  # as it is (a zoom's every step, new values)
                return False
            picture = self._make_picture(key, painter, selected, readable, faded,
                                         (fx, fy, ratio))
        painter.setWorldTransform(_IDENTITY)
        painter.drawPixmap(QPointF(left / ratio, top / ratio), picture)
        painter.setWorldTransform(transform)
        return True

    def _make_picture(self, key: str, painter: QPainter, selected: bool, readable: bool,
                      faded: float, place: tuple[float, float, float]) -> QPixmap:
        """Make and keep the picture ``key`` names: the body's picture (kept too, made if
        needed) with, if ``readable``, the shape and preview written over it. ``place``: the
        fraction of a pixel the node's corner lies at, and the device's pixel ratio."""
        fx, fy, ratio = place
        transform, bounds = painter.worldTransform(), self._bounds
        sx, sy = transform.m11() * ratio, transform.m22() * ratio
        on_device = QTransform(sx, 0, 0, sy, fx - bounds.left() * sx, fy - bounds.top() * sy)
        picture = QPixmap()
        if not QPixmapCache.find(self._body_key, picture):
            picture = QPixmap(math.ceil(bounds.width() * sx + fx) + 1,
                              math.ceil(bounds.height() * sy + fy) + 1)
            picture.fill(Qt.GlobalColor.transparent)
            _draw_on(picture, painter, on_device, faded,
                     lambda drawing: self._paint_body(drawing, selected, readable))
            picture.setDevicePixelRatio(ratio)
            QPixmapCache.insert(self._body_key, picture)
        if readable:
            picture = picture.copy()
            picture.setDevicePixelRatio(1.0)  # (drawn on in pixels: on_device has the ratio)
            _draw_on(picture, painter, on_device, faded, self._paint_values)
            picture.setDevicePixelRatio(ratio)
            QPixmapCache.insert(key, picture)
        return picture

    def _wired(self) -> str:
        """Which ports are wired, as ``1`` and ``0``: the inputs', then the output's."""
        node = self.node
        out = node in node.graph.nx and bool(node.graph.nx.succ[node])
        return "".join("0" if source is None else "1" for source in node.inputs) + "01"[out]

    def _paint_body(self, painter: QPainter, selected: bool, readable: bool) -> None:
        """The body, title bar, outline, ports and (if ``readable``) the name and the ports'
        names."""
        rect = self._rect
        painter.setPen(_NO_PEN)
        painter.setBrush(style.NODE_BODY)
        painter.drawRoundedRect(rect, self.CORNER, self.CORNER)
        painter.fillPath(_title_path(self.WIDTH, self.TITLE_H, self.CORNER), self.color)
        painter.setBrush(_NO_BRUSH)
        if self.step == "current":
            painter.setPen(_GLOW_PEN)
            painter.drawRoundedRect(rect, self.CORNER, self.CORNER)
        outline = ("current" if self.step == "current" else "selected" if selected
                   else "error" if self.state == ERROR else "")
        painter.setPen(_OUTLINE_PENS[outline])
        painter.drawRoundedRect(rect, self.CORNER, self.CORNER)
        self._paint_ports(painter)
        if readable:
            self._paint_labels(painter)

    def _paint_ports(self, painter: QPainter) -> None:
        painter.setPen(_PORT_OUTLINE)
        for i, source in enumerate(self.node.inputs):
            self._paint_port(painter, ("in", i), source is not None)
        self._paint_port(painter, ("out", 0), bool(self.node.graph.nx.succ[self.node])
                         if self.node in self.node.graph.nx else False)

    def _paint_port(self, painter: QPainter, port: Port, wired: bool) -> None:
        center = self.port_point(port)
        r = self.PORT_R
        if port in self.highlight:
            glow = style.HIGHLIGHT if port == self.hover_port else QColor(127, 224, 255, 110)
            painter.setBrush(glow)
            painter.setPen(_NO_PEN)
            painter.drawEllipse(center, r + 4, r + 4)
            painter.setPen(_PORT_OUTLINE)
        if self._port_style is None:  # made once: nodes are painted often
            self._port_style = QBrush(self.color.lighter(125)), QPen(self.color.lighter(140), 1.5)
        wired_brush, port_pen = self._port_style
        painter.setBrush(wired_brush if wired else _UNWIRED_BRUSH)
        painter.setPen(port_pen)
        painter.drawEllipse(center, r, r)

    def title_texts(self) -> tuple[str, str]:
        """The name as the title bar shows it — cut at a word's end if it is too long (the
        whole name is on hover) — and the op's symbol beside it, left out where it repeats
        the name (a node called ``softmax`` or ``relu_2`` of that op)."""
        w, pad = self.WIDTH, 9.0
        name = self.node.name
        if self._title[0] != name:  # measured once per name
            title_metrics, symbol_metrics, _ = _metrics()
            symbol = "" if _repeats(name, self._symbol) else self._symbol
            symbol_w = min(symbol_metrics.horizontalAdvance(symbol), w * 0.45) if symbol else 0
            name_w = w - 2 * pad - (pad + symbol_w if symbol else 0)
            self._title = name, (elide_words(title_metrics, name, name_w), symbol)
        return self._title[1]

    def _paint_labels(self, painter: QPainter) -> None:
        """The name and the op's symbol in the title bar, and the input ports' names."""
        w, pad = self.WIDTH, 9.0
        name, symbol = self.title_texts()
        if symbol:
            painter.setFont(SYMBOL_FONT)
            symbol_w = min(painter.fontMetrics().horizontalAdvance(symbol), w * 0.45)
            painter.setPen(SYMBOL_COLOR)
            painter.drawText(QRectF(w - pad - symbol_w, 0, symbol_w, self.TITLE_H),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, symbol)
        painter.setFont(TITLE_FONT)
        painter.setPen(style.TITLE_TEXT)
        painter.drawText(QRectF(pad, 0, w - 2 * pad, self.TITLE_H),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
        painter.setFont(LABEL_FONT)
        painter.setPen(style.PORT_LABEL)
        for rect, port_name in zip(_label_rects(len(self.node.op.inputs)), self.node.op.inputs,
                                   strict=True):
            painter.drawText(rect, _LEFT, port_name)

    def _paint_values(self, painter: QPainter) -> None:
        """What changes with the graph's shapes and values: the shape and the foot line."""
        painter.setFont(SHAPE_FONT)
        painter.setPen(self._values_colour())
        painter.drawText(_SHAPE_RECT, _RIGHT, self.shape_text)
        text, colour = self.footer()
        if text:
            painter.setFont(LABEL_FONT)
            painter.setPen(colour)
            painter.drawText(_footer_rect(self.height), _LEFT, text)

    def _values_colour(self) -> QColor:
        """The shape's colour: red for an error, muted while incomplete."""
        return (style.ERROR if self.state == ERROR else style.TEXT if self.state == OK
                else style.MUTED_TEXT)

    def footer(self) -> tuple[str, QColor]:
        """The line at the node's foot and its colour: its value's preview, or the reason it
        has none — cut at a word's end where it is too long (hovering shows it whole)."""
        text, colour = self.preview_text(), style.PORT_LABEL
        if self.step == "current":
            colour = style.HIGHLIGHT
        elif self.step is None and self.state == ERROR and self.message and not (
                isinstance(self.node, (Placeholder, Variable, Constant))
                and self.node.value is not None):
            text, colour = self.message.removeprefix(f"{self.node.name}: "), style.ERROR
        if not text:
            return "", colour
        if self._elided[0] != text:  # measured once per text: a node is painted often
            self._elided = text, elide_words(_metrics()[2], text, self.WIDTH - 2 * 9.0)
        return self._elided[1], colour


def _draw_on(picture: QPixmap, painter: QPainter, on_device: QTransform, faded: float,
             draw: Callable[[QPainter], None]) -> None:
    """``draw`` on ``picture`` through ``on_device``, muted by ``faded``, with ``painter``'s
    render hints."""
    drawing = QPainter(picture)
    drawing.setRenderHints(painter.renderHints())
    drawing.setOpacity(faded)
    drawing.setTransform(on_device)
    draw(drawing)
    drawing.end()


def _repeats(name: str, symbol: str) -> bool:
    """Whether ``name``, but for a ``_2`` suffix, is the op's ``symbol`` (``softmax``)."""
    return re.sub(r"_\d+$", "", name).lower() == symbol.lower()


@cache
def _metrics() -> tuple[QFontMetricsF, QFontMetricsF, QFontMetricsF]:
    """The title's, the symbol's and the footer's font metrics (made once there is an
    application)."""
    return QFontMetricsF(TITLE_FONT), QFontMetricsF(SYMBOL_FONT), QFontMetricsF(LABEL_FONT)


_SHOWN = ("eval_state", "eval_message", "preview", "_preview_of", "_default", "step",
          "step_preview", "highlight", "hover_port")
"""What :meth:`NodeItem._clear_shown` forgets."""
_INPUT_POINTS = [QPointF(0, NodeItem.TITLE_H + NodeItem.ROW_H * (i + 0.5)) for i in range(16)]
_OUTPUT_POINT = QPointF(NodeItem.WIDTH, NodeItem.TITLE_H + NodeItem.ROW_H * 0.5)
_FLAGS = (QGraphicsItem.GraphicsItemFlag.ItemIsMovable
          | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)

# What painting a node needs, made once: a node is painted often (each new value it shows), and
# every Qt enum, pen or rectangle made in Python costs about a microsecond.
_NO_PEN, _NO_BRUSH = Qt.PenStyle.NoPen, Qt.BrushStyle.NoBrush
_MOVE_AND_SCALE = (QTransform.TransformationType.TxNone, QTransform.TransformationType.TxTranslate,
                   QTransform.TransformationType.TxScale)
_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_RIGHT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
_ELIDE = Qt.TextElideMode.ElideRight
_IDENTITY = QTransform()
_GLOW_PEN = QPen(style.HIGHLIGHT_GLOW, 7.0)
_OUTLINE_PENS = {"current": QPen(style.HIGHLIGHT, 2.0), "selected": QPen(style.SELECTED, 2.0),
                 "error": QPen(style.ERROR, 2.0), "": QPen(style.NODE_OUTLINE, 1.0)}
_PORT_OUTLINE = QPen(style.NODE_OUTLINE, 1.2)
_UNWIRED_BRUSH = QBrush(style.NODE_BODY)
_PAD = 9.0
_SHAPE_RECT = QRectF(NodeItem.WIDTH * 0.35, NodeItem.TITLE_H,
                     NodeItem.WIDTH * 0.65 - _PAD - 2, NodeItem.ROW_H)
_SHAPE_DIRTY = _SHAPE_RECT.adjusted(-2, -2, 2, 2)
"""What a new shape repaints (a glyph's antialiasing may reach past its rectangle)."""
_MARKED = {ERROR, BLOCKED}
"""The states drawn beyond the shape: a red title and outline and the error as the foot line,
or the whole node muted."""


@cache
def _label_rects(inputs: int) -> list[QRectF]:
    """Where the input ports' names are written."""
    return [QRectF(_PAD + 2, NodeItem.TITLE_H + NodeItem.ROW_H * i, NodeItem.WIDTH / 2,
                   NodeItem.ROW_H) for i in range(inputs)]


@cache
def _footer_rect(height: float) -> QRectF:
    """Where the preview is written."""
    return QRectF(_PAD, height - NodeItem.FOOTER_H, NodeItem.WIDTH - 2 * _PAD,
                  NodeItem.FOOTER_H - 3)


@cache
def _footer_dirty(height: float) -> QRectF:
    """What a new preview repaints."""
    return _footer_rect(height).adjusted(-2, -2, 2, 2)


def _same(a: np.ndarray, b: np.ndarray | None) -> bool:
    """Whether the tensors ``a`` and ``b`` have the same dtype, shape and elements."""
    return b is not None and a.dtype == b.dtype and np.array_equal(a, b)


@cache
def _geometry(inputs: int) -> tuple[float, QRectF, QRectF]:
    """Height, rectangle and bounds (with the ports) of a node with ``inputs`` input ports."""
    height = NodeItem.TITLE_H + max(1, inputs) * NodeItem.ROW_H + NodeItem.FOOTER_H
    rect = QRectF(0, 0, NodeItem.WIDTH, height)
    m = NodeItem.HIT_R
    return height, rect, rect.adjusted(-m, -4, m, 4)


@cache
def _reach(inputs: int) -> tuple[float, float, float, float]:
    """The bounds of :func:`_geometry` as numbers: left, top, right, bottom."""
    bounds = _geometry(inputs)[2]
    return bounds.left(), bounds.top(), bounds.right(), bounds.bottom()


def _value(node: Node) -> np.ndarray | None:
    """A source's value (``None`` for an operation)."""
    return getattr(node, "value", None)
