"""The editor's style: what Fusion gets wrong for us, put right."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QStyleFactory, QTabBar

from editor import style


@pytest.fixture(params=style.THEMES)
def themed(qapp, request):
    """The application in each of the editor's themes, restored afterwards."""
    sheet, palette, name = qapp.styleSheet(), qapp.palette(), qapp.style().name()
    style.apply_theme(qapp, request.param)
    yield qapp
    style.apply_theme(qapp, "dark")
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(name)


def label_rows(qtbot, fusion: bool = False) -> list[tuple[int, int]]:  # noqa: ANN001
    """The first and last rows of text-coloured pixels of the labels of a selected and an
    unselected tab, both labelled ``p_output`` (Fusion's own tabs if ``fusion``)."""
    bar = QTabBar()
    if fusion:
        bar.setStyle(QStyleFactory.create("Fusion"))
    bar.setDocumentMode(True)
    bar.addTab("p_output")
    bar.addTab("p_output")
    qtbot.addWidget(bar)
    bar.show()
    text = bar.palette().windowText().color().lightness()
    middle = (text + bar.palette().window().color().lightness()) / 2
    rows = []
    for index in range(2):
        image = bar.grab(bar.tabRect(index).adjusted(3, 3, -3, -3)).toImage()
        inked = [y for y in range(image.height()) if any(
            (QColor(image.pixel(x, y)).lightness() > middle) == (text > middle)
            for x in range(image.width()))]
        rows.append((inked[0], inked[-1]))
    return rows


def test_an_unselected_tab_keeps_its_label_where_a_selected_one_has_it(qtbot, themed):
    selected, unselected = label_rows(qtbot)
    assert selected == unselected  # so the underscore of p_output is not cut off


def test_fusion_would_drop_it(qtbot):
    selected, unselected = label_rows(qtbot, fusion=True)
    assert unselected != selected


def test_a_theme_changes_the_shared_canvas_colours_in_place(qapp, themed):
    wire, background = style.WIRE, style.BACKGROUND
    light = style.current_theme == "light"
    assert (background.lightness() > 200) == light
    assert (qapp.palette().window().color().lightness() > 200) == light
    assert (style.TEXT.lightness() < 100) == light  # dark text on light nodes
    assert style.TITLE_TEXT.lightness() > 200  # on the coloured title bars, in both
    style.apply_theme(qapp, "light" if not light else "dark")
    assert style.WIRE is wire and style.BACKGROUND is background  # the same objects, changed
    assert (background.lightness() > 200) != light
