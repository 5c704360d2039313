"""Colours and fonts of the canvas, and the application's two themes, dark and light.

The canvas colours below are shared objects: :func:`apply_theme` changes them in place, so
every item that paints with them (or keeps one, like a wire its colour) follows the theme.
"""

from __future__ import annotations

from dataclasses import dataclass
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
TITLE_TEXT = QColor("#e8eaed")
"""A node's name, on its title bar (in its category's colour, in either theme)."""
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
    "Comparison": QColor("#7f8f2a"),
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


# ---- themes ---------------------------------------------------------------------------------

THEMES = ("dark", "light")


@dataclass(frozen=True)
class Theme:
    """What a theme sets: the canvas colours (by their names above), the application
    palette, the colour of disabled text, and the style sheet's colours."""

    canvas: dict[str, str]
    palette: dict[QPalette.ColorRole, str]
    disabled_text: str
    sheet: dict[str, str]


_R = QPalette.ColorRole
_THEMES = {
    "dark": Theme(
        canvas={
            "BACKGROUND": "#1b1d21", "GRID_DOT": "#353a42", "NODE_BODY": "#2a2d34",
            "NODE_OUTLINE": "#101114", "SELECTED": "#ffa63d", "ERROR": "#ff4f5e",
            "TEXT": "#e8eaed", "TITLE_TEXT": "#e8eaed", "MUTED_TEXT": "#9aa0aa",
            "PORT_LABEL": "#c3c8d0", "WIRE": "#8c96a8", "HIGHLIGHT": "#7fe0ff",
            "HIGHLIGHT_GLOW": "#467fe0ff", "GRADIENT": "#ffc857",
        },
        palette={
            _R.Window: "#24272c", _R.WindowText: "#e3e5e8", _R.Base: "#1b1d21",
            _R.AlternateBase: "#262a30", _R.ToolTipBase: "#2f333a", _R.ToolTipText: "#e8eaed",
            _R.Text: "#e3e5e8", _R.Button: "#2d3138", _R.ButtonText: "#e3e5e8",
            _R.BrightText: "#ff4f5e", _R.Highlight: "#3d6fb6", _R.HighlightedText: "#ffffff",
            _R.Link: "#7fb3ff", _R.PlaceholderText: "#7c828c",
        },
        disabled_text="#6b7078",
        sheet={
            "dock": "#2b2f36", "tooltip": "#444a53", "border": "#3a3f47", "focus": "#3d6fb6",
            "error": "#ff6b78", "muted": "#9aa0aa", "tab": "#2b2f36", "tab_text": "#aeb3bb",
            "tab_selected": "#1b1d21", "tab_hover": "#343942", "tab_selected_text": "#e3e5e8",
        },
    ),
    "light": Theme(
        canvas={
            "BACKGROUND": "#eef0f3", "GRID_DOT": "#c4cad3", "NODE_BODY": "#ffffff",
            "NODE_OUTLINE": "#a9b0bb", "SELECTED": "#f08a00", "ERROR": "#d9253a",
            "TEXT": "#1f2329", "TITLE_TEXT": "#ffffff", "MUTED_TEXT": "#6b7280",
            "PORT_LABEL": "#454c57", "WIRE": "#7f8a9c", "HIGHLIGHT": "#0b8fcf",
            "HIGHLIGHT_GLOW": "#460b8fcf", "GRADIENT": "#b7791f",
        },
        palette={
            _R.Window: "#f3f4f6", _R.WindowText: "#1f2329", _R.Base: "#ffffff",
            _R.AlternateBase: "#f5f6f8", _R.ToolTipBase: "#ffffff", _R.ToolTipText: "#1f2329",
            _R.Text: "#1f2329", _R.Button: "#e9ebef", _R.ButtonText: "#1f2329",
            _R.BrightText: "#d9253a", _R.Highlight: "#2f6fd0", _R.HighlightedText: "#ffffff",
            _R.Link: "#1d5fc2", _R.PlaceholderText: "#8a9099",
            _R.Light: "#ffffff", _R.Midlight: "#f0f1f4", _R.Mid: "#c9ced6",
            _R.Dark: "#a9b0bb", _R.Shadow: "#7f8793",
        },
        disabled_text="#a3a8b0",
        sheet={
            "dock": "#e4e7ec", "tooltip": "#c3c8d0", "border": "#c3c8d0", "focus": "#2f6fd0",
            "error": "#c62828", "muted": "#6b7280", "tab": "#e4e7ec", "tab_text": "#4a515c",
            "tab_selected": "#ffffff", "tab_hover": "#eef0f3", "tab_selected_text": "#1f2329",
        },
    ),
}
current_theme = "dark"
"""The theme applied last (the canvas colours above are the dark theme's until one is)."""


def style_sheet(theme: str = "dark") -> str:
    """The application's style sheet in ``theme``: dock titles, tooltips, text fields, the
    labels that say what is wrong or matters less, and tabs drawn by the sheet — an unselected
    tab keeps its label where a selected one has it (Fusion drops it by 2 pixels, which cuts
    off underscores: "p_output" read "p output")."""
    c = _THEMES[theme].sheet
    return (
        f"QDockWidget::title {{ padding: 4px 6px; background: {c['dock']}; }}"
        f"QToolTip {{ border: 1px solid {c['tooltip']}; padding: 4px; }}"
        f"QLineEdit, QPlainTextEdit {{ padding: 3px; border: 1px solid {c['border']};"
        " border-radius: 3px; }"
        f"QLineEdit:focus {{ border-color: {c['focus']}; }}"
        f"QLabel[role='error'] {{ color: {c['error']}; }}"
        f"QLabel[role='muted'] {{ color: {c['muted']}; }}"
        f"QTabBar::tab {{ background: {c['tab']}; color: {c['tab_text']};"
        f" border: 1px solid {c['border']}; padding: 4px 12px; margin-right: 2px; }}"
        "QTabBar::tab:top { border-bottom: none; border-top-left-radius: 4px;"
        " border-top-right-radius: 4px; }"
        "QTabBar::tab:bottom { border-top: none; border-bottom-left-radius: 4px;"
        " border-bottom-right-radius: 4px; }"
        f"QTabBar::tab:selected {{ background: {c['tab_selected']};"
        f" color: {c['tab_selected_text']}; }}"
        f"QTabBar::tab:!selected:hover {{ background: {c['tab_hover']};"
        f" color: {c['tab_selected_text']}; }}"
    )


def apply_theme(app: QApplication, theme: str = "dark") -> None:
    """Fusion with ``theme``'s palette and style sheet, and the canvas colours in it (a view
    keeps a tile of its background: ``GraphView.theme_changed`` drops it)."""
    global current_theme
    spec = _THEMES[theme]
    for name, color in spec.canvas.items():
        shared = globals()[name]
        assert isinstance(shared, QColor)
        shared.setRgba(QColor(color).rgba())
    current_theme = theme
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in spec.palette.items():
        palette.setColor(role, QColor(color))
    for role in (_R.WindowText, _R.Text, _R.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(spec.disabled_text))
    app.setPalette(palette)
    app.setStyleSheet(style_sheet(theme))


def apply_dark_theme(app: QApplication) -> None:
    """Fusion with a dark palette, so docks and menus match the canvas."""
    apply_theme(app, "dark")
