"""A graph bigger than the view: its node and wire items are made for what the view shows (and
what an action needs), and everything a user does works the same on the nodes without one."""

from __future__ import annotations

import numpy as np
from conftest import WAIT, open_graph
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor

import engine as ts
from editor import style
from editor.app.export_image import export_image
from editor.canvas.items.edge import EdgeItem
from editor.canvas.items.gradient_badge import GradientBadge
from editor.canvas.items.node import NodeItem
from editor.canvas.view import AREA_MARGIN
from engine import Graph

ROWS, LENGTH = 12, 24
"""A grid of chains: 12 rows of a variable and 23 negatives, 250 units apart (≈ 6,000 × 1,900
units: at 100 % far bigger than the view)."""
STEP_X, STEP_Y = 250, 160


def grid() -> Graph:
    graph = Graph()
    for r in range(ROWS):
        node = graph.add_node("variable", name=f"v{r}", value=np.array([float(r)]),
                              ui={"pos": [0, STEP_Y * r]})
        for k in range(1, LENGTH):
            node = graph.add_node("negative", [node], name=f"n{r}_{k}",
                                  ui={"pos": [STEP_X * k, STEP_Y * r]})
    return graph


def at_100(canvas, scene_point: QPointF) -> None:
    """Look at ``scene_point`` at 100 %: from far out (no item made on the way)."""
    view = canvas.view
    view.set_zoom(0.1)
    view.centerOn(scene_point)
    view.zoom_by(1 / view.zoom())


def shown_area(canvas) -> QRectF:
    view = canvas.view
    return view.mapToScene(view.viewport().rect()).boundingRect()


def made(canvas) -> set[str]:
    return {item.node.name for item in canvas.scene.items() if isinstance(item, NodeItem)}


def test_items_are_made_only_near_the_view_and_follow_scrolling_and_zooming(canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    total = ROWS * LENGTH
    shown = shown_area(canvas)
    near = shown.adjusted(-shown.width() * AREA_MARGIN, -shown.height() * AREA_MARGIN,
                          shown.width() * AREA_MARGIN, shown.height() * AREA_MARGIN)
    first = made(canvas)
    assert "v0" in first and 0 < len(first) < total / 2
    for item in canvas.scene.items():
        if isinstance(item, NodeItem):
            assert item.sceneBoundingRect().intersects(near)
    far = "n11_23"
    assert far not in first

    start = canvas.viewport.rect().center()  # pan with the middle button to the far corner
    for _ in range(12):
        canvas.drag(start, start - QPoint(500, 160), button=Qt.MiddleButton)
    assert far in made(canvas)
    assert canvas.viewport.rect().contains(canvas.title(far))

    canvas.key(Qt.Key_Home)  # the whole graph
    assert canvas.scene.overview_mode
    before = made(canvas)
    assert "n10_4" not in before  # (off the way the pan went)
    canvas.view.zoom_by(1 / canvas.view.zoom(), canvas.at(QPointF(STEP_X * 4, STEP_Y * 10)))
    assert not canvas.scene.overview_mode
    assert made(canvas) > before and "n10_4" in made(canvas)


def test_far_out_a_rubber_band_selects_nodes_without_items_and_delete_and_undo_them(
        canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    canvas.key(Qt.Key_Home)
    scene, view = canvas.scene, canvas.view
    assert scene.overview_mode
    # a band around rows 8 to 11, from column 12 on: none of them has an item
    corner = canvas.at(QPointF(STEP_X * 12 - 30, STEP_Y * 8 - 30))
    end = canvas.at(QPointF(STEP_X * (LENGTH - 1) + NodeItem.WIDTH + 20, STEP_Y * ROWS))
    assert view.viewport().rect().contains(end)
    canvas.drag(corner, end)
    chosen = {node.name for node in scene.selected()}
    expected = {f"n{r}_{k}" for r in range(8, ROWS) for k in range(12, LENGTH)}
    assert chosen == expected
    assert not chosen & made(canvas)

    canvas.key(Qt.Key_Delete)
    graph = canvas.graph
    assert not any(name in graph for name in expected) and len(graph) == ROWS * LENGTH - 48
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert all(name in graph for name in expected)
    assert graph.get_node("n9_13").inputs[0] is graph.get_node("n9_12")

    canvas.click(canvas.at(QPointF(-400, -400)))  # empty canvas: nothing selected
    assert not scene.selected()
    at_100(canvas, QPointF(STEP_X * 18, STEP_Y * 9))
    assert "n9_18" in made(canvas)  # the nodes brought back have items when shown
    assert view.viewport().rect().contains(canvas.title("n9_18"))


def test_select_all_delete_and_undo_on_nodes_mostly_without_items(canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    scene, graph = canvas.scene, canvas.graph
    names = [node.name for node in graph.nodes]
    assert len(made(canvas)) < len(names)
    canvas.key(Qt.Key_A, Qt.ControlModifier)
    assert len(scene.selected()) == len(names)
    assert all(item.isSelected() for item in scene.items() if isinstance(item, NodeItem))

    canvas.key(Qt.Key_Delete)
    assert len(graph) == 0 and scene.items() == [] and not scene.selected()
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert [node.name for node in graph.nodes] == names
    assert "v0" in made(canvas) and "n11_23" not in made(canvas)
    canvas.click(canvas.title("v0"))
    assert [node.name for node in scene.selected()] == ["v0"]


def test_dragging_a_selection_moves_its_nodes_without_items_too(canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    canvas.key(Qt.Key_A, Qt.ControlModifier)
    assert "n11_23" not in made(canvas)
    canvas.drag(canvas.title("v0"), canvas.title("v0") + QPoint(40, 20), steps=6)
    graph = canvas.graph
    assert graph.get_node("v0").ui["pos"] == [40, 20]
    assert graph.get_node("n11_23").ui["pos"] == [STEP_X * 23 + 40, STEP_Y * 11 + 20]
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert graph.get_node("n11_23").ui["pos"] == [STEP_X * 23, STEP_Y * 11]


def test_a_value_computed_off_screen_shows_when_its_node_scrolls_into_view(canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    far = "n5_20"  # -5 negated 20 times
    assert far not in made(canvas)
    canvas.qtbot.waitUntil(lambda: not canvas.window.live.compute.busy)
    assert far not in made(canvas)
    canvas.view.centerOn(QPointF(STEP_X * 20, STEP_Y * 5))
    assert far in made(canvas)
    assert canvas.item(far).preview_text() == "[5]"


def test_rename_of_a_selected_node_without_an_item(canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    canvas.window.select_names(["n10_22"])
    assert "n10_22" not in made(canvas)
    canvas.key(Qt.Key_F2)
    canvas.qtbot.waitUntil(lambda: canvas.view._rename_edit is not None)
    edit = canvas.view._rename_edit
    assert edit.text() == "n10_22"
    canvas.key(Qt.Key_A, Qt.ControlModifier, edit)
    canvas.qtbot.keyClicks(edit, "far")
    canvas.key(Qt.Key_Return, widget=edit)
    assert "far" in canvas.graph and canvas.viewport.rect().contains(canvas.title("far"))


def test_a_long_wire_whose_ends_are_both_off_screen_is_drawn_across_the_view(canvas, tmp_path):
    graph = grid()
    left = graph.add_node("variable", name="left", value=np.array([1.0]),
                          ui={"pos": [-3000, 3000]})
    graph.add_node("negative", [left], name="right", ui={"pos": [6000, 3000]})
    open_graph(canvas, tmp_path, graph)
    middle = QPointF(1500, 3000 + NodeItem.TITLE_H + NodeItem.ROW_H / 2)  # on the wire
    at_100(canvas, middle)
    shown = shown_area(canvas)
    assert not shown.intersects(canvas.scene.node_rect(canvas.graph.get_node("left")))
    assert not shown.intersects(canvas.scene.node_rect(canvas.graph.get_node("right")))
    assert any(isinstance(item, EdgeItem) and item.target.node.name == "right"
               for item in canvas.scene.items(middle))
    picture = canvas.viewport.grab().toImage()
    point = canvas.at(middle) * picture.devicePixelRatio()
    background = style.BACKGROUND.rgb()
    column = [QColor(picture.pixel(point.x(), point.y() + dy)).rgb() for dy in range(-3, 4)]
    assert any(color != background for color in column)  # the wire's pixels


def test_far_out_a_node_without_an_item_whose_shape_is_wrong_is_drawn_red(canvas, tmp_path):
    graph = grid()
    two = graph.add_node("variable", name="two", value=np.zeros(2),
                         ui={"pos": [STEP_X * 20, STEP_Y * 12]})
    three = graph.add_node("variable", name="three", value=np.zeros(3),
                           ui={"pos": [STEP_X * 20, STEP_Y * 13]})
    graph.add_node("add", [two, three], name="bad", ui={"pos": [STEP_X * 22, STEP_Y * 12]})
    open_graph(canvas, tmp_path, graph)
    at_100(canvas, QPointF(0, 0))
    canvas.key(Qt.Key_Home)
    assert canvas.scene.overview_mode and "bad" not in made(canvas)
    title = QPointF(STEP_X * 22 + NodeItem.WIDTH / 2, STEP_Y * 12 + NodeItem.TITLE_H / 2)
    picture = canvas.viewport.grab().toImage()
    point = canvas.at(title) * picture.devicePixelRatio()
    assert QColor(picture.pixel(point.x(), point.y())).rgb() == style.ERROR.rgb()
    assert "bad" not in made(canvas)


def test_gradient_badges_hang_on_variables_off_screen_and_show_when_scrolled_to(
        qtbot, canvas, tmp_path):
    graph = grid()
    with graph.as_default():
        loss = ts.add(ts.reduce_sum(graph.get_node("n0_23")),
                      ts.reduce_sum(graph.get_node("n11_23")), name="J")
        ts.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    for k, node in enumerate(n for n in list(graph.nodes) if "pos" not in n.ui):
        graph.set_ui(node, pos=[STEP_X * 25, STEP_Y * k])
    open_graph(canvas, tmp_path, graph)
    at_100(canvas, QPointF(0, 0))
    scene, view = canvas.scene, canvas.view
    assert "v0" in made(canvas) and "v11" not in made(canvas)
    canvas.window.training.show_gradients_action.trigger()

    def badges() -> dict[str, GradientBadge]:
        return {item.node.name: child for item in scene.items() if isinstance(item, NodeItem)
                for child in item.childItems() if isinstance(child, GradientBadge)}

    qtbot.waitUntil(lambda: sorted(badges()) == ["v0", "v11"], timeout=WAIT)
    badge = badges()["v11"]
    view.centerOn(scene.node_rect(canvas.graph.get_node("v11")).center())
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert badge.isVisible() and shown.intersects(badge.sceneBoundingRect())
    assert badge.text.startswith("∇")


def test_export_image_draws_every_node_those_without_items_too(canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    assert "n11_23" not in made(canvas)
    path = tmp_path / "grid.svg"
    export_image(canvas.scene, path)
    text = path.read_text()
    assert all(f">{name}<" in text for name in ("v0", "n5_12", "n11_23"))


def body_color(canvas, name: str) -> int:
    """The colour the view shows in the middle of node ``name``'s body (below its title; a
    negative of :func:`grid`, whether or not it is in the graph now)."""
    r, k = (int(part) for part in name[1:].split("_"))
    height = NodeItem.height_for(canvas.graph.get_node("n0_1"))
    middle = QPointF(STEP_X * k + NodeItem.WIDTH / 2, STEP_Y * r + (NodeItem.TITLE_H + height) / 2)
    picture = canvas.viewport.grab().toImage()
    point = canvas.at(middle) * picture.devicePixelRatio()
    return QColor(picture.pixel(point.x(), point.y())).rgb()


def test_far_out_a_click_selection_and_an_edit_show_in_the_overview(canvas, tmp_path,
                                                                   monkeypatch):
    import editor.canvas.items.overview as overview

    monkeypatch.setattr(overview, "SLICE", 50)  # an edit's redraw takes a few turns
    open_graph(canvas, tmp_path, grid())
    at_100(canvas, QPointF(0, 0))
    canvas.key(Qt.Key_Home)
    scene = canvas.scene
    assert scene.overview_mode
    first, second = "n3_20", "n9_5"
    assert body_color(canvas, first) == body_color(canvas, second) == style.NODE_BODY.rgb()
    for name, other in ((first, second), (second, first)):  # the selection moves
        r, k = (int(part) for part in name[1:].split("_"))
        canvas.click(canvas.at(QPointF(STEP_X * k + NodeItem.WIDTH / 2,
                                       STEP_Y * r + NodeItem.TITLE_H / 2)))
        assert [n.name for n in scene.selected()] == [name]
        assert body_color(canvas, name) == style.SELECTED.rgb()
        assert body_color(canvas, other) == style.NODE_BODY.rgb()
    canvas.key(Qt.Key_Delete)  # an edit far out: the node goes from the picture (redrawn
    assert second not in canvas.graph  # from the event loop, a slice a turn)
    canvas.qtbot.waitUntil(lambda: body_color(canvas, second) == style.BACKGROUND.rgb(),
                           timeout=WAIT)
    canvas.key(Qt.Key_Z, Qt.ControlModifier)  # and comes back (not selected)
    assert second in canvas.graph and not scene.selected()
    canvas.qtbot.waitUntil(lambda: body_color(canvas, second) == style.NODE_BODY.rgb(),
                           timeout=WAIT)
    assert body_color(canvas, first) == style.NODE_BODY.rgb()
    canvas.key(Qt.Key_A, Qt.ControlModifier)  # everything selected shows
    assert body_color(canvas, second) == body_color(canvas, first) == style.SELECTED.rgb()


def test_far_out_a_deleted_node_leaves_the_picture_and_comes_back_in_its_place_with_undo(
        canvas, tmp_path):
    open_graph(canvas, tmp_path, grid())
    canvas.key(Qt.Key_Home)
    scene = canvas.scene
    assert scene.overview_mode and "n5_10" not in made(canvas)
    before = [n.name for n in canvas.graph.nodes]
    title = QPointF(STEP_X * 10 + NodeItem.WIDTH / 2, STEP_Y * 5 + NodeItem.TITLE_H / 2)

    def pixel() -> int:
        canvas.qtbot.waitUntil(lambda: not scene.overview.redrawing, timeout=WAIT)
        picture = canvas.viewport.grab().toImage()
        point = canvas.at(title) * picture.devicePixelRatio()
        return QColor(picture.pixel(point.x(), point.y())).rgb()

    shown = pixel()
    canvas.click(canvas.at(title))
    assert scene.selected_nodes() == [canvas.graph.get_node("n5_10")]
    canvas.key(Qt.Key_Delete)
    assert "n5_10" not in canvas.graph and pixel() != shown
    canvas.key(Qt.Key_Z, Qt.ControlModifier)
    assert [n.name for n in canvas.graph.nodes] == before
    assert pixel() == shown
    assert canvas.graph.get_node("n5_10").inputs == [canvas.graph.get_node("n5_9")]
