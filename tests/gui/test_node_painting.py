"""A node is drawn from a picture it keeps of itself (made from a picture of its body — title,
ports, labels — with its shape and preview written over it) once it looks as it did before
(the first time, it is painted straight: a zoom's every step, or new values, may not come
back): what the canvas shows must be what painting each node afresh shows, after every gesture
that changes a node's wiring, shape, mark, selection or name, and at a fractional scale of the
screen too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPixmapCache
from PySide6.QtWidgets import QApplication

from editor.canvas.items.node import NodeItem
from editor.document import BLOCKED, ERROR, OK

ROOT = Path(__file__).resolve().parents[2]


def picture(canvas) -> QImage:
    """The canvas as it is on screen, once what was asked for is evaluated and painted: each
    node from its kept picture (painted once more first: a look's first paint is straight)."""
    canvas.qtbot.waitUntil(lambda: not canvas.window.live.compute.busy)
    for _ in range(5):
        QApplication.processEvents()
    for item in canvas.scene.node_items.values():
        item.update()
    for _ in range(5):
        QApplication.processEvents()
    return canvas.viewport.grab().toImage()


def painted_afresh(canvas, monkeypatch) -> QImage:
    """The canvas with every node painted from scratch onto it, without its pictures."""
    items = canvas.scene.node_items.values()
    with monkeypatch.context() as patch:
        patch.setattr(NodeItem, "_paint_picture", lambda *args: False)
        for item in items:
            assert item.cacheMode() == item.CacheMode.NoCache  # (straight onto the canvas)
            item.update()
        image = picture(canvas)
    for item in items:
        item.update()
    return image


def alike(a: QImage, b: QImage) -> bool:
    """Whether two pictures of the canvas are the same but for text's antialiasing, which
    blends a glyph's edge over a node's transparent picture not quite as over the canvas (a
    level or two of a colour channel); a shape or mark missing, or anything a pixel out of
    place, differs by far more."""
    return a.size() == b.size() and int(np.abs(pixels(a) - pixels(b)).max()) <= 2


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4).astype(int)


@pytest.mark.parametrize("cached", [True, False])
def test_a_node_looks_the_same_from_its_kept_body(affine, monkeypatch, cached):
    if not cached:
        QPixmapCache.clear()  # (the kept bodies go: each is drawn again when next shown)
    before = picture(affine)
    assert alike(before, painted_afresh(affine, monkeypatch))

    affine.drag(affine.port("z", "y"), affine.port("z", "y") + QPoint(80, 150))  # unwire
    unwired = picture(affine)
    assert affine.item("z").shape_text == "?"  # muted: the input is missing
    assert unwired != before
    assert alike(unwired, painted_afresh(affine, monkeypatch))

    affine.select("z")  # the selection's outline
    assert affine.item("z").isSelected()
    assert alike(picture(affine), painted_afresh(affine, monkeypatch))
    affine.click(affine.at(affine.item("z").pos()) + QPoint(-60, -60))  # on the empty canvas
    assert not affine.item("z").isSelected()

    for state in (BLOCKED, ERROR):  # the live evaluation's marks: muted, red
        affine.item("matmul").set_state(state, "matmul: waits for x")
        assert alike(picture(affine), painted_afresh(affine, monkeypatch))
    affine.item("matmul").set_state(OK)

    affine.key(Qt.Key_Z, Qt.ControlModifier)  # undo: wired again, the mark gone
    assert affine.item("z").shape_text == "(2,)"
    assert alike(picture(affine), before)  # (its first paint was straight, this one kept)

    affine.rename("z", "out")  # a new name: nothing else of the node changed
    renamed = picture(affine)
    assert renamed != before
    assert alike(renamed, painted_afresh(affine, monkeypatch))


AT_A_SCALE = """
import sys
from PySide6.QtWidgets import QApplication
from editor.app.window import MainWindow
from editor.canvas.items.node import NodeItem
app = QApplication([])
window = MainWindow(persist=False)
window.resize(900, 600)
window.show()
assert window.open_file(sys.argv[1], example=True)
window.view.set_zoom(1.0)
def grab():
    for item in window.scene.node_items.values():
        item.update()
    for _ in range(5):
        app.processEvents()
    return window.view.viewport().grab().toImage()
grab()  # (a look's first paint is straight: the next is from the node's picture)
kept = grab()
NodeItem._paint_picture = lambda *args: False
for item in window.scene.node_items.values():
    item.setCacheMode(item.CacheMode.NoCache)  # (painted straight onto the canvas)
afresh = grab()
print(kept.devicePixelRatio())
kept.save(sys.argv[2])
afresh.save(sys.argv[3])
window.live.close()  # (its compute thread ends before the process does)
window.close()
"""


def test_a_node_is_drawn_where_painting_it_draws_it_at_a_fractional_scale(tmp_path):
    """At 150 % (a screen scaled so) a node's corner falls between device pixels: its picture
    is drawn at that fraction of a pixel, as painting it is, so that wires meet its ports."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "1.5"}
    kept, afresh = tmp_path / "kept.png", tmp_path / "afresh.png"
    result = subprocess.run([sys.executable, "-c", AT_A_SCALE,
                             str(ROOT / "resources" / "examples" / "mlp.json"), str(kept),
                             str(afresh)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 1.5
    assert alike(QImage(str(kept)), QImage(str(afresh)))
