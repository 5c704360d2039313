"""Colours and fonts of the canvas and the dark application theme."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QFont, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from engine.registry import OpDef

BACKGROUND = QColor("#1b1d21")
GRID_DOT = QColor("#353a42")
NODE_BODY = QColor("#2a2d34")
NODE_OUTLINE = QColor("#101114")
SELECTED = QColor("#ffa63d")
ERROR = QColor("#ff4f5e")
TEXT = QColor("#e8eaed")
MUTED_TEXT = QColor("#9aa0aa")
PORT_LABEL = QColor("#c3c8d0")
WIRE = QColor("#8c96a8")
HIGHLIGHT = QColor("#7fe0ff")
HIGHLIGHT_GLOW = QColor(127, 224, 255, 70)

CATEGORY_COLORS = {
    "placeholder": QColor("#2f9e8f"),
    "variable": QColor("#d9822b"),
    "constant": QColor("#6b7280"),
    "Math": QColor("#3f7fd9"),
    "Linear algebra": QColor("#8b5cf6"),
    "Neural network": QColor("#3fa34d"),
    "Reduction": QColor("#c9a227"),
    "Array": QColor("#d0508f"),
    "Loss": QColor("#b0563a"),
    "Training": QColor("#1f9aa8"),
}
GRADIENT = QColor("#ffc857")
"""Gradients shown on the canvas (the ∇ badges under trained variables)."""
OTHER = QColor("#5b6270")


def op_color(op: OpDef) -> QColor:
    """The colour of an op's title bar: sources by kind, operations by category."""
    return CATEGORY_COLORS.get(op.kind if op.is_source else op.category, OTHER)


@cache
def swatch(rgba: int) -> QIcon:
    """A small square of colour ``rgba``, for lists of ops."""
    pixmap = QPixmap(10, 10)
    pixmap.fill(QColor.fromRgba(rgba))
    return QIcon(pixmap)


def font(size: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


TABS = (
    "QTabBar::tab { background: #2b2f36; color: #aeb3bb; border: 1px solid #3a3f47;"
    " padding: 4px 12px; margin-right: 2px; }"
    "QTabBar::tab:top { border-bottom: none; border-top-left-radius: 4px;"
    " border-top-right-radius: 4px; }"
    "QTabBar::tab:bottom { border-top: none; border-bottom-left-radius: 4px;"
    " border-bottom-right-radius: 4px; }"
    "QTabBar::tab:selected { background: #1b1d21; color: #e3e5e8; }"
    "QTabBar::tab:!selected:hover { background: #343942; color: #e3e5e8; }"
)
"""Tabs drawn by the style sheet: an unselected tab keeps its label where a selected one has
it (Fusion drops it by 2 pixels, which cuts off underscores: "p_output" read "p output")."""


def apply_dark_theme(app: QApplication) -> None:
    """Fusion with a dark palette, so docks and menus match the canvas."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#24272c", QPalette.ColorRole.WindowText: "#e3e5e8",
        QPalette.ColorRole.Base: "#1b1d21",
        QPalette.ColorRole.AlternateBase: "#262a30", QPalette.ColorRole.ToolTipBase: "#2f333a",
        QPalette.ColorRole.ToolTipText: "#e8eaed", QPalette.ColorRole.Text: "#e3e5e8",
        QPalette.ColorRole.Button: "#2d3138",
        QPalette.ColorRole.ButtonText: "#e3e5e8", QPalette.ColorRole.BrightText: "#ff4f5e",
        QPalette.ColorRole.Highlight: "#3d6fb6", QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7fb3ff", QPalette.ColorRole.PlaceholderText: "#7c828c",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7078"))
    app.setPalette(palette)
    app.setStyleSheet(
        "QDockWidget::title { padding: 4px 6px; background: #2b2f36; }"
        "QToolTip { border: 1px solid #444a53; padding: 4px; }"
        "QLineEdit, QPlainTextEdit { padding: 3px; border: 1px solid #3a3f47;"
        " border-radius: 3px; }"
        "QLineEdit:focus { border-color: #3d6fb6; }"
        "QLabel[role='error'] { color: #ff6b78; }"
        "QLabel[role='muted'] { color: #9aa0aa; }"
        + TABS
    )
