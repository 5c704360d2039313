"""The preferences: what is kept in QSettings, the dialog that edits them, and the limit on
numpy's BLAS threads.

The BLAS limit applies at once in this process (threadpoolctl, through ``engine.blas``, which
gives small plans one thread and big ones up to it) and, through the environment, in the
processes started from then on (training's worker).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

ORGANIZATION, APPLICATION = "TensorCanvas", "Tensor Canvas"
THEMES = {"dark": "Dark", "light": "Light"}
"""The themes (``editor.style``'s), by the name kept in the settings."""
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
"""What the BLAS libraries numpy may be built with read, when they load, to size their
thread pools."""
_INHERITED = {name: os.environ.get(name) for name in BLAS_VARIABLES}
"""The environment's own BLAS variables, put back when the limit is lifted."""


def settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def _int(store: QSettings, key: str, default: int) -> int:
    try:
        return int(store.value(key, default))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class Preferences:
    """The user's choices, as kept in QSettings (keys as the field names)."""

    theme: str = "dark"
    autosave_seconds: int = 30
    """How often the open document is autosaved to its recovery file; 0: never."""
    show_values: bool = True
    """View ▸ Show Values on Nodes."""
    blas_threads: int = 0
    """Threads numpy's BLAS may use; 0: as many as it likes (or as the environment says)."""

    @classmethod
    def load(cls, store: QSettings | None = None) -> Preferences:
        store = store if store is not None else settings()
        default = cls()
        theme = str(store.value("theme", default.theme))
        return cls(
            theme=theme if theme in THEMES else default.theme,
            autosave_seconds=max(0, _int(store, "autosave_seconds", default.autosave_seconds)),
            show_values=bool(store.value("show_values", default.show_values, bool)),
            blas_threads=max(0, _int(store, "blas_threads", default.blas_threads)),
        )

    def save(self, store: QSettings | None = None) -> None:
        store = store if store is not None else settings()
        store.setValue("theme", self.theme)
        store.setValue("autosave_seconds", self.autosave_seconds)
        store.setValue("show_values", self.show_values)
        store.setValue("blas_threads", self.blas_threads)


# ---- BLAS threads ---------------------------------------------------------------------------


def set_blas_environment(threads: int) -> None:
    """Ask the BLAS libraries loaded from now on (numpy's, in this process if it has not
    imported numpy yet, and in every process it starts) for ``threads`` threads; 0 puts the
    environment's own values back."""
    for name in BLAS_VARIABLES:
        value = str(threads) if threads > 0 else _INHERITED[name]
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def apply_blas_threads(threads: int) -> bool:
    """Limit numpy's BLAS to ``threads`` threads (0: back to as many as there are cores) now,
    with threadpoolctl, and in the processes started from now on (the environment).
    False if threadpoolctl is not installed: the limit then applies from the next start."""
    set_blas_environment(threads)
    if not blas_applies_at_once():
        return False
    from engine import blas  # (sessions then give a small plan one thread, a big one this many)

    blas.set_limit(threads if threads > 0 else available_cores())
    return True


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every system
        return os.cpu_count() or 1


def blas_applies_at_once() -> bool:
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        return False
    return True


# ---- the dialog -----------------------------------------------------------------------------


class PreferencesDialog(QDialog):
    """Edit › Preferences…: theme, autosave interval, values on nodes, BLAS threads.
    :meth:`preferences` is what the dialog shows when it is accepted."""

    def __init__(self, current: Preferences, recovery_folder: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.current = current
        self._groups: list[QGroupBox] = []
        self._labels: list[QLabel] = []
        self.theme = QComboBox()
        for name, title in THEMES.items():
            self.theme.addItem(title, name)
        self.theme.setCurrentIndex(list(THEMES).index(current.theme))
        self.autosave = QSpinBox()
        self.autosave.setRange(0, 3600)
        self.autosave.setSuffix(" s")
        self.autosave.setSpecialValueText("Off")
        self.autosave.setValue(current.autosave_seconds)
        self.autosave.setToolTip("Also a moment after each edit, while there are unsaved "
                                 "changes; 0 turns autosave off")
        self.show_values = QCheckBox("Show values on nodes")
        self.show_values.setChecked(current.show_values)
        self.show_values.setToolTip("View ▸ Show Values on Nodes")
        self.blas_threads = QSpinBox()
        self.blas_threads.setRange(0, 256)
        self.blas_threads.setSpecialValueText("Automatic")
        self.blas_threads.setValue(current.blas_threads)
        self.blas_threads.setToolTip("How many threads numpy's BLAS (matrix products) may use; "
                                     "Automatic: one per core")

        look = self._group("Appearance")
        self._row(look, "Theme:", self.theme)
        self._row(look, "Canvas:", self.show_values)
        look.addRow(self._note("The training plots take a new theme at the next start."))
        save = self._group("Autosave")
        self._row(save, "Every:", self.autosave)
        where = ("Unsaved changes are kept in a recovery file (never in your file) and offered "
                 "after a crash")
        save.addRow(self._note(f"{where}. Recovery files: {recovery_folder}" if recovery_folder
                               else f"{where}."))
        speed = self._group("Performance")
        self._row(speed, "BLAS threads:", self.blas_threads)
        when = ("Applies at once; training's worker process follows from the next start."
                if blas_applies_at_once() else
                "Applies from the next start (install threadpoolctl to apply it at once).")
        speed.addRow(self._note(when))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        width = max(label.sizeHint().width() for label in self._labels)
        for row_label in self._labels:
            row_label.setMinimumWidth(width)  # the fields of all groups in one column
        for group in self._groups:
            layout.addWidget(group)
        layout.addWidget(buttons)
        self.setMinimumWidth(500)
        self.resize(520, layout.totalHeightForWidth(520))  # as tall as the wrapped notes need
        self.buttons = buttons

    def _group(self, title: str) -> QFormLayout:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self._groups.append(group)
        return form

    def _row(self, form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, field)
        self._labels.append(label)

    @staticmethod
    def _note(text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("role", "muted")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def preferences(self) -> Preferences:
        return replace(self.current, theme=str(self.theme.currentData()),
                       autosave_seconds=self.autosave.value(),
                       show_values=self.show_values.isChecked(),
                       blas_threads=self.blas_threads.value())
