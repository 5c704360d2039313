"""File › Open of a big graph draws its canvas in slices from the event loop, under the open's
progress dialog: Cancel while it draws leaves the open document as it was; a finished open
shows every node. (The slices are made small here: 2,000 nodes, 300 items a slice.)"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from test_big_graphs import chains, wires

import editor.app.opening as opening
from editor.canvas.scene import GraphScene
from editor.document.commands import MoveNodes
from engine import load_graph, save_graph

HELD_AFTER = 4
"""Slices made before the drawing is held (see ``held_drawing``)."""


@pytest.fixture
def held_drawing(monkeypatch):
    """Slices of 300, the dialog at once, and the drawing held after :data:`HELD_AFTER`
    slices (it yields how far it is, making nothing) while ``state["hold"]``."""
    monkeypatch.setattr(opening, "SHOW_AFTER_MS", 0)
    monkeypatch.setattr(opening, "BUILD_SLICE", 300)
    state = {"hold": True, "slices": 0, "closed": False}
    build = GraphScene.build

    def held(self, *args):
        try:
            for fraction in build(self, *args):
                state["slices"] += 1
                yield fraction
                while state["hold"] and state["slices"] >= HELD_AFTER:
                    yield fraction
        except GeneratorExit:
            state["closed"] = True
            raise

    monkeypatch.setattr(GraphScene, "build", held)
    return state


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "big.json"
    save_graph(chains(20, 33), path)  # 2,021 nodes, no positions: opening lays them out
    return path


def test_cancel_while_the_canvas_is_drawn_leaves_the_open_document(
        affine, dialogs, held_drawing, big_file, qtbot):
    window = affine.window
    affine.select("A")
    affine.key(Qt.Key_Delete)  # unsaved work
    doc, scene, title = window.doc, window.scene, window.windowTitle()
    names = {item.node.name for item in scene.node_items.values()}
    dialogs.open_path = str(big_file)
    affine.key(Qt.Key_O, Qt.ControlModifier, window)
    qtbot.waitUntil(lambda: held_drawing["slices"] >= HELD_AFTER)
    progress = window.opener.dialog
    assert progress is not None and progress.isVisible()
    assert "Drawing big.json" in progress.labelText()
    assert 0 < progress.value() < progress.maximum()  # part of the way
    assert window.doc is doc and window.view.scene() is scene  # the old one, still shown

    cancel = next(b for b in progress.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel, Qt.LeftButton)
    assert held_drawing["closed"] and not window.opener.busy and window.opener.dialog is None
    assert window.doc is doc and window.scene is scene and window.view.scene() is scene
    assert window.windowTitle() == title and doc.dirty and "A" not in doc.graph
    assert dialogs.shown == []  # nothing asked: the open document stays as it is
    assert {item.node.name for item in scene.node_items.values()} == names

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # its keys again
    affine.key(Qt.Key_Z, Qt.ControlModifier)  # the old document's work goes on
    assert "A" in doc.graph and "A" in {i.node.name for i in scene.node_items.values()}


def test_a_finished_open_shows_every_node_and_wire(affine, dialogs, held_drawing, big_file):
    held_drawing["hold"] = False
    affine.select("A")
    affine.key(Qt.Key_Delete)  # unsaved work: asked about once the canvas is drawn (Discard)
    dialogs.open_path = str(big_file)
    affine.open_by_menu()
    assert [kind for kind, _ in dialogs.shown] == ["question"]
    window, expected = affine.window, load_graph(big_file)
    assert window.doc.path == big_file and window.view.scene() is window.scene
    assert held_drawing["slices"] > 10  # drawn in slices
    scene = window.scene
    assert {node.name for node in scene.index.nodes()} == {n.name for n in expected}
    assert {(target.name, port, source.name) for target, port, source, *_
            in scene.index.wire_lines()} == wires(expected)
    shown = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert all(shown.contains(scene.node_rect(node)) for node in scene.index.nodes())
    assert window.opener.dialog is None


def test_far_out_the_canvas_drawn_in_slices_looks_as_one_drawn_whole(
        affine, dialogs, held_drawing, big_file):
    held_drawing["hold"] = False
    dialogs.open_path = str(big_file)
    affine.open_by_menu()
    scene, view = affine.window.scene, affine.window.view
    assert scene.overview_mode  # framed far out: the overview, drawn as the items were made
    in_slices = view.viewport().grab().toImage()
    scene.overview.invalidate()  # drawn again, whole
    assert view.viewport().grab().toImage() == in_slices


def test_a_node_moved_far_beyond_the_opened_graph_is_found_by_a_click(
        affine, dialogs, held_drawing, big_file):
    held_drawing["hold"] = False
    dialogs.open_path = str(big_file)
    affine.open_by_menu()
    window, name = affine.window, "v3_7"
    x, y = window.doc.graph.get_node(name).ui["pos"]
    assert window.scene.run(MoveNodes(window.doc, {name: [x + 50_000, y - 30_000]}))
    item = affine.item(name)
    # the scene's index covers it (its rectangle, fixed while the canvas was drawn, grew)
    assert window.scene.sceneRect().contains(item.sceneBoundingRect())
    window.view.set_zoom(1.0)
    window.view.centerOn(item)
    affine.click(affine.title(name))
    assert window.scene.selected_nodes() == [item.node]


def test_a_finished_open_is_framed_as_frame_all_frames_it(
        affine, dialogs, held_drawing, big_file):
    held_drawing["hold"] = False
    dialogs.open_path = str(big_file)
    affine.open_by_menu()  # framed by the extent worked out as the items were made
    view = affine.window.view
    opened = (view.transform(), view.mapToScene(view.viewport().rect().center()))
    affine.key(Qt.Key_Home)  # Frame All: worked out from every item
    assert (view.transform(), view.mapToScene(view.viewport().rect().center())) == opened
    assert affine.window.undo_group.activeStack() is affine.window.doc.undo_stack
    assert affine.window.windowTitle().startswith("big")


def test_far_out_the_kept_picture_looks_as_the_overview_drawn_anew(
        affine, dialogs, held_drawing, big_file, monkeypatch):
    import editor.canvas.items.overview as overview

    held_drawing["hold"] = False
    dialogs.open_path = str(big_file)
    affine.open_by_menu()
    scene, view = affine.window.scene, affine.window.view
    assert scene.overview_mode
    view.zoom_by(0.9, QPoint(123, 77))  # (a zoom and an offset of no round numbers)
    kept = view.viewport().grab().toImage()
    assert view.viewport().grab().toImage() == kept  # painted again from the picture kept
    monkeypatch.setattr(overview, "PICTURE_PIXELS", 0)  # none kept: drawn anew each time
    scene.overview.invalidate()
    assert view.viewport().grab().toImage() == kept


def test_cancel_while_the_new_document_is_swapped_in_finishes_the_swap(
        affine, dialogs, held_drawing, big_file, qtbot, monkeypatch):
    from editor.app.window import MainWindow

    held_drawing["hold"] = False
    window = affine.window
    swap_steps = MainWindow._swap_steps

    def steps(self, *args):
        made = swap_steps(self, *args)

        def first_then_cancel() -> None:  # Cancel pressed in the next turn, between two steps
            made[0]()
            QTimer.singleShot(0, lambda: qtbot.mouseClick(next(
                b for b in window.opener.dialog.findChildren(QPushButton)
                if b.text() == "Cancel"), Qt.LeftButton))

        return [first_then_cancel, *made[1:]]

    monkeypatch.setattr(MainWindow, "_swap_steps", steps)
    dialogs.open_path = str(big_file)
    affine.open_by_menu()
    assert not window.opener.busy and window.opener.dialog is None
    assert window.doc.path == big_file and window.view.scene() is window.scene
    assert window.undo_group.activeStack() is window.doc.undo_stack  # the swap finished
    assert window.live.scene is window.scene and window.training.doc is window.doc
    assert window.windowTitle().startswith("big")
