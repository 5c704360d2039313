"""PySide6 6.12 on Python 3.11 drops references to None/True (see editor/__init__.py); the
editor pins them, so long sessions of painting and signalling never abort the interpreter."""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QImage, QPainter

import editor  # noqa: F401  (pins the singletons)


class Emitter(QObject):
    fired = Signal(int)


def test_many_void_calls_and_emits_leave_none_and_true_alive():
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    emitter = Emitter()
    emitter.fired.connect(lambda value: None)
    for _ in range(20_000):  # more than None's references in a fresh interpreter
        painter.setPen(QColor("red"))
        emitter.fired.emit(1)
    painter.end()
    assert sys.getrefcount(None) > 1_000_000 and sys.getrefcount(True) > 1_000_000
