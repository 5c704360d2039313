"""File › Import data…: choose a file (or a built-in data set), see its first rows, pick the
feature and label columns, the label encoding and standardising, and the placeholders to bind;
the file loads in a thread with a progress bar, and the binding is checked whole before the
dialog closes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.data import BUILTIN_NAMES, FEATURES, LABELS, DataError, Dataset, builtin
from engine.data.binding import Change, plan_binding, read_source
from engine.data.builtin import FILES, builtin_path
from engine.data.dataset import INDEX, ONE_HOT
from engine.data.loaders import LoadCancelled, preview_arrays, preview_csv
from engine.graph import Graph, Placeholder

A_FILE = "A file…"
NONE = "(none)"
PREVIEW_ROWS = 10
ENCODINGS = {"one-hot rows": ONE_HOT, "class indices": INDEX}
ERROR_STYLE = "color: #ff6b6b;"
FILTER = "Data (*.csv *.npy *.npz);;All files (*)"


class ImportDialog(QDialog):
    """Import a data set and bind it. ``changes`` holds the checked binding once accepted
    (for :class:`editor.document.data_commands.BindData`); ``data`` the data set."""

    def __init__(self, graph: Graph, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import data")
        self.graph = graph
        self.changes: list[Change] = []
        self.data: Dataset | None = None
        self._loader: _Loader | None = None

        self.source = QComboBox()
        self.source.addItem(A_FILE)
        self.source.addItems([f"Built in: {name}" for name in BUILTIN_NAMES])
        self.source.currentIndexChanged.connect(self._source_changed)
        self.path = QLineEdit()
        self.path.setPlaceholderText("a .csv, .npy or .npz file")
        self.path.returnPressed.connect(self.show_preview)
        self.path.editingFinished.connect(self.show_preview)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.setMinimumHeight(160)
        self.features = QListWidget()
        self.features.setToolTip("The columns (or arrays) that make the features")
        self.features.setMaximumHeight(110)
        self.label = QComboBox()
        self.label.setToolTip("The column (or array) of classes: names or whole numbers")
        self.encoding = QComboBox()
        self.encoding.addItems(list(ENCODINGS))
        self.standardize = QCheckBox("Standardise the features with the training rows' mean "
                                     "and deviation")
        self.split = QDoubleSpinBox()
        self.split.setRange(0.0, 0.9)
        self.split.setSingleStep(0.05)
        self.split.setValue(0.2)
        self.split.setToolTip("The validation split whose training rows standardising uses "
                              "(train with the same split and seed 0)")
        self.features_to = QComboBox()
        self.labels_to = QComboBox()
        placeholders = [n.name for n in graph.nodes if isinstance(n, Placeholder)]
        self.features_to.addItems(placeholders)
        self.labels_to.addItems([NONE, *placeholders])
        _choose(self.features_to, ("X", "x", "features"))
        _choose(self.labels_to, ("c", "y", "labels"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.import_button = QPushButton("Import and bind")
        self.cancel_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.import_button, self.cancel_button):  # Return in the path field
            button.setAutoDefault(False)  # shows the file; it imports nothing
            buttons.addWidget(button)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self._cancel)

        form = QFormLayout()
        form.addRow("Source", self.source)
        form.addRow("File", row)
        form.addRow("First rows", self.preview)
        form.addRow("Features", self.features)
        form.addRow("Label", self.label)
        form.addRow("Labels as", self.encoding)
        standardize = QHBoxLayout()
        standardize.addWidget(self.standardize, 1)
        standardize.addWidget(QLabel("validation split"))
        standardize.addWidget(self.split)
        form.addRow("", standardize)
        form.addRow("Features →", self.features_to)
        form.addRow("Labels →", self.labels_to)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(640, 640)

    # ---- choosing -------------------------------------------------------------------------

    def _source_changed(self) -> None:
        name = self._builtin()
        self.path.setEnabled(name is None)
        if name is not None:
            self.path.setText(str(builtin_path(name)) if name in FILES else "")
            self.show_preview()

    def choose_file(self, path: str, placeholder: str | None = None) -> None:
        """Show ``path`` (a file dropped on the canvas), its features bound to
        ``placeholder`` if given."""
        self.source.setCurrentIndex(0)
        self.path.setText(path)
        self.show_preview()
        if placeholder is not None and self.features_to.findText(placeholder) >= 0:
            self.features_to.setCurrentText(placeholder)

    def _builtin(self) -> str | None:
        text = self.source.currentText()
        return None if text == A_FILE else text.removeprefix("Built in: ")

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import data", str(Path.home()), FILTER)
        if name:
            self.path.setText(name)
            self.show_preview()

    def show_preview(self) -> None:
        """Show the first rows of the chosen file and offer its columns (or arrays)."""
        self._say("")
        try:
            columns, rows, label = self._peek()
        except (DataError, OSError, ValueError) as error:
            self._fill([], [])
            self._say(str(error.args[0] if error.args else error), error=True)
            return
        self._fill(columns, rows)
        self.features.clear()
        for column in columns:
            item = QListWidgetItem(column)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if column == label
                               else Qt.CheckState.Checked)
            self.features.addItem(item)
        self.label.clear()
        self.label.addItems([NONE, *columns])
        self.label.setCurrentText(label or NONE)

    def _peek(self) -> tuple[list[str], list[list[str]], str | None]:
        """Column names, the first rows as text, and the likely label column."""
        name = self._builtin()
        if name is not None and name not in FILES:  # generated: no file to peek into
            data = builtin(name)
            truth = data.label_indices()
            assert truth is not None  # the generated sets have labels
            columns = [*data.column_names(FEATURES), LABELS]
            rows = [[f"{v:g}" for v in data.arrays[FEATURES][i]] + [data.classes[truth[i]]]
                    for i in range(PREVIEW_ROWS)]
            return columns, rows, LABELS
        path = Path(self.path.text().strip())
        suffix = path.suffix.lower()
        if suffix == ".csv":
            preview = preview_csv(path, PREVIEW_ROWS)
            last = preview.columns[-1] if len(preview.columns) > 1 else None
            return preview.columns, preview.rows, last
        if suffix in (".npy", ".npz"):
            return _array_preview(preview_arrays(path, PREVIEW_ROWS))
        raise DataError(f"{path}: choose a .csv, .npy or .npz file")

    def _fill(self, columns: list[str], rows: list[list[str]]) -> None:
        self.preview.clear()
        self.preview.setColumnCount(len(columns))
        self.preview.setRowCount(len(rows))
        self.preview.setHorizontalHeaderLabels(columns)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row[:len(columns)]):
                self.preview.setItem(i, j, QTableWidgetItem(cell))

    # ---- loading --------------------------------------------------------------------------

    def options(self) -> dict[str, Any]:
        """How to read the file (an :func:`engine.data.load`'s options, and standardising)."""
        label = self.label.currentText()
        chosen = [self.features.item(i).text() for i in range(self.features.count())
                  if self.features.item(i).checkState() == Qt.CheckState.Checked]
        options: dict[str, Any] = {"encoding": ENCODINGS[self.encoding.currentText()]}
        if label != NONE:
            options["label"] = label
        if Path(self.path.text()).suffix.lower() == ".csv":
            options["features"] = chosen
        if self.standardize.isChecked():
            options["standardize"] = {"validation_split": round(self.split.value(), 4),
                                      "seed": 0}
        return options

    def start_import(self) -> None:
        """Load the data set in a thread; when it is in, bind it (or say why not)."""
        if self._loader is not None:
            return
        name = self._builtin()
        self.progress.setValue(0)
        self._say("Loading…")
        self.import_button.setEnabled(False)
        path = None if name is not None and name not in FILES else self.path.text().strip()
        self._loader = _Loader(path, name, self.options(), self)
        self._loader.progressed.connect(lambda f: self.progress.setValue(round(100 * f)))
        self._loader.loaded.connect(self._loaded)
        self._loader.failed.connect(self._failed)
        self._loader.start()

    def _loaded(self, data: Dataset, path: str | None, options: dict[str, Any]) -> None:
        self._done_loading()
        self.progress.setValue(100)
        arrays = {self.features_to.currentText(): _features_array(data)}
        if self.labels_to.currentText() != NONE and LABELS in data.arrays:
            arrays[self.labels_to.currentText()] = LABELS
        try:
            self.changes = plan_binding(self.graph, data, arrays, file=path, options=options)
        except DataError as error:
            self._say(error.args[0], error=True)
            return
        self.data = data
        self.accept()

    def _failed(self, message: str) -> None:
        self._done_loading()
        self.progress.setValue(0)
        self._say(message, error=True)

    def _done_loading(self) -> None:
        if self._loader is not None:
            self._loader.wait()
            self._loader = None
        self.import_button.setEnabled(True)

    def _cancel(self) -> None:
        """Cancel loading if it runs, else the dialog."""
        if self._loader is not None:
            self._loader.requestInterruption()
        else:
            self.reject()

    def done(self, result: int) -> None:
        if self._loader is not None:  # closed while loading: stop it first
            self._loader.requestInterruption()
            self._loader.wait()
            self._loader = None
        super().done(result)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)


class _Loader(QThread):
    """Reads a data file (or makes a built-in set) off the GUI thread."""

    progressed = Signal(float)
    loaded = Signal(object, object, object)
    failed = Signal(str)

    def __init__(self, path: str | None, name: str | None, options: dict[str, Any],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.path, self.name, self.options = path, name, options

    def run(self) -> None:
        try:
            if self.path is None:
                assert self.name is not None
                data = builtin(self.name, encoding=self.options.get("encoding", ONE_HOT))
            else:
                data = read_source(self.path, self.options, self.progressed.emit,
                                   self.isInterruptionRequested)
            if self.name is not None:
                data = Dataset(self.name, data.arrays, data.columns, data.classes)
        except LoadCancelled:
            self.failed.emit("Loading was cancelled")
        except (DataError, OSError) as error:
            self.failed.emit(str(error.args[0] if error.args else error))
        else:
            path = None if self.path is None else os.path.abspath(self.path)
            self.loaded.emit(data, path, self.options)


def _features_array(data: Dataset) -> str:
    """The array of features: ``features``, else the first array but the labels."""
    if FEATURES in data.arrays:
        return FEATURES
    return next(name for name in data.arrays if name != LABELS)


def _array_preview(arrays: dict[str, Any]) -> tuple[list[str], list[list[str]], str | None]:
    """A numpy file's arrays as columns (one per array) and their first rows."""
    columns = list(arrays)
    rows = []
    for i in range(PREVIEW_ROWS):
        row = []
        for array in arrays.values():
            if array.ndim == 0 or i >= len(array):
                row.append("")
            else:
                row.append(np.array2string(np.asarray(array[i]), threshold=6, precision=4))
        rows.append(row)
    label = next((c for c in columns if c in (LABELS, "label", "y", "target")), None)
    return columns, rows, label


def _choose(combo: QComboBox, likely: tuple[str, ...]) -> None:
    """Select the first of ``likely`` the combo offers (else keep its choice)."""
    for text in likely:
        index = combo.findText(text)
        if index >= 0:
            combo.setCurrentIndex(index)
            return
