"""The canvas's dotted background: a dot on every grid point of the scene, drawn in the screen's
own pixels, on a plain screen and on screens scaled to 150 % and 200 % — also once the view has
been panned with the mouse (the dots move with the scene) and zoomed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DOTS = """
import json
import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from editor import style
from editor.app.window import MainWindow
from editor.canvas.view import GRID
app = QApplication([])
window = MainWindow(persist=False)
window.resize(900, 600)
window.show()
view = window.view
viewport = view.viewport()

def settle():
    for _ in range(5):
        app.processEvents()

def dots(zoom):
    '''Where the dots (pixels of exactly the dots' colour) are, in device pixels modulo their
    spacing, and where the scene's origin is.'''
    settle()
    image = viewport.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    ratio = image.devicePixelRatio()
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), :3].astype(int)
    dot = style.GRID_DOT
    on = (rgb == (dot.blue(), dot.green(), dot.red())).all(axis=2)
    corners = on & ~np.roll(on, 1, axis=0) & ~np.roll(on, 1, axis=1)
    middle = image.height() // 2  # (the empty canvas's hint is written there)
    corners[middle - round(30 * ratio):middle + round(30 * ratio)] = False
    ys, xs = np.nonzero(corners[1:, 1:])  # (a dot cut by the edge is left out)
    spacing = round(GRID * zoom * ratio)
    origin = view.mapFromScene(QPointF(0, 0))
    return {"ratio": ratio, "spacing": spacing, "count": len(xs),
            "xs": sorted({int(x + 1) % spacing for x in xs}),
            "ys": sorted({int(y + 1) % spacing for y in ys}),
            "origin": [(origin.x() * ratio) % spacing, (origin.y() * ratio) % spacing]}

view.set_zoom(1.0)
seen = [dots(1.0)]
start = QPoint(450, 300)  # panned with the middle button, as a user drags the canvas
QTest.mousePress(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, start)
for k in range(1, 5):
    QTest.mouseMove(viewport, start + QPoint(37, 13) * (k / 4))
QTest.mouseRelease(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                   start + QPoint(37, 13))
seen.append(dots(1.0))
view.set_zoom(2.0)
seen.append(dots(2.0))
print(json.dumps(seen))
window.live.close()  # (its compute thread ends before the process does)
window.close()
"""


@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_the_dots_lie_on_the_scenes_grid_in_the_screens_pixels(scale):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
    result = subprocess.run([sys.executable, "-c", DOTS], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    still, panned, zoomed = json.loads(result.stdout.splitlines()[-1])
    assert still["ratio"] == float(scale)
    assert still["origin"] != panned["origin"]  # the pan moved the scene
    for seen in (still, panned, zoomed):
        assert seen["count"] > 20
        # one dot per grid point: every dot at the same place modulo the spacing, and that
        # place where the scene's grid points are (within the pixel a fraction rounds to)
        assert len(seen["xs"]) == len(seen["ys"]) == 1, seen
        for found, origin in zip((seen["xs"][0], seen["ys"][0]), seen["origin"], strict=True):
            offset = (found - origin) % seen["spacing"]
            assert min(offset, seen["spacing"] - offset) <= 1, seen
