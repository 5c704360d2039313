"""PySide6 6.12 on Python 3.11 drops a reference to None per Python override call of a void
virtual; importing the editor must keep the app from aborting after a few thousand repaints."""

from __future__ import annotations

import sys

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QWidget

import editor  # noqa: F401  (applies the fix)


class Painted(QWidget):
    painted = 0

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802
        self.painted += 1


def test_many_repaints_do_not_exhaust_none(qtbot):
    widget = Painted()
    qtbot.addWidget(widget)
    widget.resize(50, 50)
    widget.show()
    qtbot.waitExposed(widget)
    before = sys.getrefcount(None)
    canvas = QPixmap(widget.size())
    for _ in range(20000):  # more than None's natural reference count on Python 3.11
        widget.render(canvas)
    assert widget.painted >= 20000  # and Python is still alive
    assert sys.getrefcount(None) > 1_000_000 or sys.version_info >= (3, 12)
    assert before - sys.getrefcount(None) < 20000
