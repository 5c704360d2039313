"""A wire edit on the series' MLP, as the Tensor dock and the compute service see it: the pinned
loss switches between its value and "blocked" without the dock's layout moving, and each edit
is evaluated once."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QStyle, QToolBar

from editor.app.window import EXAMPLES
from editor.document.commands import SetWires
from editor.tensor_stats import preview
from engine import Session


def pinned_loss(canvas):
    """mlp.json open, its loss J pinned in the Tensor dock in front: the window, the dock's view
    and J's panel."""
    window = canvas.window
    assert window.open_file(EXAMPLES / "mlp.json", example=True)
    window.tensor_dock.raise_()
    window.select_names(["J"])
    view = window.tensor_view
    canvas.qtbot.waitUntil(lambda: "J" in view.names and view.panel("J").mode == "value")
    panel = view.panel("J")
    panel.pin_button.click()
    return window, view, panel


def test_a_wire_edit_keeps_the_tensor_dock_in_place_and_is_evaluated_once(canvas):
    window, view, panel = pinned_loss(canvas)
    window.select_names(["b_output"])
    canvas.qtbot.waitUntil(lambda: not window.live.compute.busy)
    for _ in range(10):
        QApplication.processEvents()
    places = (view.tabs.tabBar().geometry(), panel.geometry(), panel.pages.geometry())
    evaluations: list[object] = []
    window.live.compute.evaluated.connect(evaluations.append)
    doc = window.doc
    warning = QStyle.StandardPixmap.SP_MessageBoxWarning
    for turn in range(3):  # (the first disconnection leaves new last nodes to watch)
        for source, mode, mark in ((None, "blocked", warning), ("b_output", "value", None)):
            evaluations.clear()
            assert doc.execute(SetWires(doc, [("add_1", 1, source)])) is None
            canvas.qtbot.waitUntil(lambda: not window.live.compute.busy)
            for _ in range(10):
                QApplication.processEvents()
            assert (panel.mode, panel.tab_icon) == (mode, mark)  # the tab is marked, or not
            assert (view.tabs.tabBar().geometry(), panel.geometry(),
                    panel.pages.geometry()) == places  # nothing below the tab bar moves
            assert len(evaluations) == 1 or turn == 0 and source is None
    assert panel.value == Session(doc.graph).run("J")


def test_a_tensor_dock_behind_another_tab_shows_the_edit_when_brought_to_front(canvas):
    """Behind the Training dock's tab the Tensor dock leaves its layouts to the event loop;
    brought to the front, it shows the pinned loss as it ended up, laid out as ever."""
    window, view, panel = pinned_loss(canvas)
    canvas.qtbot.waitUntil(lambda: not window.live.compute.busy)
    for _ in range(10):
        QApplication.processEvents()
    places = (panel.geometry(), panel.pages.geometry(), panel.message_page.geometry())
    window.training.dock.raise_()
    canvas.qtbot.waitUntil(lambda: not view.on_screen)
    doc = window.doc
    assert doc.execute(SetWires(doc, [("add_1", 1, None)], "Disconnect")) is None
    canvas.qtbot.waitUntil(lambda: panel.mode == "blocked")
    window.tensor_dock.raise_()
    canvas.qtbot.waitUntil(lambda: view.on_screen)
    for _ in range(10):
        QApplication.processEvents()
    assert panel.message.isVisible() and panel.message.text().startswith("Blocked by add_1")
    assert not panel.message.visibleRegion().isEmpty()
    tab = view.tabs.indexOf(panel)
    assert not view.tabs.tabBar().tabIcon(tab).isNull()  # the tab is marked
    assert (panel.geometry(), panel.pages.geometry(), panel.message_page.geometry()) == places


def test_an_edit_renames_undo_without_laying_out_the_toolbar(canvas):
    """Each edit gives Undo a new text ("Undo Disconnect"); the toolbar's Undo button keeps its
    word and its place, and the toolbar is not laid out again."""
    window, _, _ = pinned_loss(canvas)
    doc = window.doc
    assert doc.execute(SetWires(doc, [("add_1", 1, None)], "Disconnect")) is None  # Undo
    assert doc.execute(SetWires(doc, [("add_1", 1, "b_output")], "Connect")) is None  # on
    (toolbar,) = window.findChildren(QToolBar)
    (undo,) = [toolbar.widgetForAction(a) for a in toolbar.actions() if a.iconText() == "Undo"]
    for _ in range(10):
        QApplication.processEvents()
    place, words = undo.geometry(), undo.text()
    layouts: list[QEvent.Type] = []

    class Count(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.LayoutRequest:
                layouts.append(event.type())
            return False

    counter = Count()
    toolbar.installEventFilter(counter)
    for source, text in ((None, "Disconnect"), ("b_output", "Connect")):
        assert doc.execute(SetWires(doc, [("add_1", 1, source)], text)) is None
        canvas.qtbot.waitUntil(lambda: not window.live.compute.busy)
        for _ in range(10):
            QApplication.processEvents()
        assert window.undo_action.text().startswith(f"Undo {text}")
        assert (undo.geometry(), undo.text()) == (place, words) == (place, "Undo")
        assert undo.width() >= undo.fontMetrics().horizontalAdvance("Undo") + undo.iconSize(
            ).width()  # the word fits beside the icon
    toolbar.removeEventFilter(counter)
    assert layouts == []
    for _ in range(4):  # the button undoes each edit
        canvas.qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert not window.undo_action.isEnabled() and not undo.isEnabled()
    assert doc.graph.get_node("add_1").inputs[1].name == "b_output"


def test_a_wire_edit_shows_the_same_values_as_a_fresh_session_in_both_layouts(canvas):
    """Wire and unwire in each layout (Training dock in front, Tensor dock in front): the
    pinned loss and every node's preview on the way show what a fresh session computes."""
    window, view, panel = pinned_loss(canvas)
    window.select_names(["b_output"])
    doc, scene = window.doc, canvas.scene
    shown = [n for n in ("add_1", "matmul_1", "b_output", "J") if n in doc.graph]
    for front in (window.training.dock, window.tensor_dock) * 2:
        front.raise_()
        for source, mode in ((None, "blocked"), ("b_output", "value")):
            assert doc.execute(SetWires(doc, [("add_1", 1, source)])) is None
            canvas.qtbot.waitUntil(lambda mode=mode: panel.mode == mode
                                   and not window.live.compute.busy)
            for _ in range(4):
                QApplication.processEvents()
            if mode == "value":
                values = Session(doc.graph).run(shown)
                assert panel.value.tolist() == values[-1].tolist()
                assert [scene.node_item(n).preview_text() for n in shown] == [
                    preview(v) for v in values]
            elif front is window.tensor_dock:  # (behind a tab, it is shown when in front)
                assert panel.message.text().startswith("Blocked by add_1")
