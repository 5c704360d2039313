"""The Tab search: a small box over the canvas that adds the chosen node at the cursor, as
tall as the ops that match (up to :data:`MAX_ROWS`)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from editor import style
from engine.registry import OpDef, all_ops

MAX_ROWS = 12
"""Rows the list shows before it scrolls."""
WIDTH = 240


def matches(opdef: OpDef, text: str) -> int | None:
    """How well ``opdef`` matches the search ``text`` (lower is better; None: no match)."""
    text = text.strip().lower()
    if not text:
        return 3
    name = opdef.type.lower()
    if name.startswith(text):
        return 0
    if text in name or text == (opdef.symbol or "").lower():
        return 1
    if text in opdef.category.lower() or text in opdef.doc.lower():
        return 2
    return None


class NodeSearch(QFrame):
    """A filter box and the op types matching it; Enter (or a click) emits ``chosen`` with the
    op type and the scene point the search was opened at."""

    chosen = Signal(str, QPointF)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("NodeSearch")
        self.setStyleSheet("#NodeSearch { background: #2a2e35; border: 1px solid #4a515c;"
                           " border-radius: 5px; }")
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Add node…")
        self.list = QListWidget(self)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.setFixedWidth(WIDTH)
        self.scene_pos = QPointF()
        self._corner = QPoint()
        self.edit.textChanged.connect(self._filter)
        self.edit.installEventFilter(self)
        self.list.itemClicked.connect(self._choose)
        self.hide()

    def open(self, at: QPoint, scene_pos: QPointF) -> None:
        """Show the box with its corner at ``at`` (parent coordinates), kept inside."""
        self.scene_pos = scene_pos
        self._corner = at
        self.edit.clear()
        self._filter("")
        self.show()
        self.raise_()
        self.edit.setFocus()

    def _filter(self, text: str) -> None:
        self.list.clear()
        ranked = sorted(((rank, op.type, op) for op in all_ops()
                         if (rank := matches(op, text)) is not None), key=lambda r: r[:2])
        for _, _, op in ranked:
            item = QListWidgetItem(f"{op.type}    {op.symbol or ''}".rstrip())
            item.setData(Qt.ItemDataRole.UserRole, op.type)
            item.setToolTip(op.doc)
            item.setIcon(style.swatch(style.op_color(op).rgba()))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._fit()

    def _fit(self) -> None:
        """As tall as the matching ops (the list hidden when none does), kept inside the
        canvas with its corner at the point it was opened at if it can be."""
        rows = min(self.list.count(), MAX_ROWS)
        self.list.setVisible(rows > 0)
        if rows:
            frame = 2 * self.list.frameWidth()
            self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + frame)
        self.adjustSize()
        parent = self._parent.rect()
        x = min(max(self._corner.x(), 0), max(parent.width() - self.width(), 0))
        y = min(max(self._corner.y(), 0), max(parent.height() - self.height(), 0))
        self.move(x, y)

    def _choose(self, item: QListWidgetItem | None = None) -> None:
        item = item or self.list.currentItem()
        self.hide()
        if item is not None:
            self.chosen.emit(item.data(Qt.ItemDataRole.UserRole), self.scene_pos)
        self._parent.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose()
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                self._parent.setFocus()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = min(max(self.list.currentRow() + step, 0), self.list.count() - 1)
                self.list.setCurrentRow(row)
                return True
        if watched is self.edit and event.type() == QEvent.Type.FocusOut and self.isVisible():
            if not self.list.underMouse():
                self.hide()
        return super().eventFilter(watched, event)
