"""Widgets whose children show, hide or change text without laying out the panel around them.

A widget shown or hidden in a layout, or a label given new text, invalidates the layout it is
in, and each layout activated asks its widget's parent to lay out again, up to the window:
a Tensor dock panel switching between its value and a message was laid out from its label up
to the dock. The children of a widget without a layout only ask that widget, which here
passes the request on only if its own size hints changed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QWidget


class Overlaid(QWidget):
    """``base`` with ``cover`` over it, both as large as this widget; ``cover`` is shown
    (:meth:`set_covered`) or hidden without laying anything out (an opaque cover hides
    ``base`` from Qt's painting too). The size hints are the larger of the two children's,
    as a ``QStackedWidget``'s are."""

    def __init__(self, base: QWidget, cover: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base, self.cover = base, cover
        base.setParent(self)
        cover.setParent(self)
        cover.raise_()
        self._hints = self._measure()

    def set_covered(self, covered: bool) -> None:
        """Show ``cover`` over ``base`` (true), or ``base`` alone."""
        self.cover.setVisible(covered)

    def currentIndex(self) -> int:  # noqa: N802  (as a QStackedWidget's)
        """0 while ``base`` is in front, 1 while ``cover`` lies over it."""
        return int(self.cover.isVisibleTo(self))

    def sizeHint(self) -> QSize:  # noqa: N802, D102
        return self._measure()[0]

    def minimumSizeHint(self) -> QSize:  # noqa: N802, D102
        return self._measure()[1]

    def _measure(self) -> tuple[QSize, QSize]:
        base, cover = self.base, self.cover
        return (base.sizeHint().expandedTo(cover.sizeHint()),
                base.minimumSizeHint().expandedTo(cover.minimumSizeHint()))

    def event(self, event: QEvent) -> bool:  # noqa: D102
        if event.type() == QEvent.Type.LayoutRequest:
            hints, self._hints = self._hints, self._measure()
            if hints != self._hints:  # (the panel lays out again only if they changed)
                self.updateGeometry()
            return True
        return super().event(event)

    def resizeEvent(self, event: QEvent) -> None:  # noqa: N802, D102
        rect = self.rect()
        self.base.setGeometry(rect)
        self.cover.setGeometry(rect)


class Shelf(QWidget):
    """Widgets in a row, ``spacing`` apart, each always in its place: one hidden leaves a
    gap (as a layout's widget that retains its size when hidden), and shown or hidden lays
    out nothing. The shelf is as large as the row (a fixed size, so that the layout it is in
    is laid out again only when its widgets' size hints change)."""

    def __init__(self, widgets: list[QWidget], spacing: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widgets, self.spacing = widgets, spacing
        for widget in widgets:
            widget.setParent(self)
        self._place()

    def _place(self) -> None:
        x, height = 0, max(w.sizeHint().height() for w in self.widgets)
        for widget in self.widgets:
            hint = widget.sizeHint()
            widget.setGeometry(x, (height - hint.height()) // 2, hint.width(), hint.height())
            x += hint.width() + self.spacing
        size = QSize(x - self.spacing, height)
        if size != self.size() or size != self.minimumSize():
            self.setFixedSize(size)

    def event(self, event: QEvent) -> bool:  # noqa: D102
        if event.type() == QEvent.Type.LayoutRequest:  # a widget shown, hidden or changed
            self._place()
            return True
        return super().event(event)
