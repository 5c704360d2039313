"""The Help menu's dialogs: the keyboard shortcuts (searchable), the user guide, About."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from editor.app.preferences import APPLICATION

USER_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"
PACKAGE = "tensorcanvas"

CANVAS_GESTURES: list[tuple[str, str]] = [
    ("Canvas ▸ Add a node by search", "Tab, or double-click empty canvas"),
    ("Canvas ▸ Add a node from the palette", "drag an entry onto the canvas"),
    ("Canvas ▸ Wire two nodes", "drag from an output port to an input port, or back"),
    ("Canvas ▸ Replace an input's wire", "drop a wire on a wired input"),
    ("Canvas ▸ Move or remove a wire", "drag its end onto another input, or off the input"),
    ("Canvas ▸ Drop the wire being dragged", "Esc"),
    ("Canvas ▸ Select", "click; Ctrl+click or Shift+click adds; drag a rubber band"),
    ("Canvas ▸ Move nodes", "drag a selected node"),
    ("Canvas ▸ Rename a node", "double-click its title"),
    ("Canvas ▸ Zoom", "wheel (around the cursor)"),
    ("Canvas ▸ Pan", "middle-drag, or Space+drag"),
    ("Canvas ▸ A node's or the canvas's actions", "right-click"),
    ("Step through ▸ Leave", "Esc"),
]
"""What the mouse does on the canvas (and keys that no menu shows)."""


def _plain(action: QAction) -> str:
    """An action's name as read: its ``help_name`` property (for actions whose text changes,
    like Undo's), else its text without mnemonic ampersands and ellipsis."""
    name = action.property("help_name")
    if isinstance(name, str):
        return name
    text = action.text()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(action: QAction) -> str:
    """An action's shortcuts as the menus show them (none that this platform lacks)."""
    names = (k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
    return ", ".join(name for name in names if name)


def menu_shortcuts(bar: QMenuBar) -> list[tuple[str, str]]:
    """Every action of the menus that has a shortcut, as ``("Menu ▸ Action", "keys")``."""
    rows: list[tuple[str, str]] = []

    def visit(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                visit(sub, f"{path} ▸ {_plain(action)}")
            elif not action.isSeparator() and (keys := _keys(action)):
                rows.append((f"{path} ▸ {_plain(action)}", keys))

    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            visit(menu, _plain(action))
    return rows


class ShortcutsDialog(QDialog):
    """Help › Keyboard Shortcuts (F1): every menu action's keys and the canvas gestures, in a
    table that the filter field narrows (by action or keys)."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: an action or a key (e.g. save, Ctrl+Z, drag)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.apply_filter)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        for row, (action, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(action))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        self.empty = QLabel("No action or key matches.")
        self.empty.setProperty("role", "muted")
        self.empty.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.resize(640, 560)
        self.filter.setFocus()

    def apply_filter(self, text: str) -> None:
        """Show the rows whose action or keys contain every word of ``text``."""
        words = text.lower().split()
        shown = 0
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, col) for col in (0, 1)]
            line = " ".join(cell.text().lower() for cell in cells if cell is not None)
            hidden = not all(word in line for word in words)
            self.table.setRowHidden(row, hidden)
            shown += not hidden
        self.empty.setVisible(shown == 0)

    def visible_rows(self) -> list[tuple[str, str]]:
        rows = []
        for row in range(self.table.rowCount()):
            if not self.table.isRowHidden(row):
                action, keys = (self.table.item(row, col) for col in (0, 1))
                rows.append((action.text() if action else "", keys.text() if keys else ""))
        return rows


class UserGuideDialog(QDialog):
    """Help › User Guide: docs/user-guide.md, rendered (links to the other documents open in
    it too; web links in the browser)."""

    def __init__(self, path: Path = USER_GUIDE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User Guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(path.parent)])
        self.browser.document().setDocumentMargin(12)
        if path.exists():
            self.browser.setSource(QUrl.fromLocalFile(str(path)))
        else:
            self.browser.setMarkdown(f"The user guide is not installed here ({path}).")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(760, 680)


def versions() -> dict[str, str]:
    """Tensor Canvas's version (from its package metadata) and those it runs on."""
    import networkx
    import numpy

    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "unknown (not installed as a package)"
    return {APPLICATION: version, "Python": platform.python_version(),
            "Qt": qVersion(), "PySide6": pyside_version, "numpy": numpy.__version__,
            "networkx": networkx.__version__}


def about_text() -> str:
    info = versions()
    rows = "".join(f"<tr><td>{name}</td><td>&nbsp;&nbsp;{value}</td></tr>"
                   for name, value in info.items() if name != APPLICATION)
    return (f"<h3>{APPLICATION} {info[APPLICATION]}</h3>"
            "<p>Build, evaluate and train computational graphs by mouse.</p>"
            f"<table>{rows}</table>"
            f"<p>{platform.system()} {platform.machine()}, {sys.platform}</p>")


class AboutDialog(QDialog):
    """Help › About: the version and the versions of what it runs on (selectable, to paste
    into a bug report)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APPLICATION}")
        self.text = QLabel(about_text())
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 14)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


def action_rows(bar: QMenuBar, extra: list[QAction] | None = None) -> list[tuple[str, str]]:
    """The shortcuts dialog's rows: the menus' actions, then ``extra`` actions outside the
    menus, then the canvas gestures."""
    rows = menu_shortcuts(bar)
    for action in extra or []:
        if keys := _keys(action):
            rows.append((_plain(action), keys))
    return rows + CANVAS_GESTURES
