"""The Qt binding must not leak references to None or True: PySide6 6.12.0 drops one on every
call of a void method or signal emit, and the interpreter aborts after a few thousand repaints
(pyproject excludes that release). This test catches a binding with the same fault."""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QImage, QPainter


class Emitter(QObject):
    fired = Signal(int)


def test_void_calls_and_emits_keep_none_and_true_referenced():
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    emitter = Emitter()
    emitter.fired.connect(lambda value: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2_000):
        painter.setPen(QColor("red"))
        emitter.fired.emit(1)
    painter.end()
    assert abs(sys.getrefcount(None) - none_before) < 100
    assert abs(sys.getrefcount(True) - true_before) < 100
