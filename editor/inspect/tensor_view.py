"""The Tensor dock's content: each selected node's value — statistics, table, heatmap — or
why it has none (its error, or the failed node it is blocked by)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTabBar,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.inspect.overlay import Overlaid, Shelf
from editor.inspect.stats_strip import StatsStrip
from editor.inspect.tensor_model import TensorTableModel
from editor.tensor_stats import TensorStats, format_number, format_stat, tensor_stats
from engine.tensors import format_shape, format_tensor

if TYPE_CHECKING:
    from editor.compute.service import Evaluation
    from editor.inspect.heatmap import Heatmap

COPY_IN_BACKGROUND = 100_000
"""Tensors with more elements than this are formatted for the clipboard off the GUI thread."""
SHORT_VECTOR = 8
"""Vectors up to this length are shown by the table alone; longer ones get a heatmap strip."""
SCALAR_SIZE = 2.0
"""A scalar's number, this many times the panel's font."""
EXPORT_FILTERS = "NumPy array (*.npy);;CSV table (*.csv)"
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
LAYOUT_LEVELS = 12
"""Widget levels from a label in a panel up to the window (see :func:`settle_layouts`)."""


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def alert_colour(palette: QPalette) -> QColor:
    """A red that reads well on the palette's background."""
    return QColor("#ff7b72") if is_dark(palette) else QColor("#c62828")


def muted_colour(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.PlaceholderText)


class TensorPanel(QWidget):
    """One named value: a header (name, shape, dtype, Copy, Export…), statistics, a slice
    selector for rank > 2, and the values as a table (precision adjustable) beside a heatmap —
    a scalar as one large number. ``set_error`` and ``set_blocked`` show why there is no value
    instead."""

    copied = Signal()
    value_wanted = Signal(str)
    """The user asked to give this placeholder (its name) a value."""
    pin_toggled = Signal(str, bool)
    """The user pinned (true) or unpinned this panel's node."""
    _formatted = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatted.connect(self._on_formatted)
        self.name = name
        self.value: np.ndarray | None = None
        self.stats: TensorStats | None = None
        self.tab_icon: QStyle.StandardPixmap | None = None
        """The icon of the panel's tab in the :class:`TensorView` (none, error, blocked)."""

        self.title = QLabel(name)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setFixedSize(0, 0)  # (see _set_subtitle)
        self.rows_label = QLabel()
        self.rows_label.setToolTip("The rows of the bound data this value is computed from "
                                   "(the preview batch: choose it in the Data dock)")
        self.rows_label.hide()
        self.hover_label = QLabel()
        self.pin_button = QToolButton()
        self.pin_button.setText("Pin")
        self.pin_button.setCheckable(True)
        self.pin_button.setToolTip("Keep showing this node when the selection changes")
        self.pin_button.toggled.connect(lambda on: self.pin_toggled.emit(self.name, on))
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the value as a numpy/JSON literal")
        self.copy_button.clicked.connect(self.copy)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the value as .npy or .csv")
        self.export_button.clicked.connect(self.export)
        # (on a shelf: shown and hidden with the value, they lay out nothing)
        self.value_buttons = Shelf([self.copy_button, self.export_button], _row_spacing(self))
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.subtitle)
        header.addSpacing(12)
        header.addWidget(self.hover_label)
        header.addStretch(1)
        header.addWidget(self.pin_button)
        header.addWidget(self.value_buttons)

        self.stats_strip = StatsStrip()

        self.slice_label = QLabel()
        self.slice_spins: list[QSpinBox] = []
        self.slice_row = QHBoxLayout()
        self.slice_row.setSpacing(4)
        self.slice_box = QWidget()
        self.slice_box.setLayout(self.slice_row)
        self.slice_row.setContentsMargins(0, 0, 0, 0)
        self.precision = QSpinBox()
        self.precision.setRange(0, 15)
        self.precision.setValue(4)
        self.precision.setPrefix("precision ")
        self.precision.setToolTip("Decimals shown in the table")
        self.precision.valueChanged.connect(self._on_precision)
        table_bar = QHBoxLayout()  # (beside the statistics it widened a docked panel)
        table_bar.addWidget(self.slice_box)
        table_bar.addStretch(1)
        table_bar.addWidget(self.precision)

        self.model = TensorTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        for header_view in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header_view.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header_view.setHighlightSections(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        copy_cells = QAction("Copy cells", self.table)
        copy_cells.setShortcut(QKeySequence.StandardKey.Copy)
        copy_cells.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_cells.triggered.connect(self.copy_selected_cells)
        self.table.addAction(copy_cells)
        self._heatmap: Heatmap | None = None
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.setChildrenCollapsible(False)

        self.scalar = QLabel()
        """A scalar's value, large (instead of a one-cell table under three equal
        statistics)."""
        font = QFont(self.scalar.font())
        font.setPointSizeF(font.pointSizeF() * SCALAR_SIZE)
        self.scalar.setFont(font)
        self.scalar.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scalar.hide()

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.values_page = values_page = QWidget()
        values_layout = QVBoxLayout(values_page)
        values_layout.setContentsMargins(0, 0, 0, 0)
        values_layout.addWidget(self.stats_strip)
        values_layout.addLayout(table_bar)
        values_layout.addWidget(self.splitter, 1)
        values_layout.addWidget(self.scalar, 1, Qt.AlignmentFlag.AlignTop)
        values_layout.addWidget(self.notice)

        self.message_icon = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.fix_button = QPushButton()
        self._wants_value = ""
        self.fix_button.clicked.connect(lambda: self.value_wanted.emit(self._wants_value))
        message_text = QVBoxLayout()
        message_text.addWidget(self.message)
        message_text.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignLeft)
        message_text.addStretch(1)
        self.message_page = message_page = QWidget()
        message_page.setAutoFillBackground(True)  # it lies over the values page
        message_layout = QHBoxLayout(message_page)
        message_layout.addWidget(self.message_icon, 0, Qt.AlignmentFlag.AlignTop)
        message_layout.addLayout(message_text, 1)

        # the values page stays shown and the message page lies over it, shown or hidden:
        # the values' table, statistics and heatmap are neither hidden nor laid out again
        # (a value that comes back is shown at once), and nothing around them is laid out
        self.pages = Overlaid(values_page, message_page)
        values_page.hide()  # until there is a value
        message_page.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.rows_label)  # (a line of its own: the header stays narrow)
        layout.addWidget(self.pages, 1)
        self._apply_palette()

    # ---- public ---------------------------------------------------------------------------

    @property
    def heatmap(self) -> Heatmap:
        """The heatmap beside the table, made (hidden) when first needed: a pyqtgraph plot
        takes longer to make than the rest of the panel, and Ctrl+A makes twelve panels."""
        if self._heatmap is None:
            from editor.inspect.heatmap import Heatmap  # pyqtgraph loads when first needed

            self._heatmap = Heatmap()
            self._heatmap.hide()
            self._heatmap.hovered.connect(self.hover_label.setText)
            self._heatmap.apply_palette(self.palette())
            self.splitter.addWidget(self._heatmap)
            self.splitter.setSizes([1, 1])
        return self._heatmap

    @property
    def mode(self) -> str:
        """``"value"``, ``"error"``, ``"blocked"`` or ``"empty"``."""
        return self._mode

    @property
    def slice_index(self) -> tuple[int, ...]:
        """The indices chosen for the leading axes of a tensor of rank > 2."""
        return tuple(spin.value() for spin in self.slice_spins)

    def set_slice(self, index: Iterable[int]) -> None:
        for spin, i in zip(self.slice_spins, index, strict=False):
            spin.setValue(i)

    def rename(self, name: str) -> None:
        """Show the value as ``name``'s (its node was renamed)."""
        self.name = name
        self.title.setText(name)

    def set_rows(self, text: str) -> None:
        """Say which rows of the bound data the value is computed from (``""``: none)."""
        self.rows_label.setText(f"computed from {text}" if text else "")
        self.rows_label.setVisible(bool(text))

    def set_value(self, value: Any) -> None:
        """Show ``value``; the slice and precision chosen are kept when the shape allows.
        The same value again changes nothing (the value shown before an error or a block
        only comes back to the front); while the panel cannot be seen (behind another tab),
        it is shown when it can (:meth:`flush`)."""
        array = np.asarray(value)
        if self._mode == "value" and _same(array, self.value):
            return
        self._mode = "value"
        self.value, self.stats = array, None
        if self._shown is not None and _same(array, self._shown[0]):
            self.value, self.stats = self._shown  # the values page shows it already
        self._stale = True
        if self.on_screen and self.isVisible():
            self.flush()

    def flush(self) -> None:
        """Bring the widgets up to date with what was set while the panel could not be
        seen: a value (its statistics and table made only if the values page does not show
        it already) or a message."""
        if not self._stale:
            return
        self._stale = False
        if self._mode != "value":
            self._show_message_page()
            return
        array = self.value
        assert array is not None  # (set with the mode)
        if self.stats is None:
            self.stats = stats = tensor_stats(array)
            self._shown = (array, stats)
            if array.ndim:  # (a scalar is its own statistics)
                self._show_stats()
            self._build_slice_selector(array.shape)
            self._show_slice()
        self._show_values_page()

    def _show_values_page(self) -> None:
        """The values page to the front, with the value's shape and type as the subtitle."""
        assert self.stats is not None and self.value is not None  # a value is shown
        self._set_subtitle(f"{format_shape(self.stats.shape) if self.value.ndim else 'scalar'}"
                           f"  {self.stats.dtype}")
        self.copy_button.show()
        self.export_button.show()
        self.values_page.show()
        self.pages.set_covered(False)

    def set_error(self, message: str, wants_value: bool = False) -> None:
        """Show the engine's message instead of a value (this node failed); ``wants_value``
        (a placeholder without one) offers to set it."""
        message = message.removeprefix(f"{self.name}: ")  # the title names it already
        self._show_message("error", message, QStyle.StandardPixmap.SP_MessageBoxCritical,
                           self.name if wants_value else "")

    def set_blocked(self, culprit: str, message: str = "", wants_value: bool = False) -> None:
        """Show that this node waits on ``culprit``, which failed with ``message``;
        ``wants_value`` (the culprit is a placeholder without a value) offers to set it."""
        text = f"Blocked by {culprit}"
        message = message.removeprefix(f"{culprit}: ")  # said just before
        self._show_message("blocked", f"{text}:\n{message}" if message else text + ".",
                           QStyle.StandardPixmap.SP_MessageBoxWarning,
                           culprit if wants_value else "")

    def copy(self) -> None:
        """Put the value on the clipboard as a numpy/JSON literal (a big one is formatted in
        the background; ``copied`` is emitted when it is on the clipboard)."""
        value = self.value
        if value is None:
            return
        if value.size <= COPY_IN_BACKGROUND:
            self._on_formatted(format_tensor(value))
            return
        self._notify(f"Copying {value.size:,} values…")

        def work() -> None:
            text = format_tensor(value)
            with contextlib.suppress(RuntimeError):  # the panel was closed meanwhile
                self._formatted.emit(text)

        threading.Thread(target=work, name="copy tensor", daemon=True).start()

    def copy_selected_cells(self) -> None:
        """Put the selected block of the table on the clipboard, tab-separated, at full
        precision (it pastes into spreadsheets)."""
        indexes = self.table.selectionModel().selectedIndexes()
        if not indexes:
            return
        rows = [i.row() for i in indexes]
        columns = [i.column() for i in indexes]
        block = self.model.array[min(rows) : max(rows) + 1, min(columns) : max(columns) + 1]
        QGuiApplication.clipboard().setText(
            "\n".join("\t".join(_exact(v) for v in row) for row in block))
        self._notify(f"Copied {block.size} cell{'s' if block.size != 1 else ''}.")

    def _on_formatted(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self._notify(f"Copied {self.name} to the clipboard.")
        self.copied.emit()

    def export(self) -> bool:
        """Ask for a file and write the value to it as .npy or .csv; true if it was written."""
        if self.value is None:
            return False
        path, chosen = QFileDialog.getSaveFileName(self, f"Export {self.name}",
                                                   f"{self.name}.npy", EXPORT_FILTERS)
        if not path:
            return False
        target = Path(path)
        if target.suffix.lower() not in (".npy", ".csv"):
            target = target.with_name(target.name + (".csv" if "csv" in chosen else ".npy"))
        try:
            if target.suffix.lower() == ".csv":
                write_csv(target, self.value)
            else:
                np.save(target, self.value)
        except (OSError, ValueError) as error:
            self._notify(f"Could not export {self.name}: {error}", alert=True)
            return False
        self._notify(f"Exported {self.name} to {target}.")
        return True

    # ---- inside ---------------------------------------------------------------------------

    _mode = "empty"
    _stale = False
    """Whether a value or a message was set while the panel could not be seen (another tab,
    or its dock behind another dock's), and is not shown yet."""
    _shown: tuple[np.ndarray, TensorStats] | None = None
    """The value the values page shows, and its statistics (also while a message is over
    it)."""
    _message: tuple[str, QStyle.StandardPixmap] = ("", QStyle.StandardPixmap.SP_MessageBoxWarning)
    """The text and icon of the last error or block."""
    on_screen = True
    """Whether the panel's view can be seen (see :meth:`TensorView.set_on_screen`)."""
    _message_icon: tuple[QStyle.StandardPixmap, int] | None = None

    def _show_message(self, mode: str, text: str, icon: QStyle.StandardPixmap,
                      wants_value: str) -> None:
        self._mode = mode
        self._wants_value = wants_value
        self.value = self.stats = None
        self._message = (text, icon)
        self._stale = True
        if self.on_screen and self.isVisible():
            self.flush()

    def _show_message_page(self) -> None:
        """The message page over the values, saying what :meth:`_show_message` was given."""
        mode, (text, icon), wants_value = self._mode, self._message, self._wants_value
        self.fix_button.setText(f"Give {wants_value} a value…")
        self.fix_button.setVisible(bool(wants_value))
        self._set_subtitle("error" if mode == "error" else "blocked")
        self.message.setText(text)
        colour = alert_colour(self.palette()) if mode == "error" else muted_colour(self.palette())
        sheet = f"color: {colour.name()}"
        if self.message.styleSheet() != sheet:  # a style sheet set again re-polishes
            self.message.setStyleSheet(sheet)
        size = self.fontMetrics().height() * 2
        if self._message_icon != (icon, size):  # a new pixmap lays the panel out again
            self._message_icon = (icon, size)
            self.message_icon.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        self.copy_button.hide()
        self.export_button.hide()
        self.notice.hide()
        self.pages.set_covered(True)

    def _set_subtitle(self, text: str) -> None:
        """Show ``text`` beside the title. The subtitle keeps the width of the widest text it
        showed (a fixed size): switching between a value's shape and "blocked" or "error"
        lays out nothing."""
        label = self.subtitle
        label.setText(text)
        # (its size hint, measured as a label measures its text: the label's own takes longer)
        hint = label.fontMetrics().boundingRect(QRect(0, 0, 2000, 2000), _LEFT, text).size()
        if hint.width() > label.maximumWidth() or hint.height() != label.maximumHeight():
            label.setFixedSize(max(hint.width(), label.maximumWidth()), hint.height())

    def _build_slice_selector(self, shape: tuple[int, ...]) -> None:
        leading = shape[:-2] if len(shape) > 2 else ()
        if len(leading) == len(self.slice_spins):
            for spin, size in zip(self.slice_spins, leading, strict=True):
                spin.setMaximum(max(size - 1, 0))
            return
        for spin in self.slice_spins:
            spin.deleteLater()
        self.slice_spins = []
        while self.slice_row.count():
            item = self.slice_row.takeAt(0)
            assert item is not None  # count() > 0
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        if not leading:
            self.slice_box.hide()
            return
        self.slice_row.addWidget(QLabel("Slice"))
        for axis, size in enumerate(leading):
            spin = QSpinBox()
            spin.setRange(0, max(size - 1, 0))
            spin.setPrefix(f"axis {axis}: ")
            spin.setToolTip(f"Index along axis {axis} (size {size})")
            spin.valueChanged.connect(self._show_slice)
            self.slice_row.addWidget(spin)
            self.slice_spins.append(spin)
        self.slice_row.addWidget(self.slice_label)
        self.slice_row.addStretch(1)
        self.slice_box.show()

    def _show_slice(self) -> None:
        if self._shown is None:
            return
        array = self._shown[0]
        self._show_as_scalar(array.ndim == 0)
        if array.ndim == 0:
            self._show_scalar()
            return
        if array.ndim > 2:
            index = self.slice_index
            self.slice_label.setText(f"[{', '.join(map(str, index))}, :, :]")
            empty = any(size == 0 for size in array.shape[:-2])
            array = np.zeros(array.shape[-2:], array.dtype) if empty else array[index]
        self.model.set_array(array)
        self._size_columns()
        plane = (array.ndim == 2 or array.ndim == 1 and array.size > SHORT_VECTOR) and (
            array.size > 0 and array.dtype.kind in "biufc")
        if plane:
            self.heatmap.set_array(self.model.array)
        if self._heatmap is not None:
            self._heatmap.setVisible(plane)

    def _show_as_scalar(self, scalar: bool) -> None:
        """Show a scalar as one large number, or a tensor as statistics and a table."""
        if self.scalar.isVisibleTo(self) != scalar:
            self.stats_strip.setVisible(not scalar)
            self.splitter.setVisible(not scalar)
            self.scalar.setVisible(scalar)

    def _show_scalar(self) -> None:
        """The scalar shown at the precision chosen (in red if NaN or infinite; the tooltip
        has every digit)."""
        assert self._shown is not None  # (a value is shown)
        array, stats = self._shown
        value = array[()]
        self.scalar.setText(format_number(value, self.precision.value()))
        alert = bool(stats.nan or stats.posinf or stats.neginf)
        sheet = f"color: {alert_colour(self.palette()).name()}" if alert else ""
        if self.scalar.styleSheet() != sheet:  # (a style sheet set again re-polishes)
            self.scalar.setStyleSheet(sheet)
        self.scalar.setToolTip(_exact(value))

    def _size_columns(self) -> None:
        """Column width from a sample of cells (never all of them)."""
        a = self.model.array
        samples = [self.model.cell_text(r, c) for r, c in _sample_cells(a.shape)]
        stats = self._shown[1] if self._shown is not None else None
        if stats is not None and a.dtype.kind in "iuf":
            samples += [format_number(v, self.model.precision)
                        for v in (stats.min, stats.max) if v is not None]
        metrics = self.table.fontMetrics()
        width = max([metrics.horizontalAdvance(s) for s in samples] + [24]) + 14
        self.table.horizontalHeader().setDefaultSectionSize(width)

    def _show_stats(self) -> None:
        assert self._shown is not None
        stats, precision = self._shown[1], self.precision.value()
        counts = {key: getattr(stats, key) for key in ("nan", "posinf", "neginf")}
        self.stats_strip.set_figures(
            {**{key: format_stat(getattr(stats, key), precision) for key in ("min", "max", "mean")},
             **{key: str(count) for key, count in counts.items()}},
            frozenset(key for key, count in counts.items() if count))

    def _on_precision(self, precision: int) -> None:
        self.model.set_precision(precision)
        if self._shown is not None and not self._stale:
            if self._shown[0].ndim == 0:
                self._show_scalar()
                return
            self._show_stats()
            self._size_columns()

    def _notify(self, text: str, alert: bool = False) -> None:
        colour = alert_colour(self.palette()) if alert else muted_colour(self.palette())
        self.notice.setStyleSheet(f"color: {colour.name()}")
        self.notice.setText(text)
        self.notice.show()

    def _apply_palette(self) -> None:
        palette = self.palette()
        muted = muted_colour(palette).name()
        self.subtitle.setStyleSheet(f"color: {muted}")
        self.hover_label.setStyleSheet(f"color: {muted}")
        self.stats_strip.set_colours(muted_colour(palette), alert_colour(palette))
        self.model.alert = alert_colour(palette)
        if self._heatmap is not None:
            self._heatmap.apply_palette(palette)
        if self._shown is not None and self._shown[0].ndim == 0:
            self._show_scalar()  # (its red is the palette's)

    def changeEvent(self, event: Any) -> None:  # noqa: N802
        if event.type() == event.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:  # noqa: N802
        self.flush()
        super().showEvent(event)


def _row_spacing(widget: QWidget) -> int:
    """The space a row of buttons in ``widget`` leaves between two of them (a layout's)."""
    style = widget.style()
    spacing = style.pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
    if spacing < 0:
        spacing = style.layoutSpacing(QSizePolicy.ControlType.PushButton,
                                      QSizePolicy.ControlType.PushButton,
                                      Qt.Orientation.Horizontal)
    return spacing


def _same(a: np.ndarray, b: np.ndarray | None) -> bool:
    """Whether ``a`` and ``b`` are the same tensor: dtype, shape and elements."""
    return b is not None and a.dtype == b.dtype and a.shape == b.shape and bool(
        np.array_equal(a, b))


def _sample_cells(shape: tuple[int, int], count: int = 8) -> list[tuple[int, int]]:
    rows, columns = shape
    if not rows or not columns:
        return []
    if rows <= count and columns <= count:  # every cell (numpy's work costs more here)
        return [(r, c) for r in range(rows) for c in range(columns)]
    rs = np.unique(np.linspace(0, rows - 1, min(rows, count)).astype(int))
    cs = np.unique(np.linspace(0, columns - 1, min(columns, count)).astype(int))
    return [(int(r), int(c)) for r in rs for c in cs]


def _exact(v: Any) -> str:
    """One element as the shortest text that reads back to it (``1+2j`` for complex)."""
    if isinstance(v, (np.integer, np.bool_)):
        return str(int(v))
    return repr(v.item()).strip("()")


def write_csv(path: Path, value: Any) -> None:
    """Write a 1-D or 2-D tensor as CSV (one row per line); ``ValueError`` for other ranks."""
    a = np.asarray(value)
    if a.ndim not in (1, 2):
        raise ValueError(f"CSV holds 1-D or 2-D tensors, and this one has shape "
                         f"{format_shape(a.shape)}; export it as .npy instead")
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    path.write_text("".join(",".join(map(_exact, row)) + "\n" for row in rows), encoding="utf-8")


class QuietTabs(QTabWidget):
    """A tab widget that lays itself out again only when its tab bar changed.

    Qt's tab widget places its tab bar and its pages, and repaints itself and every page,
    whenever a ``LayoutRequest`` reaches it — and one does whenever any widget inside a page
    changes its size hint (a statistic's label taking new text): a new value would repaint
    the whole dock, and a tab's new name too. Where the tab bar and the pages go depends only
    on the tab bar (its size — in document mode only its height: it spans the widget — and
    visibility) and the widget's own size (a resize lays it out at once), so while that has
    not changed such a request is dropped (the tab bar lays out its tabs itself); if the size
    hints changed, the parent is told, as Qt would."""

    _bar: tuple[int, int, bool] | None = None
    _hints: tuple[QSize, QSize] | None = None

    def event(self, event: QEvent) -> bool:  # noqa: D102
        if event.type() == QEvent.Type.LayoutRequest:
            if not self.isVisible():
                self._bar = None  # Qt lays it out when it is shown
            else:
                placed, self._bar = self._bar, self._bar_key()
                hints, self._hints = self._hints, (self.sizeHint(), self.minimumSizeHint())
                if placed == self._bar:
                    if hints != self._hints:
                        self.updateGeometry()
                    return True
        return super().event(event)

    def _bar_key(self) -> tuple[int, int, bool]:
        """What places the tab bar and the pages: the tab bar's size (only its height, or its
        width for tabs on a side, in document mode: it spans the widget) and visibility."""
        bar = self.tabBar()
        hint = bar.sizeHint()
        visible = bar.isVisibleTo(self)
        if self.documentMode():
            side = self.tabPosition() in (QTabWidget.TabPosition.West,
                                          QTabWidget.TabPosition.East)
            return (hint.width(), 0, visible) if side else (0, hint.height(), visible)
        return hint.width(), hint.height(), visible


class SteadyTabBar(QTabBar):
    """A tab bar as tall as with an icon when no tab has one: a tab marked (error, blocked)
    or unmarked leaves the bar's height, and so every page's size, as it was (else the whole
    panel below would be laid out and painted again)."""

    def tabSizeHint(self, index: int) -> QSize:  # noqa: N802, D102
        hint = super().tabSizeHint(index)
        vertical = self.shape() in _SIDE_SHAPES
        if self.tabIcon(index).isNull() and not vertical:
            missing = self.iconSize().height() - self.fontMetrics().height()
            hint.setHeight(hint.height() + max(missing, 0))
        return hint


_SIDE_SHAPES = (QTabBar.Shape.RoundedWest, QTabBar.Shape.RoundedEast,
                QTabBar.Shape.TriangularWest, QTabBar.Shape.TriangularEast)


class TensorView(QWidget):
    """The Tensor dock: one tab per selected node (the tab bar hides for a single one). Panels
    are kept by name, so a re-evaluated node keeps its slice, precision and scroll position.
    ``value_wanted(name)``: the user asked to give placeholder ``name`` a value."""

    value_wanted = Signal(str)
    pin_toggled = Signal(str, bool)
    """The user pinned or unpinned a panel (its node's name)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QuietTabs()
        self.tabs.setTabBar(SteadyTabBar())
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)
        self.placeholder = QLabel("Select a node to see its value.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {muted_colour(self.palette()).name()}")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(self.tabs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._panels: dict[str, TensorPanel] = {}
        self.on_screen = True
        """Whether the view can be seen (see :meth:`set_on_screen`)."""
        self._icons_later: set[TensorPanel] = set()
        """The panels whose tab's icon changed while the view could not be seen."""
        self._icons: dict[QStyle.StandardPixmap, QIcon] = {}
        """The style's icons made so far (the style makes one anew each time it is asked)."""

    def set_on_screen(self, on: bool) -> None:
        """Whether the view can be seen (its dock is not behind another dock's tab): while it
        cannot, its panels and their tabs' icons keep what they are given and show it when it
        can be seen, and an evaluation's layouts are left to the event loop (see
        :func:`settle_layouts`)."""
        self.on_screen = on
        for panel in self._panels.values():
            panel.on_screen = on
            if on and panel.isVisible():
                panel.flush()
        if on:
            for panel in self._icons_later:
                self._show_icon(panel)
            self._icons_later.clear()

    @property
    def names(self) -> list[str]:
        return list(self._panels)

    def panel(self, name: str) -> TensorPanel:
        """The panel of ``name``, up to date (also while hidden behind another tab)."""
        panel = self._panels[name]
        panel.flush()
        return panel

    def set_names(self, names: Iterable[str]) -> None:
        """Show a panel for each of ``names``, in order, reusing the panels already there."""
        names = list(dict.fromkeys(names))
        if names == list(self._panels) and self.pages.currentIndex() == bool(names):
            return
        current = self.tabs.currentWidget()
        for name in [n for n in self._panels if n not in names]:
            self._panels.pop(name).deleteLater()
        self.tabs.clear()
        for name in names:
            panel = self._panels.get(name)
            if panel is None:
                panel = self._panels[name] = TensorPanel(name)
                panel.on_screen = self.on_screen
                panel.value_wanted.connect(self.value_wanted)
                panel.pin_toggled.connect(self.pin_toggled)
            self.tabs.addTab(panel, self._icon(panel.tab_icon), name)
        self._icons_later.clear()  # (each tab was made with its icon)
        if current in self._panels.values():
            self.tabs.setCurrentWidget(current)
        self.pages.setCurrentIndex(1 if names else 0)

    def rename(self, old: str, new: str) -> None:
        """Show the panel of ``old`` as ``new``'s (a node was renamed): the same panel, with
        its value, slice, precision and heatmap, under the new name."""
        panel = self._panels.get(old)
        if panel is None or new in self._panels:
            return
        self._panels = {new if name == old else name: p for name, p in self._panels.items()}
        panel.rename(new)
        # by the tab bar: the tab widget's own setTabText and setTabIcon repaint every page
        self.tabs.tabBar().setTabText(self.tabs.indexOf(panel), new)

    def set_pinned(self, names: Iterable[str]) -> None:
        """Check the Pin button of the panels of ``names``, uncheck the others."""
        pinned = set(names)
        for name, panel in self._panels.items():
            panel.pin_button.blockSignals(True)
            panel.pin_button.setChecked(name in pinned)
            panel.pin_button.blockSignals(False)

    def show_value(self, name: str, value: Any) -> None:
        self._ensure(name).set_value(value)
        self._mark(name, None)

    def show_rows(self, name: str, text: str) -> None:
        """Say which rows of the bound data ``name``'s value is computed from (``""``: none)."""
        self._ensure(name).set_rows(text)

    def show_error(self, name: str, message: str, wants_value: bool = False) -> None:
        self._ensure(name).set_error(message, wants_value)
        self._mark(name, QStyle.StandardPixmap.SP_MessageBoxCritical)

    def show_blocked(self, name: str, culprit: str, message: str = "",
                     wants_value: bool = False) -> None:
        self._ensure(name).set_blocked(culprit, message, wants_value)
        self._mark(name, QStyle.StandardPixmap.SP_MessageBoxWarning)

    def show_evaluation(self, evaluation: Evaluation, also: Iterable[str] = ()) -> None:
        """Show the outcome of an :class:`editor.evaluator.Evaluation` for each requested node
        (and keep the panels of ``also`` after theirs)."""
        self.set_names([*evaluation.names, *also])
        for name in evaluation.names:
            if name in evaluation.values:
                self.show_value(name, evaluation.values[name])
                continue
            failure = evaluation.failures[name]
            culprit = evaluation.blocked_by(name)
            wants_value = failure.kind == "FeedError"
            if culprit is None:
                self.show_error(name, failure.message, wants_value)
            else:
                self.show_blocked(name, culprit, failure.message, wants_value)
        if self.on_screen:
            settle_layouts()

    def _ensure(self, name: str) -> TensorPanel:
        if name not in self._panels:
            self.set_names([*self._panels, name])
        return self._panels[name]

    def _mark(self, name: str, icon: QStyle.StandardPixmap | None) -> None:
        panel = self._panels[name]
        if panel.tab_icon == icon:
            return  # the same icon set again would lay out the tab bar
        panel.tab_icon = icon
        if self.on_screen:
            self._show_icon(panel)
        else:
            self._icons_later.add(panel)

    def _show_icon(self, panel: TensorPanel) -> None:
        index = self.tabs.indexOf(panel)
        if index >= 0:  # by the tab bar: see rename
            self.tabs.tabBar().setTabIcon(index, self._icon(panel.tab_icon))

    def _icon(self, icon: QStyle.StandardPixmap | None) -> QIcon:
        if icon is None:
            return QIcon()
        made = self._icons.get(icon)
        if made is None:
            made = self._icons[icon] = self.style().standardIcon(icon)
        return made

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802, D102
        if event.type() == QEvent.Type.StyleChange:
            self._icons.clear()
        super().changeEvent(event)


def settle_layouts() -> None:
    """Lay out now what changed sizes, and mark what that moves, so that the next paint draws
    each widget once, where it ends up. Else Qt paints first: a layout request climbs one level
    of widgets per pass of the event loop, and each level it moves paints again (a panel
    switching between its value and its error was painted twice, a page of widgets shown is
    marked dirty only after it was painted). A pass that lays out nothing ends it (at most
    :data:`LAYOUT_LEVELS`)."""
    app = QCoreApplication.instance()
    if app is None:
        return
    requests = _LayoutRequests()
    app.installEventFilter(requests)
    try:
        for _ in range(LAYOUT_LEVELS):
            requests.seen = False
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            if not requests.seen:
                break
    finally:
        app.removeEventFilter(requests)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateLater)


class _LayoutRequests(QObject):
    """Notes whether a layout request was delivered (the only events sent while it watches)."""

    seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802, D102
        self.seen = True
        return False
