"""The History dock's list of edits (Qt's undo view), kept out of an edit's frame."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QUndoGroup
from PySide6.QtWidgets import QUndoView

REPAINT_DELAY_MS = 40
"""How long after an edit the list repaints: a few frames, after the edit's values (and at
least this often while edits stream in)."""


class HistoryView(QUndoView):
    """Lists the active document's edits; a click goes back or forward to one of them.

    Qt rebuilds the whole list on every edit, and repainting it with its scroll bar costs as
    much as showing the edit's new values; so the list repaints a moment later, letting the
    values reach the screen first — and while it cannot be seen, it does not follow the edits
    at all (:meth:`set_on_screen`).
    """

    def __init__(self, group: QUndoGroup) -> None:
        super().__init__(group)
        self._group = group
        self._on_screen = True
        self.setEmptyLabel("Start")
        self.setUniformItemSizes(True)
        self._repaint = QTimer(self, singleShot=True, interval=REPAINT_DELAY_MS)
        self._repaint.timeout.connect(lambda: self.setUpdatesEnabled(True))
        group.indexChanged.connect(self._edited)

    def _edited(self) -> None:
        if self.isVisible() and not self._repaint.isActive():  # at most one wait: during a
            self.setUpdatesEnabled(False)  # stream of edits, it still repaints every few frames
            self._repaint.start()

    def set_on_screen(self, on: bool) -> None:
        """Follow the edits only while the list can be seen (its dock is not behind another
        dock's tab): brought to the front, it is built once, as it is now."""
        if on != self._on_screen:
            self._on_screen = on
            self.setGroup(self._group if on else None)  # type: ignore[arg-type]  # (Qt takes None)
