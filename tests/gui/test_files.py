"""Files: open, save, broken files, unsaved-change prompts, recent files, examples, layout of
files without positions, settings, and the --screenshot command."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

import engine as ts
from editor.app.window import APPLICATION, ORGANIZATION, MainWindow

ROOT = Path(__file__).resolve().parents[2]


def test_a_broken_file_leaves_the_open_document_untouched(affine, dialogs, tmp_path):
    affine.wire("b", "z", "x")  # an unsaved change
    doc, title = affine.window.doc, affine.window.windowTitle()
    broken = tmp_path / "broken.json"
    broken.write_text(EXAMPLE.read_text().replace('"op": "matmul"', '"op": "matmool"'))
    dialogs.open_path = str(broken)
    affine.open_by_menu()
    assert dialogs.shown == [("critical", dialogs.shown[0][1])]
    message = dialogs.shown[0][1]
    assert "broken.json" in message and "nodes[3]" in message and "matmool" in message
    assert affine.window.doc is doc and affine.window.windowTitle() == title
    assert affine.graph.get_node("z").inputs[0].name == "b"
    truncated = tmp_path / "truncated.json"
    truncated.write_text(EXAMPLE.read_text()[:200])
    dialogs.open_path = str(truncated)
    affine.open_by_menu()
    assert "truncated" in dialogs.shown[-1][1]
    assert affine.window.doc is doc


def test_title_shows_unsaved_changes_and_save_clears_it(affine):
    window = affine.window
    assert window.windowTitle() == f"affine.json — {APPLICATION}"
    affine.wire("b", "z", "x")
    assert window.windowTitle() == f"affine.json* — {APPLICATION}"
    affine.key(Qt.Key_S, Qt.ControlModifier, window)
    assert window.windowTitle() == f"affine.json — {APPLICATION}"
    assert ts.load_graph(window.doc.path).get_node("z").inputs[0].name == "b"
    affine.key(Qt.Key_Z, Qt.ControlModifier, window)
    assert window.windowTitle().startswith("affine.json*")


def test_prompt_on_close_new_and_open_when_dirty(affine, dialogs, tmp_path):
    window = affine.window
    affine.wire("b", "z", "x")
    dialogs.answer = QMessageBox.Cancel
    window.close()
    assert window.isVisible()
    affine.key(Qt.Key_N, Qt.ControlModifier, window)
    assert "b" in window.doc.graph
    dialogs.open_path = str(EXAMPLE)
    affine.open_by_menu()
    assert window.doc.path == tmp_path / "affine.json"
    assert [kind for kind, _ in dialogs.shown] == ["question"] * 3
    dialogs.answer = QMessageBox.Save
    affine.key(Qt.Key_N, Qt.ControlModifier, window)
    assert len(window.doc.graph) == 0
    assert ts.load_graph(tmp_path / "affine.json").get_node("z").inputs[0].name == "b"
    dialogs.answer = QMessageBox.Discard
    affine.search_add("add", affine.viewport.rect().center())
    window.close()
    assert not window.isVisible()


def test_save_as_untitled_adds_json_and_recent_files(canvas, dialogs, tmp_path):
    window = canvas.window
    next(a for a in window.examples_menu.actions() if a.text() == "affine").trigger()
    assert window.windowTitle() == f"affine (example) — {APPLICATION}"
    dialogs.save_path = str(tmp_path / "copy")
    canvas.key(Qt.Key_S, Qt.ControlModifier, window)  # no file yet: asks where
    assert (tmp_path / "copy.json").exists()
    assert window.recent_files() == [str((tmp_path / "copy.json").resolve())]
    stored = QSettings(ORGANIZATION, APPLICATION).value("recent_files")
    assert str(tmp_path / "copy.json") in stored
    window.recent_menu.aboutToShow.emit()
    entries = [a.text() for a in window.recent_menu.actions()]
    assert entries[0] == str((tmp_path / "copy.json").resolve())
    canvas.key(Qt.Key_N, Qt.ControlModifier, window)
    window.recent_menu.actions()[0].trigger()
    canvas.qtbot.waitUntil(lambda: not window.opener.busy)  # read off the GUI thread
    assert window.doc.path == (tmp_path / "copy.json").resolve()
    (tmp_path / "copy.json").unlink()
    canvas.key(Qt.Key_N, Qt.ControlModifier, window)
    window.recent_menu.aboutToShow.emit()
    window.recent_menu.actions()[0].trigger()
    canvas.qtbot.waitUntil(lambda: not window.opener.busy)
    assert "cannot read" in dialogs.shown[-1][1]
    assert window.recent_files() == []


def test_examples_menu_lists_every_example(window):
    titles = [a.text() for a in window.examples_menu.actions()]
    assert titles == sorted(p.stem for p in (ROOT / "resources" / "examples").glob("*.json"))
    window.examples_menu.actions()[titles.index("affine")].trigger()
    assert window.doc.path is None and len(window.doc.graph) == 5


def test_geometry_is_kept_in_settings(qtbot, isolated_settings):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 520)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 520)
    assert Path(isolated_settings).exists()


def test_a_file_without_positions_is_laid_out_by_generation(canvas, tmp_path):
    with ts.Graph().as_default() as g:
        a = ts.Variable([[1.0, 0.0], [0.0, -1.0]], name="A")
        x = ts.placeholder(shape=[2], name="x", default=[1.0, 2.0])
        b = ts.Variable([1.0, 1.0], name="b")
        ts.add(ts.matmul(a, x), b, name="z")
    path = tmp_path / "api.json"
    ts.save_graph(g, path)
    assert canvas.window.open_file(path)
    x_of = {name: canvas.item(name).pos().x() for name in ("A", "x", "b", "matmul", "z")}
    assert x_of["A"] == x_of["x"] < x_of["b"] == x_of["matmul"] < x_of["z"]
    rects = [canvas.item(n).sceneBoundingRect() for n in ("A", "x", "b", "matmul")]
    assert not rects[0].intersects(rects[1]) and not rects[2].intersects(rects[3])
    assert not canvas.window.doc.dirty


def test_arrange_is_one_undo_step(affine):
    affine.drag(affine.title("z"), affine.title("z") + affine.title("A") - affine.title("z"))
    affine.key(Qt.Key_L, Qt.ControlModifier, affine.window)
    x_of = {n: affine.item(n).pos().x() for n in ("A", "x", "b", "matmul", "z")}
    assert x_of["A"] == x_of["x"] < x_of["b"] == x_of["matmul"] < x_of["z"]
    stack = affine.window.doc.undo_stack
    assert stack.text(stack.count() - 1) == "Arrange 5 nodes"
    affine.key(Qt.Key_Z, Qt.ControlModifier, affine.window)
    assert affine.item("z").pos() == affine.item("A").pos()


def test_screenshot_writes_a_png_of_the_window(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, "main.py", "--screenshot", str(out)], cwd=ROOT, env=env,
                   check=True, timeout=60, capture_output=True)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    colors = {image.pixel(x, y) for x in range(0, 1280, 13) for y in range(0, 800, 9)}
    assert len(colors) > 20  # drawn, not blank (the canvas has most of the window's area)


def test_screenshot_of_a_broken_file_fails_with_the_message(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "main.py", "--screenshot", str(tmp_path / "x.png"),
                             str(broken)], cwd=ROOT, env=env, timeout=60, capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert "broken.json" in result.stderr and "not valid JSON" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_screenshot_with_a_selected_node_waits_for_its_value_and_exits_cleanly(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "main.py", "--screenshot", str(out), "--select",
                             "z"], cwd=ROOT, env=env, timeout=60, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "QThread" not in result.stderr
    assert QImage(str(out)).width() == 1280
