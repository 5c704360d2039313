"""The window's status bar: a message wraps onto a second line rather than being cut."""

from __future__ import annotations

from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QStatusBar, QWidget

from editor.words import WrappedLabel


class StatusBar(QStatusBar):
    """Shows each message (``showMessage``, ``currentMessage`` as ever) in a label that wraps
    it, instead of drawing it on one line cut at the window's edge."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = WrappedLabel()
        self.label.setObjectName("statusMessage")
        self.label.setContentsMargins(4, 0, 0, 0)
        self.addPermanentWidget(self.label, 1)  # permanent: a message does not hide it
        self.messageChanged.connect(self.label.setText)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802, ARG002 — Qt's name
        """Nothing of its own: the label shows the message (Qt would draw it again, cut)."""
