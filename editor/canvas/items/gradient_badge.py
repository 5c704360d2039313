"""A small "∇" badge under (or over) a variable's node: its last gradient, so the backward
pass shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from editor import style
from editor.canvas.items.node import NodeItem
from editor.tensor_stats import PREVIEW_ELEMENTS
from engine.tensors import format_tensor

FONT = style.font(8.5)
HEIGHT = 18.0
GAP = 4.0
BODY = QColor.fromRgbF(*(0.85 * a + 0.15 * b for a, b in (
    (style.NODE_BODY.redF(), style.GRADIENT.redF()),
    (style.NODE_BODY.greenF(), style.GRADIENT.greenF()),
    (style.NODE_BODY.blueF(), style.GRADIENT.blueF()))))
"""Opaque (the node's body, tinted): no wire shows through the text."""
Z = 1.0
"""A node carrying a badge is drawn above the others (at 0) and the wires (below them): a
neighbour never covers its badge."""
TOOLTIP_ELEMENTS = 100
"""Gradients up to this size are written out in full in the tooltip."""


def gradient_text(gradient: np.ndarray) -> str:
    """One line: the values (small tensors) or the size of the gradient (its L2 norm)."""
    if gradient.size > PREVIEW_ELEMENTS:
        return f"∇ ‖{np.linalg.norm(gradient):.3g}‖"
    return "∇ " + format_tensor(np.round(gradient.astype(np.float64), 4))


class GradientBadge(QGraphicsItem):
    """Hangs under its :class:`NodeItem` (a child item: it moves with the node) — over it when
    another node takes the room below — and shows ``gradient_text``; the full gradient is in
    its tooltip. Clicks pass through to the canvas."""

    def __init__(self, node_item: NodeItem, gradient: np.ndarray) -> None:
        super().__init__(node_item)
        self.node_item = node_item
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        node_item.setZValue(Z)
        self._rect = self._below()
        self.set_gradient(gradient)

    def _below(self) -> QRectF:
        return QRectF(0, self.node_item.height + GAP, NodeItem.WIDTH, HEIGHT)

    def _above(self) -> QRectF:
        return QRectF(0, -GAP - HEIGHT, NodeItem.WIDTH, HEIGHT)

    def place(self) -> None:
        """Under the node if no other node (or badge) is there, else over it if that is free,
        else under it all the same (drawn above its neighbours)."""
        scene = self.scene()
        if scene is None:
            return
        spots = [self._below(), self._above()]
        for spot in spots:
            area = self.mapRectToScene(spot)
            near = scene.items(area, Qt.ItemSelectionMode.IntersectsItemBoundingRect)
            if not any(item.mapRectToScene(_body(item)).intersects(area)
                       for item in near if item is not self
                       and item is not self.node_item
                       and isinstance(item, (NodeItem, GradientBadge))):
                break
        else:
            spot = spots[0]
        if spot != self._rect:
            self.prepareGeometryChange()
            self._rect = spot

    def body(self) -> QRectF:
        """The badge's pill, in its own coordinates."""
        return self._rect

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if (change == QGraphicsItem.GraphicsItemChange.ItemSceneChange and value is None
                and shiboken6.isValid(self.node_item)):
            self.node_item.setZValue(0)  # taken off the node: it is one of the others again
        return super().itemChange(change, value)

    def set_gradient(self, gradient: np.ndarray) -> None:
        self.gradient = gradient
        self.text = gradient_text(gradient)
        self.place()
        self.update()

    def tooltip(self) -> str:
        """What hovering the badge shows (made then: a badge changes at every snapshot of a
        run): the whole gradient, or its shape and range if it is big, and its norm."""
        gradient = self.gradient
        values = (format_tensor(gradient) if gradient.size <= TOOLTIP_ELEMENTS else
                  f"shape {gradient.shape}, from {gradient.min():.4g} to {gradient.max():.4g}")
        return (f"<b>∇ {self.node_item.node.name}</b>: the gradient of the loss "
                f"(norm {np.linalg.norm(gradient):.4g})<br><pre>{values}</pre>")

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if option.levelOfDetailFromTransform(painter.worldTransform()) < 0.6:
            return  # far out: too small to read (the node draws a plain box there)
        if self.parentItem().flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents:
            return  # the overview draws the whole graph
        painter.setPen(QPen(style.GRADIENT, 1.0))
        painter.setBrush(BODY)
        painter.drawRoundedRect(self._rect, HEIGHT / 2, HEIGHT / 2)
        painter.setFont(FONT)
        painter.setPen(style.GRADIENT)
        text_rect = self._rect.adjusted(8, 0, -8, 0)
        text = painter.fontMetrics().elidedText(self.text, Qt.TextElideMode.ElideRight,
                                                int(text_rect.width()))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         text)


def _body(item: NodeItem | GradientBadge) -> QRectF:
    """What a node or a badge covers (its own coordinates): ports and pill edges aside."""
    return item.body() if isinstance(item, GradientBadge) else QRectF(
        0, 0, NodeItem.WIDTH, item.height)
