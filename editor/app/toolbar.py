"""The main toolbar: the actions a user looks for there, each with a word and an icon drawn in
the theme's colours (Qt's stock arrows are black on the dark theme)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QToolBar, QWidget

from editor import style

SIZE = 16
"""Icons are drawn on a 16 × 16 grid (at twice that, for sharp edges on any screen)."""
TRAIN_COLOR = QColor("#4cc35d")


def _open(p: QPainter) -> None:
    p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in
                             ((1.5, 3.5), (6, 3.5), (7.5, 5.5), (14.5, 5.5), (14.5, 13),
                              (1.5, 13))]))


def _save(p: QPainter) -> None:
    p.drawPolyline(QPolygonF([QPointF(2, 10), QPointF(2, 14), QPointF(14, 14), QPointF(14, 10)]))
    p.drawLine(QPointF(8, 2), QPointF(8, 10.5))
    p.drawPolyline(QPolygonF([QPointF(4.5, 7), QPointF(8, 10.5), QPointF(11.5, 7)]))


def _undo(p: QPainter, mirror: bool = False) -> None:
    if mirror:
        p.translate(SIZE, 0)
        p.scale(-1, 1)
    path = QPainterPath(QPointF(13.5, 12))
    path.arcTo(QRectF(3, 4.5, 10.5, 9), 0, 180)  # over the top, from right to left
    p.drawPath(path)
    p.drawPolyline(QPolygonF([QPointF(0.8, 6.5), QPointF(3, 9.5), QPointF(5.5, 6.8)]))


def _step(p: QPainter) -> None:
    p.drawPolygon(QPolygonF([QPointF(2.5, 3), QPointF(10, 8), QPointF(2.5, 13)]))
    p.drawLine(QPointF(13, 3), QPointF(13, 13))


def _train(p: QPainter) -> None:
    p.setBrush(TRAIN_COLOR)
    p.setPen(QPen(TRAIN_COLOR, 1.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                  Qt.PenJoinStyle.RoundJoin))
    p.drawPolygon(QPolygonF([QPointF(4, 2.5), QPointF(13.5, 8), QPointF(4, 13.5)]))


def _frame(p: QPainter) -> None:
    for x, y, dx, dy in ((1.5, 1.5, 1, 1), (14.5, 1.5, -1, 1), (1.5, 14.5, 1, -1),
                         (14.5, 14.5, -1, -1)):
        p.drawPolyline(QPolygonF([QPointF(x, y + 4 * dy), QPointF(x, y), QPointF(x + 4 * dx, y)]))
    p.drawRect(QRectF(5.5, 5.5, 5, 5))


DRAWINGS: dict[str, Callable[[QPainter], None]] = {
    "open": _open, "save": _save, "undo": _undo, "redo": lambda p: _undo(p, mirror=True),
    "step": _step, "train": _train, "frame": _frame,
}


def icon(name: str) -> QIcon:
    """The toolbar icon ``name`` (one of :data:`DRAWINGS`), in the theme's text colour."""
    pixmap = QPixmap(2 * SIZE, 2 * SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(2, 2)
    painter.setPen(QPen(style.TEXT, 1.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    DRAWINGS[name](painter)
    painter.end()
    return QIcon(pixmap)


def make_toolbar(parent: QWidget, entries: list[tuple[QAction, str, str] | None]) -> QToolBar:
    """A toolbar of ``(action, word, icon name)`` entries (None: a separator): each action
    shows its icon and its word beside it (its menu entry keeps its own text). A checkable
    action is shown as it is; another by its :func:`mirror`, whose text never changes."""
    bar = QToolBar("Toolbar", parent)
    bar.setObjectName("Toolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.setIconSize(QSize(SIZE, SIZE))
    for entry in entries:
        if entry is None:
            bar.addSeparator()
            continue
        action, word, name = entry
        action.setIcon(icon(name))
        action.setIconText(word)
        if action.toolTip() == word:  # none of its own: the word and the shortcut
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{word} ({keys})" if keys else word)
        bar.addAction(action if action.isCheckable() else mirror(action, bar))
    return bar


def mirror(action: QAction, parent: QObject) -> QAction:
    """An action that stands for ``action`` in a toolbar: its icon, word and tooltip; it
    triggers ``action`` and follows its enabled and visible states, not its text (Undo's
    changes at every edit, and a toolbar lays itself out again when one of its actions
    changes)."""
    twin = QAction(action.icon(), action.iconText(), parent)
    twin.setToolTip(action.toolTip())
    twin.setEnabled(action.isEnabled())
    twin.setVisible(action.isVisible())
    twin.triggered.connect(action.trigger)
    action.enabledChanged.connect(twin.setEnabled)
    action.visibleChanged.connect(twin.setVisible)
    return twin
