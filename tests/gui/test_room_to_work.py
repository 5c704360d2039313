"""Room to work: what a new user tripped on — a canvas squeezed by the docks, framing that
hides every name, new nodes landing on others, gradient badges covered and wires running
off the canvas. Each test repeats the user's steps with mouse and key events."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, Canvas
from PySide6.QtCore import QPoint

from editor.app.window import MainWindow

MLP = EXAMPLE.with_name("mlp.json")
CANVAS_SHARE = 0.55
"""The least part of the window's area the canvas gets by default."""


def open_window(qtbot, width: int, height: int) -> Canvas:
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    return Canvas(window, qtbot)


def canvas_share(canvas: Canvas) -> float:
    viewport, window = canvas.viewport.size(), canvas.window.size()
    return viewport.width() * viewport.height() / (window.width() * window.height())


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_the_canvas_has_the_larger_part_of_the_window(qtbot, size):
    canvas = open_window(qtbot, *size)
    assert canvas.window.open_file(MLP)  # a graph that trains: the Training dock opens too
    assert canvas.window.training.dock.isVisible()
    assert canvas_share(canvas) >= CANVAS_SHARE
    viewport = canvas.viewport.size()
    for name in ("train", "W_hidden", "X"):  # their properties and values fill the docks
        canvas.click(canvas.title(name))
        canvas.window.tensor_dock.raise_()
        canvas.window.training.dock.raise_()
        assert canvas.viewport.size() == viewport  # which never push the canvas aside


@pytest.mark.parametrize("size, nodes", [
    ((1280, 800), {"train": "attr:optimizer", "X": "value", "W_hidden": "attr:initializer"}),
    ((1024, 700), {"train": "attr:optimizer", "X": "value"})])
def test_beside_training_the_properties_show_every_field(qtbot, size, nodes):
    canvas = open_window(qtbot, *size)
    window = canvas.window
    assert window.open_file(MLP)
    scroll = window.properties_dock.widget()
    for name, field in nodes.items():  # a Minimize node's optimizer, a placeholder's Default
        canvas.click(canvas.title(name))
        assert window.training.dock.isVisible() and window.properties_dock.isVisible()
        assert field in window.properties.fields
        assert not scroll.verticalScrollBar().isVisible()
        for shown in window.properties.fields.values():
            widget = shown.widget
            if widget.isVisibleTo(window.properties):
                corner = widget.mapTo(scroll.viewport(), QPoint(0, 0))
                assert scroll.viewport().rect().contains(corner)
                assert corner.y() + widget.height() <= scroll.viewport().height()
