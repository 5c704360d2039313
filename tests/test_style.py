"""The editor's style: what Fusion gets wrong for us, put right."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QStyle, QStyleFactory, QTabBar

from editor.style import EditorStyle


def ink(qtbot, text: str, style: QStyle) -> int:  # noqa: ANN001
    """How many pixels of an unselected tab labelled ``text`` are drawn in the text colour."""
    bar = QTabBar()
    bar.setDocumentMode(True)
    bar.setStyle(style)
    bar.addTab("selected")
    bar.addTab(text)
    qtbot.addWidget(bar)
    bar.show()
    image = bar.grab(bar.tabRect(1)).toImage()
    text_colour = bar.palette().windowText().color().lightness()
    background = bar.palette().window().color().lightness()
    middle = (text_colour + background) / 2
    dark_text = text_colour < background
    return sum(
        (QColor(image.pixel(x, y)).lightness() < middle) == dark_text
        for x in range(image.width()) for y in range(image.height()))


def test_an_unselected_tab_shows_the_underscores_of_a_node_name(qtbot):
    fusion, ours = QStyleFactory.create("Fusion"), EditorStyle()
    assert ink(qtbot, "a__b", ours) - ink(qtbot, "a__b", fusion) >= 8  # Fusion cuts them off
    assert abs(ink(qtbot, "a  b", ours) - ink(qtbot, "a  b", fusion)) <= 2  # the rest is alike
