"""Text that fits where it is shown: cut at a word's end (never mid-word), or wrapped onto more
lines — with the whole text a hover away."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QFontMetrics,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

ELLIPSIS = "…"
_BREAK = re.compile(r"[\s_,;:/)\]]")
"""Where a word ends: before a space or an underscore; after a comma or a closing bracket (not
at a minus sign or a point, which are part of numbers)."""


def elide_words(metrics: QFontMetrics | QFontMetricsF, text: str, width: float) -> str:
    """``text`` if it fits in ``width`` pixels, else its longest start that ends at a word's
    end and fits with "…" after it (``softmax_cross…``, ``shapes (2,3) and (2,)…``) — unless
    that would drop more than half of what fits (a long first word), which is cut where it
    must be."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    cut = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(width))
    fits = len(cut) - len(ELLIPSIS) if cut.endswith(ELLIPSIS) else len(cut)
    best = 0
    for match in _BREAK.finditer(text, 0, fits + 1):
        end = match.end() if match.group() in ",)]" else match.start()
        if end <= fits:
            best = end
    kept = text[:best].rstrip()
    if 2 * len(kept) < fits:
        return cut
    return kept + ELLIPSIS


class WrappedLabel(QLabel):
    """A label whose text wraps onto as many lines as it needs, however narrow it is made: a
    long text never widens the window, and is never cut — a word too long for a line (a long
    node name) is broken inside. It asks for the height its width needs (its minimum height),
    which the layouts of docks and status bars do not ask of it themselves."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def setText(self, text: str) -> None:  # noqa: N802 — Qt's name
        super().setText(text)
        self._fit_height()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 — Qt's name
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        return math.ceil(self._lines(inner)[1]) + margins.top() + margins.bottom()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 — Qt's name
        super().resizeEvent(event)
        self._fit_height()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802, ARG002 — Qt's name
        rect = self.contentsRect()
        layout, height = self._lines(rect.width())
        top = float(rect.top())
        if self.alignment() & Qt.AlignmentFlag.AlignVCenter:
            top += max(0.0, (rect.height() - height) / 2)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        layout.draw(painter, QPointF(rect.left(), top))

    def _lines(self, width: float) -> tuple[QTextLayout, float]:
        """The text laid out in lines ``width`` wide, and their height."""
        layout = QTextLayout(self.text(), self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        height = 0.0
        while (line := layout.createLine()).isValid():
            line.setLineWidth(max(width, 1.0))
            line.setPosition(QPointF(0, height))
            height += line.height()
        layout.endLayout()
        return layout, height

    def _fit_height(self) -> None:
        height = max(self.heightForWidth(self.width()), self.fontMetrics().height())
        if self.width() > 0 and self.minimumHeight() != height:
            self.setMinimumHeight(height)
