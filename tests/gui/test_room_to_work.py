"""Room to work: what a new user tripped on — a canvas squeezed by the docks, framing that
hides every name, new nodes landing on others, gradient badges covered and wires running
off the canvas. Each test repeats the user's steps with mouse and key events."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EXAMPLE, Canvas
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt

from editor.app.window import MainWindow
from editor.canvas.items import NodeItem
from editor.canvas.items.edge import BACK_BEND
from editor.canvas.items.gradient_badge import GradientBadge
from editor.canvas.view import FRAMING_FLOOR
from engine.graph import Graph
from engine.io import save_graph

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


def in_front(dock) -> bool:
    """Whether a dock is shown (a tabbed one behind another is moved out of the window)."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def canvas_share(canvas: Canvas) -> float:
    viewport, window = canvas.viewport.size(), canvas.window.size()
    return viewport.width() * viewport.height() / (window.width() * window.height())


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_the_canvas_has_the_larger_part_of_the_window(qtbot, size):
    canvas = open_window(qtbot, *size)
    assert canvas.window.open_file(MLP)  # a graph that trains: the Training dock opens too
    assert in_front(canvas.window.training.dock)
    assert canvas_share(canvas) >= CANVAS_SHARE
    viewport = canvas.viewport.size()
    for name in ("train", "W_hidden", "X"):  # their properties and values fill the docks
        canvas.click(canvas.title(name))
        canvas.window.tensor_dock.raise_()
        canvas.window.training.dock.raise_()
        assert canvas.viewport.size() == viewport  # which never push the canvas aside


def test_the_dock_a_graph_needs_first_is_in_front(qtbot):
    empty = open_window(qtbot, 1280, 800).window  # a new document: the palette
    assert in_front(empty.palette_dock) and not in_front(empty.tensor_dock)
    window = MainWindow()  # as on start: the file opens before the window shows
    qtbot.addWidget(window)
    assert window.open_file(MLP)
    window.show()
    qtbot.waitExposed(window)
    assert in_front(window.training.dock) and in_front(window.properties_dock)
    assert not in_front(window.tensor_dock) and not in_front(window.palette_dock)
    assert window.open_file(EXAMPLE)  # a graph that does not train: its values
    assert in_front(window.tensor_dock) and not in_front(window.training.dock)
    assert window.open_file(MLP)
    window.close()  # the layout is kept (with the Training dock in front)...

    again = MainWindow()
    qtbot.addWidget(again)
    again.resize(1280, 800)  # (the offscreen screen is smaller than the window restored)
    assert again.open_file(EXAMPLE)  # ... but a graph that does not train shows its values
    again.show()
    qtbot.waitExposed(again)
    assert in_front(again.tensor_dock) and not in_front(again.training.dock)
    assert canvas_share(Canvas(again, qtbot)) >= CANVAS_SHARE


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
        assert in_front(window.training.dock) and in_front(window.properties_dock)
        assert field in window.properties.fields
        assert not scroll.verticalScrollBar().isVisible()
        for shown in window.properties.fields.values():
            widget = shown.widget
            if widget.isVisibleTo(window.properties):
                corner = widget.mapTo(scroll.viewport(), QPoint(0, 0))
                assert scroll.viewport().rect().contains(corner)
                assert corner.y() + widget.height() <= scroll.viewport().height()



@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_the_tensor_dock_shows_a_value_without_scrolling_sideways(qtbot, size):
    canvas = open_window(qtbot, *size)
    window = canvas.window
    assert window.open_file(MLP)
    canvas.click(canvas.title("J"))
    window.tensor_dock.raise_()
    view = window.tensor_view
    qtbot.waitUntil(lambda: "J" in view.names and view.panel("J").mode == "value")
    scroll = window.tensor_dock.widget()
    qtbot.waitUntil(lambda: in_front(window.tensor_dock))
    assert not scroll.horizontalScrollBar().isVisible()
    panel = view.panel("J")
    neginf = panel.stats_strip.column_rect("neginf")
    for widget, right in ((panel.export_button, panel.export_button.width()),
                          (panel.precision, panel.precision.width()),
                          (panel.stats_strip, neginf.right() + 1)):
        corner = widget.mapTo(scroll.viewport(), QPoint(right, 0))
        assert corner.x() <= scroll.viewport().width()  # Export…, the precision: all in sight

# ---- 10. framing keeps names readable ----------------------------------------------------------

def visible(canvas: Canvas) -> QRectF:
    return canvas.view.mapToScene(canvas.viewport.rect()).boundingRect()


def everything(canvas: Canvas) -> list[QRectF]:
    """Where every node (with its badge) and every wire is."""
    nodes = [item.sceneBoundingRect().united(item.mapRectToScene(item.childrenBoundingRect()))
             for item in canvas.scene.node_items.values()]
    return nodes + [edge.sceneBoundingRect() for edge in canvas.scene.edge_items.values()]


def all_in_view(canvas: Canvas) -> bool:
    shown = visible(canvas)
    return all(shown.contains(rect) for rect in everything(canvas))


def chain_file(tmp_path, name: str, columns: int, rows: int, spacing: QPointF):
    """A graph of ``columns`` × ``rows`` nodes — a variable starting each row, then negatives —
    at ``spacing`` from each other."""
    graph = Graph()
    for row in range(rows):
        node = graph.add_node("variable", name=f"v{row}", value=np.array([1.0]))
        for column in range(columns):
            if column:
                node = graph.add_node("negative", [node], name=f"n{row}_{column}")
            graph.set_ui(node, pos=[column * spacing.x(), row * spacing.y()])
    path = tmp_path / f"{name}.json"
    save_graph(graph, path)
    return path


def test_home_frames_a_graph_readably_when_it_fits(canvas, tmp_path):
    assert canvas.window.open_file(MLP)
    canvas.view.set_zoom(0.2)
    canvas.view.centerOn(QPointF(5000, 5000))
    canvas.key(Qt.Key_Home)
    assert canvas.view.zoom() >= FRAMING_FLOOR and all_in_view(canvas)

    # 8 nodes that fill the view at the readable zoom, but for 20 pixels each side: framed at
    # that zoom (with less margin than usual)
    width = (canvas.viewport.width() - 40) / FRAMING_FLOOR - 2 * NodeItem.HIT_R - NodeItem.WIDTH
    assert canvas.window.open_file(chain_file(tmp_path, "eight", 4, 2, QPointF(width / 3, 150)))
    canvas.view.set_zoom(2.0)
    canvas.key(Qt.Key_Home)
    assert abs(canvas.view.zoom() - FRAMING_FLOOR) < 0.01 and all_in_view(canvas)

    # too big for that: zoomed out as far as needed to show it whole
    assert canvas.window.open_file(chain_file(tmp_path, "big", 12, 6, QPointF(230, 150)))
    canvas.key(Qt.Key_Home)
    assert canvas.view.zoom() < FRAMING_FLOOR and all_in_view(canvas)


def test_ctrl_l_arranges_and_frames_the_result(canvas, tmp_path):
    assert canvas.window.open_file(chain_file(tmp_path, "eight", 8, 1, QPointF(30, 0)))
    canvas.view.set_zoom(1.0)
    canvas.view.centerOn(QPointF(0, 0))
    canvas.key(Qt.Key_L, Qt.ControlModifier)
    assert canvas.window.undo_action.text() == "Undo Arrange 8 nodes"
    assert all_in_view(canvas)
    rects = [item.sceneBoundingRect() for item in canvas.scene.node_items.values()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


# ---- 11. new nodes find room; the others stay put --------------------------------------------

def footprints(canvas: Canvas) -> dict[str, QRectF]:
    """Each node's body with its ports, by name."""
    return {item.node.name: item.sceneBoundingRect() for item in canvas.scene.node_items.values()}


def assert_apart(canvas: Canvas) -> None:
    rects = list(footprints(canvas).items())
    for i, (a, rect_a) in enumerate(rects):
        for b, rect_b in rects[i + 1:]:
            assert not rect_a.intersects(rect_b), f"{a} overlaps {b}"


def test_nodes_dropped_at_one_point_land_side_by_side_and_the_others_stay(canvas):
    canvas.view.setFocus()
    point = QPoint(300, 250)
    where: dict[str, tuple[QPointF, QPoint]] = {}  # in the scene, on the screen
    for op in ("add", "variable", "matmul", "add", "placeholder", "sigmoid", "minimize"):
        canvas.drop_from_palette(op, point)
        (new,) = canvas.scene.selected_nodes()
        for name, (pos, on_screen) in where.items():
            assert canvas.item(name).pos() == pos and canvas.at(pos) == on_screen
        pos = canvas.item(new.name).pos()
        where[new.name] = (QPointF(pos), canvas.at(pos))
        assert visible(canvas).contains(canvas.item(new.name).sceneBoundingRect())
    first = canvas.item("add")
    assert canvas.at(first.mapToScene(QPointF(NodeItem.WIDTH / 2, NodeItem.TITLE_H / 2))) == point
    assert_apart(canvas)


def test_nodes_dropped_by_the_edge_stay_in_view_or_are_scrolled_to(canvas):
    canvas.view.setFocus()
    corner = QPoint(canvas.viewport.width() - 30, canvas.viewport.height() - 15)
    for _ in range(5):  # room in view: inside it
        canvas.drop_from_palette("add", corner)
        (new,) = canvas.scene.selected_nodes()
        assert visible(canvas).contains(canvas.item(new.name).sceneBoundingRect())
    assert_apart(canvas)
    canvas.view.set_zoom(4.0)  # no room in view: the nearest spot, and the view goes there
    for _ in range(2):
        canvas.drop_from_palette("matmul", canvas.viewport.rect().center())
        (new,) = canvas.scene.selected_nodes()
        assert visible(canvas).contains(canvas.item(new.name).sceneBoundingRect())
    assert_apart(canvas)


def test_tab_search_double_click_and_paste_find_room_too(canvas):
    canvas.view.setFocus()
    point = QPoint(400, 300)
    canvas.drop_from_palette("add", point)
    canvas.search_add("matm", point)  # Tab with the mouse there
    beside = canvas.at(canvas.item("add").sceneBoundingRect().topLeft()) - QPoint(12, 12)
    canvas.qtbot.mouseDClick(canvas.viewport, Qt.LeftButton, Qt.NoModifier, beside)
    canvas.qtbot.keyClicks(canvas.view.search.edit, "sigm")
    canvas.key(Qt.Key_Return, widget=canvas.view.search.edit)
    canvas.select("add", "matmul")
    canvas.key(Qt.Key_C, Qt.ControlModifier)
    canvas.qtbot.mouseMove(canvas.viewport, point)
    canvas.key(Qt.Key_V, Qt.ControlModifier)  # the copies' corner where the mouse is
    canvas.key(Qt.Key_D, Qt.ControlModifier)  # and beside them
    assert sorted(footprints(canvas)) == ["add", "add_1", "add_2", "matmul", "matmul_1",
                                          "matmul_2", "sigmoid"]
    assert_apart(canvas)
    shown = visible(canvas)
    assert all(shown.contains(rect) for rect in footprints(canvas).values())


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
    canvas.key(Qt.Key_Home)
    assert all_in_view(canvas) and canvas.view.zoom() >= FRAMING_FLOOR

    canvas.key(Qt.Key_L, Qt.ControlModifier)  # the layout leaves them room too
    assert_badges_readable(canvas)
    assert all_in_view(canvas)

    choose(canvas, "View", "Show Gradients")
    assert not badges(canvas)
    assert all(item.zValue() == 0 for item in canvas.scene.node_items.values())
