"""Room to work: what a new user tripped on — a canvas squeezed by the docks, framing that
hides every name, new nodes landing on others, gradient badges covered and wires running
off the canvas. Each test repeats the user's steps with mouse and key events."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, Canvas
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt

from editor.app.window import MainWindow
from editor.canvas.items import NodeItem
from editor.canvas.items.edge import BACK_BEND
from editor.canvas.items.gradient_badge import GradientBadge

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


# ---- 12. gradient badges readable, back wires near their nodes ---------------------------------

def choose(canvas: Canvas, menu_title: str, entry: str) -> None:
    """Click a menu of the menu bar, then one of its entries."""
    bar = canvas.window.menuBar()
    (menu,) = [a.menu() for a in bar.actions() if a.text().replace("&", "") == menu_title]
    canvas.qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.actionGeometry(menu.menuAction()).center())
    canvas.qtbot.waitUntil(menu.isVisible)
    (action,) = [a for a in menu.actions() if a.text().replace("&", "") == entry]
    canvas.qtbot.mouseClick(menu, Qt.LeftButton, pos=menu.actionGeometry(action).center())


def badges(canvas: Canvas) -> list[GradientBadge]:
    return [item for item in canvas.scene.items() if isinstance(item, GradientBadge)]


def assert_badges_readable(canvas: Canvas) -> None:
    """No node but its own covers a badge, and nothing is drawn over it."""
    for badge in badges(canvas):
        pill = badge.mapRectToScene(badge.body())
        for item in canvas.scene.node_items.values():
            body = item.mapRectToScene(QRectF(0, 0, NodeItem.WIDTH, item.height))
            assert item is badge.parentItem() or not body.intersects(pill), \
                f"{item.node.name} covers ∇{badge.parentItem().node.name}"
        for point in (pill.topLeft() + QPointF(6, 6), pill.center(),
                      pill.bottomRight() - QPointF(6, 6)):
            assert canvas.scene.items(point)[0] is badge  # the topmost: above nodes and wires


def test_gradient_badges_stay_readable_and_back_wires_stay_near(canvas):
    assert canvas.window.open_file(MLP)
    choose(canvas, "View", "Show Gradients")
    canvas.qtbot.waitUntil(lambda: len(badges(canvas)) == 4, timeout=10_000)
    assert_badges_readable(canvas)

    nodes = QRectF()
    for item in canvas.scene.node_items.values():
        nodes = nodes.united(item.sceneBoundingRect())
    back = [edge for edge in canvas.scene.edge_items.values()
            if edge.ends()[1].x() < edge.ends()[0].x()]
    assert {(e.source.node.name, e.target.node.name) for e in back} >= {
        ("p_hidden", "matmul_1"), ("p_output", "log"), ("J", "train")}
    for edge in back:  # within a short reach of the nodes, not looping off the canvas
        assert nodes.adjusted(-BACK_BEND, -BACK_BEND, BACK_BEND, BACK_BEND).contains(
            edge.sceneBoundingRect())

    canvas.key(Qt.Key_L, Qt.ControlModifier)  # the layout leaves them room too
    assert_badges_readable(canvas)

    choose(canvas, "View", "Show Gradients")
    assert not badges(canvas)
    assert all(item.zValue() == 0 for item in canvas.scene.node_items.values())
