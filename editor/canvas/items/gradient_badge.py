"""A small "∇" badge under a variable's node: its last gradient, so the backward pass shows."""

from __future__ import annotations

import numpy as np
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
BODY = QColor(255, 200, 87, 38)
TOOLTIP_ELEMENTS = 100
"""Gradients up to this size are written out in full in the tooltip."""


def gradient_text(gradient: np.ndarray) -> str:
    """One line: the values (small tensors) or the size of the gradient (its L2 norm)."""
    if gradient.size > PREVIEW_ELEMENTS:
        return f"∇ ‖{np.linalg.norm(gradient):.3g}‖"
    return "∇ " + format_tensor(np.round(gradient.astype(np.float64), 4))


class GradientBadge(QGraphicsItem):
    """Hangs under its :class:`NodeItem` (a child item: it moves with the node) and shows
    ``gradient_text``; the full gradient is in its tooltip. Clicks pass through to the canvas."""

    def __init__(self, node_item: NodeItem, gradient: np.ndarray) -> None:
        super().__init__(node_item)
        self.node_item = node_item
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._rect = QRectF(0, node_item.height + GAP, NodeItem.WIDTH, HEIGHT)
        self.set_gradient(gradient)

    def set_gradient(self, gradient: np.ndarray) -> None:
        self.gradient = gradient
        self.text = gradient_text(gradient)
        norm = np.linalg.norm(gradient)
        values = (format_tensor(gradient) if gradient.size <= TOOLTIP_ELEMENTS else
                  f"shape {gradient.shape}, from {gradient.min():.4g} to {gradient.max():.4g}")
        self.setToolTip(f"<b>∇ {self.node_item.node.name}</b>: the gradient of the loss "
                        f"(norm {norm:.4g})<br><pre>{values}</pre>")
        self.update()

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
