"""Navigating the canvas: zoom around the cursor, pan, framing, level of detail, highlights."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from editor import style
from editor.canvas.items.overview import OVERVIEW_ZOOM
from editor.document.commands import SetValue


def wheel(canvas, point: QPoint, steps: int) -> None:
    event = QWheelEvent(QPointF(point), QPointF(canvas.viewport.mapToGlobal(point)), QPoint(),
                        QPoint(0, 120 * steps), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase,
                        False)
    QApplication.sendEvent(canvas.viewport, event)


def visible_rect(canvas):
    return canvas.view.mapToScene(canvas.viewport.rect()).boundingRect()


def test_wheel_zooms_around_the_cursor(affine):
    point = affine.port("matmul", "a")
    under = affine.view.mapToScene(point)
    wheel(affine, point, 2)
    assert abs(affine.view.zoom() - 1.15 ** 2) < 1e-6
    after = affine.view.mapToScene(point)
    assert abs(after.x() - under.x()) < 2 and abs(after.y() - under.y()) < 2
    wheel(affine, point, -4)
    assert affine.view.zoom() < 1


def test_middle_drag_and_space_drag_pan(affine):
    before = visible_rect(affine).center()
    affine.drag(QPoint(400, 400), QPoint(300, 350), button=Qt.MiddleButton)
    moved = visible_rect(affine).center()
    assert abs(moved.x() - before.x() - 100) < 2 and abs(moved.y() - before.y() - 50) < 2
    affine.qtbot.keyPress(affine.view, Qt.Key_Space)
    affine.drag(QPoint(600, 600), QPoint(650, 600))
    affine.qtbot.keyRelease(affine.view, Qt.Key_Space)
    assert abs(visible_rect(affine).center().x() - moved.x() + 50) < 2
    assert affine.scene.selected_nodes() == []
    assert affine.window.doc.undo_stack.count() == 0


def test_home_frames_everything_and_f_the_selection(affine):
    affine.view.set_zoom(0.2)
    affine.view.centerOn(QPointF(5000, 5000))
    affine.key(Qt.Key_Home)
    shown = visible_rect(affine)
    for item in affine.scene.node_items.values():
        assert shown.contains(item.sceneBoundingRect())
    affine.select("z")
    affine.key(Qt.Key_F)
    assert visible_rect(affine).contains(affine.item("z").sceneBoundingRect())
    assert not visible_rect(affine).contains(affine.item("A").sceneBoundingRect())


def test_zoomed_far_out_the_overview_draws_the_graph(affine):
    affine.view.set_zoom(OVERVIEW_ZOOM / 2)
    assert affine.scene.overview_mode
    image = affine.view.grab().toImage()
    center = affine.view.mapFromScene(affine.item("matmul").sceneBoundingRect().center())
    assert image.pixelColor(center).name() != image.pixelColor(QPoint(3, 3)).name()
    affine.key(Qt.Key_Home)
    assert not affine.scene.overview_mode


def test_compatible_ports_light_up_while_wiring(affine):
    viewport = affine.viewport
    start = affine.port("matmul")
    affine.qtbot.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, start)
    affine.qtbot.mouseMove(viewport, start + QPoint(30, 30))
    assert affine.item("z").highlight == {("in", 0), ("in", 1)}
    assert affine.item("A").highlight == set()  # feeds matmul: wiring into it closes a cycle
    assert affine.item("matmul").highlight == set()
    affine.qtbot.mouseMove(viewport, affine.port("z", "y"))
    assert affine.item("z").hover_port == ("in", 1)
    affine.qtbot.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, affine.port("z", "y"))
    assert affine.item("z").highlight == set()
    assert [s.name for s in affine.graph.get_node("z").inputs] == ["matmul", "matmul"]


def test_undo_history_lists_every_step(affine):
    affine.window.history_dock.raise_()  # the History dock in front, as a user looking at it
    affine.wire("b", "z", "x")
    affine.rename("b", "bias")
    history = affine.window.history
    texts = [history.model().index(i, 0).data() for i in range(history.model().rowCount())]
    assert texts == ["Start", "Connect b → z.x", "Rename b to bias"]
    affine.qtbot.waitUntil(history.updatesEnabled)  # it repaints a moment after the edit
    assert history.currentIndex().row() == 2
    start = history.visualRect(history.model().index(0, 0)).center()
    affine.qtbot.mouseClick(history.viewport(), Qt.LeftButton, pos=start)
    assert "b" in affine.graph and affine.graph.get_node("z").inputs[0].name == "matmul"


def test_canvas_keys_do_not_fire_while_typing_in_a_field(affine):
    affine.select("A")
    edit = affine.window.properties.fields["value"].widget
    edit.setFocus()
    affine.key(Qt.Key_End, widget=edit)
    affine.key(Qt.Key_Backspace, widget=edit)
    affine.key(Qt.Key_Delete, widget=edit)
    assert "A" in affine.graph


def test_select_and_move_while_zoomed_far_out(affine):
    affine.view.set_zoom(OVERVIEW_ZOOM / 2)
    affine.view.centerOn(affine.item("matmul"))
    rect = affine.item("matmul").sceneBoundingRect()
    corner = affine.at(rect.topLeft()) - QPoint(3, 3)
    affine.drag(corner, affine.at(rect.bottomRight()) + QPoint(3, 3))
    assert [n.name for n in affine.scene.selected_nodes()] == ["matmul"]
    start = QPointF(affine.item("matmul").pos())
    center = affine.at(rect.center())
    affine.drag(center, center + QPoint(10, 0))
    assert affine.item("matmul").pos().x() > start.x() + 50
    affine.key(Qt.Key_Z, Qt.ControlModifier, affine.window)
    assert affine.item("matmul").pos() == start


def test_an_empty_canvas_says_how_to_start(canvas):
    def text_pixels():
        image = canvas.view.grab().toImage()
        center = canvas.viewport.rect().center()
        row = [image.pixelColor(x, center.y()).lightness() for x in range(center.x() - 150,
                                                                           center.x() + 150)]
        return sum(v > 100 for v in row)

    assert text_pixels() > 5
    canvas.search_add("add", QPoint(50, 50))
    assert text_pixels() == 0
    canvas.key(Qt.Key_Z, Qt.ControlModifier, canvas.window)
    assert text_pixels() > 5


def test_a_node_is_repainted_only_when_what_it_shows_changes(affine):
    """Each evaluation sets every computed node's preview: an unchanged one (the same tensor,
    or an operation's empty default again) must not repaint the canvas."""
    import numpy as np
    from PySide6.QtCore import QEvent, QObject

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    item = affine.item("matmul")
    assert affine.viewport.rect().contains(affine.title("matmul"))
    affine.qtbot.waitUntil(lambda: item.preview_text() == "[1, -2]")  # evaluated
    paints = Paints()
    affine.viewport.installEventFilter(paints)

    def repainted() -> bool:
        for _ in range(3):
            QApplication.processEvents()
        count, paints.count = paints.count, 0
        return count > 0

    repainted()
    for preview in (np.array([5.0, 6.0]), "", "3×3 float64"):
        item.set_preview(preview)
        assert repainted(), preview  # a new preview
        item.set_preview(preview.copy() if isinstance(preview, np.ndarray) else preview)
        assert not repainted(), preview  # the same again
    item.set_preview("")
    assert repainted()
    item.set_preview(None)  # an operation's default: nothing, as before
    assert not repainted() and item.preview_text() == ""
    item.set_preview(np.array([5.0, 6.0]))
    assert repainted()
    item.set_preview(np.array([5.0, 6.0], dtype=np.float32))  # another dtype
    assert repainted() and item.preview_text() == "[5, 6]"

    source = affine.item("b")  # a variable shows its value: made again only once it changes
    assert source.preview_text() == "[1, 1]"
    source.set_preview(None)
    assert not repainted()
    affine.select("b")
    affine.type_field("value", "[2, 3]")
    assert repainted() and source.preview_text() == "[2, 3]"


def test_the_history_brought_to_the_front_lists_the_edits_made_behind(affine):
    """Behind another dock's tab the History list does not follow each edit; brought to the
    front it lists them all, the current one chosen."""
    window = affine.window
    window.tensor_dock.raise_()
    assert window.history.group() is None  # (it waits)
    affine.wire("b", "z", "x")
    affine.rename("b", "bias")
    window.history_dock.raise_()
    history = window.history
    texts = [history.model().index(i, 0).data() for i in range(history.model().rowCount())]
    assert texts == ["Start", "Connect b → z.x", "Rename b to bias"]
    assert history.currentIndex().row() == 2


def test_far_out_the_overview_marks_a_node_its_evaluation_found_wrong(affine):
    """The overview draws a node whose evaluation failed in red, as a node's title is: also
    when the evaluation comes after the edit that caused it, the view already far out."""
    affine.view.set_zoom(OVERVIEW_ZOOM / 2)
    assert affine.scene.overview_mode

    def title_colour() -> str:
        affine.qtbot.waitUntil(lambda: not affine.window.live.compute.busy)
        for _ in range(5):
            QApplication.processEvents()
        return affine.viewport.grab().toImage().pixelColor(affine.title("x")).name()

    assert title_colour() != style.ERROR.name()
    doc = affine.window.doc
    doc.execute(SetValue(doc, "x", None))  # x's default cleared: it wants a value
    assert title_colour() == style.ERROR.name()
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert title_colour() != style.ERROR.name()
