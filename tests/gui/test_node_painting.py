"""A node draws its body (title, ports, labels) from a picture it keeps, and its shape and
preview over it: what the canvas shows must be what painting each node afresh shows, after
every gesture that changes a node's wiring, shape, mark or selection."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPixmapCache
from PySide6.QtWidgets import QApplication, QGraphicsItem

from editor.canvas.items.node import NodeItem
from editor.document import BLOCKED, ERROR, OK


def picture(canvas) -> QImage:
    """The canvas as it is on screen, once what was asked for is evaluated and painted."""
    canvas.qtbot.waitUntil(lambda: not canvas.window.live.compute.busy)
    for _ in range(5):
        QApplication.processEvents()
    return canvas.viewport.grab().toImage()


def painted_afresh(canvas, monkeypatch) -> QImage:
    """The canvas with every node painted from scratch, without the pictures it keeps — into
    a layer of its own, as its pictures are (text over a layer is blended as over a
    transparent picture, not as over the opaque canvas)."""
    items = canvas.scene.node_items.values()
    with monkeypatch.context() as patch:
        patch.setattr(NodeItem, "_paint_picture", lambda *args: False)
        for item in items:
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        image = picture(canvas)
    for item in items:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    return image


@pytest.mark.parametrize("cached", [True, False])
def test_a_node_looks_the_same_from_its_kept_body(affine, monkeypatch, cached):
    if not cached:
        QPixmapCache.clear()  # (the kept bodies go: each is drawn again when next shown)
    before = picture(affine)
    assert before == painted_afresh(affine, monkeypatch)

    affine.drag(affine.port("z", "y"), affine.port("z", "y") + QPoint(80, 150))  # unwire
    unwired = picture(affine)
    assert affine.item("z").shape_text == "?"  # muted: the input is missing
    assert unwired != before
    assert unwired == painted_afresh(affine, monkeypatch)

    affine.select("z")  # the selection's outline
    assert affine.item("z").isSelected()
    assert picture(affine) == painted_afresh(affine, monkeypatch)
    affine.click(affine.at(affine.item("z").pos()) + QPoint(-60, -60))  # on the empty canvas
    assert not affine.item("z").isSelected()

    for state in (BLOCKED, ERROR):  # the live evaluation's marks: muted, red
        affine.item("matmul").set_state(state, "matmul: waits for x")
        assert picture(affine) == painted_afresh(affine, monkeypatch)
    affine.item("matmul").set_state(OK)

    affine.key(Qt.Key_Z, Qt.ControlModifier)  # undo: wired again, the mark gone
    assert affine.item("z").shape_text == "(2,)"
    assert picture(affine) == before

    affine.rename("z", "out")  # a new name: nothing else of the node changed
    renamed = picture(affine)
    assert renamed != before
    assert renamed == painted_afresh(affine, monkeypatch)
