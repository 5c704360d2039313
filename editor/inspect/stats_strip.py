"""The statistics above a tensor's table: six columns, a caption over each figure, painted by
one widget (as twelve labels they took twelve paint events each time the values were shown,
and a figure's new text laid the panel out again)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

STATS = (("min", "min"), ("max", "max"), ("mean", "mean"), ("nan", "NaN"),
         ("posinf", "+inf"), ("neginf", "−inf"))
"""Each statistic's key (a :class:`TensorStats` field) and caption, in order."""
COLUMN_GAP = 16
_ALIGN = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class StatsStrip(QWidget):
    """Six statistics in columns as wide as their caption or figure, ``COLUMN_GAP`` apart:
    the captions muted, the figures in the text colour, or in the alert colour where marked
    (NaN and infinities that occur). Right-click copies a figure or all of them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figures = {key: "—" for key, _ in STATS}
        self._alerts: frozenset[str] = frozenset()
        self.muted = QColor()
        self.alert = QColor()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Statistics")
        self._columns = self._measure()
        self._picture: tuple[tuple[object, ...], QPixmap] | None = None
        """The strip as last drawn, and what it showed: drawn again only when that changes
        (its twelve texts are laid out anew each time they are drawn; the picture is one
        copy)."""
        self._describe()

    def text(self, key: str) -> str:
        """The figure shown for statistic ``key``."""
        return self._figures[key]

    def alerted(self, key: str) -> bool:
        """Whether the figure of ``key`` is in the alert colour."""
        return key in self._alerts

    def set_figures(self, figures: dict[str, str], alerts: frozenset[str] = frozenset()) -> None:
        """Show ``figures`` (by key), those of ``alerts`` in the alert colour; the panel is laid
        out again only if a column's width changed."""
        figures = {**self._figures, **figures}
        if (figures, alerts) == (self._figures, self._alerts):
            return
        self._figures, self._alerts = figures, alerts
        self._describe()
        columns, self._columns = self._columns, self._measure()
        if [width for _, width in columns] != [width for _, width in self._columns]:
            self.updateGeometry()
        self.update()

    def _describe(self) -> None:
        """What a screen reader says of the strip: each caption and its figure."""
        self.setAccessibleDescription(
            ", ".join(f"{caption} {self._figures[key]}" for key, caption in STATS))

    def set_colours(self, muted: QColor, alert: QColor) -> None:
        self.muted, self.alert = QColor(muted), QColor(alert)
        self.update()

    def column_rect(self, key: str) -> QRect:
        """Where the caption and figure of ``key`` are drawn."""
        for (k, _), (x, width) in zip(STATS, self._columns, strict=True):
            if k == key:
                return QRect(x, 0, width, 2 * self._line)
        raise KeyError(key)

    def _measure(self) -> list[tuple[int, int]]:
        """Each column's left edge and width (as a label's size hint measures its text)."""
        metrics = self.fontMetrics()
        room = QRect(0, 0, 2000, 2000)
        self._line = metrics.boundingRect(room, _ALIGN, "0").height()
        columns, x = [], 0
        for key, caption in STATS:
            width = max(metrics.boundingRect(room, _ALIGN, text).width()
                        for text in (caption, self._figures[key]))
            columns.append((x, width))
            x += width + COLUMN_GAP
        return columns

    def sizeHint(self) -> QSize:  # noqa: N802, D102
        x, width = self._columns[-1]
        return QSize(x + width, 2 * self._line)

    def minimumSizeHint(self) -> QSize:  # noqa: N802, D102
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802, D102
        QPainter(self).drawPixmap(0, 0, self._drawn())

    def _drawn(self) -> QPixmap:
        """The strip's picture, drawn again only if what it shows changed."""
        text = self.palette().color(self.foregroundRole())
        ratio = self.devicePixelRatioF()
        shown = (tuple(self._figures.values()), self._alerts, text.rgba(), self.muted.rgba(),
                 self.alert.rgba(), self.font().key(), self.width(), self.height(), ratio)
        if self._picture is not None and self._picture[0] == shown:
            return self._picture[1]
        picture = QPixmap(max(round(self.width() * ratio), 1), max(round(self.height() * ratio), 1))
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        painter.setFont(self.font())
        line = self._line
        for (key, caption), (x, width) in zip(STATS, self._columns, strict=True):
            painter.setPen(self.muted)
            painter.drawText(QRect(x, 0, width, line), _ALIGN, caption)
            painter.setPen(self.alert if key in self._alerts else text)
            painter.drawText(QRect(x, line, width, line), _ALIGN, self._figures[key])
        painter.end()
        self._picture = (shown, picture)
        return picture

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802, D102
        if event.type() == QEvent.Type.FontChange:
            self._columns = self._measure()
            self.updateGeometry()
        super().changeEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802, D102
        menu = QMenu(self)
        under = next((key for key, _ in STATS if self.column_rect(key).contains(event.pos())),
                     None)
        if under is not None:
            figure = self._figures[under]
            menu.addAction(f"Copy {dict(STATS)[under]} ({figure})",
                           lambda: QGuiApplication.clipboard().setText(figure))
        menu.addAction("Copy the statistics", self.copy)
        menu.exec(event.globalPos())

    def copy(self) -> None:
        """Put every statistic on the clipboard, a ``caption<TAB>figure`` line each."""
        QGuiApplication.clipboard().setText(
            "\n".join(f"{caption}\t{self._figures[key]}" for key, caption in STATS))
