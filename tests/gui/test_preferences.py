"""Edit › Preferences… (Ctrl+,): theme, autosave interval, values on nodes, BLAS threads —
kept in QSettings."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from editor import style
from editor.app.preferences import BLAS_VARIABLES, Preferences, settings
from editor.canvas.items import NodeItem
from editor.canvas.items.overview import OVERVIEW_ZOOM
from engine import blas


@pytest.fixture
def restored(qapp, monkeypatch):
    """The application's look and numpy's BLAS threads, put back after the test."""
    sheet, palette, name = qapp.styleSheet(), qapp.palette(), qapp.style().name()
    for variable in BLAS_VARIABLES:
        monkeypatch.delenv(variable, raising=False)  # monkeypatch restores them
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = threadpoolctl.threadpool_info()
    yield threadpoolctl
    style.apply_theme(qapp, "dark")  # the canvas colours
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(name)
    for lib in before:
        threadpoolctl.threadpool_limits(lib["num_threads"], user_api=lib["user_api"])


def blas_threads(threadpoolctl) -> set[int]:
    return {lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"}


def test_preferences_are_applied_kept_and_in_step_with_the_view_menu(window, qtbot, restored):
    assert window.show_values_action.isChecked()
    qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.dialogs["preferences"]
    assert dialog.isVisible() and dialog.isModal()
    assert dialog.theme.currentText() == "Dark" and dialog.autosave.value() == 30
    assert dialog.show_values.isChecked() and dialog.blas_threads.text() == "Automatic"
    qtbot.keyClick(dialog.theme, Qt.Key.Key_Down)  # Light
    dialog.autosave.setFocus()
    qtbot.keyClick(dialog.autosave, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.autosave, "45")
    qtbot.mouseClick(dialog.show_values, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, dialog.show_values.height() // 2))
    qtbot.keyClick(dialog.blas_threads, Qt.Key.Key_Up)  # 1
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    assert style.current_theme == "light"
    assert QApplication.palette().window().color().lightness() > 200
    background = window.view.viewport().grab().toImage().pixelColor(3, 3)
    assert QColor(background).lightness() > 200  # the canvas too
    assert window.autosave.periodic.interval() == 45_000
    assert not window.show_values_action.isChecked() and not NodeItem.show_previews
    assert blas_threads(restored) == {1}
    assert all(os.environ[v] == "1" for v in BLAS_VARIABLES)  # for the worker processes
    store = settings()
    assert Preferences.load(store) == Preferences("light", 45, False, 1)
    assert store.value("show_values", type=bool) is False  # the View menu's own setting

    window.show_values_action.trigger()  # View › Show Values on Nodes, back on
    qtbot.keyClick(window.view, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    again = window.dialogs["preferences"]
    assert again is not dialog and again.show_values.isChecked()
    assert again.theme.currentText() == "Light" and again.autosave.value() == 45
    again.blas_threads.setValue(0)
    again.theme.setCurrentIndex(0)
    qtbot.keyClick(again, Qt.Key.Key_Return)  # OK
    assert style.current_theme == "dark"
    # up to one per core again (a session gives a small graph one: engine/blas.py)
    assert blas.most() == len(os.sched_getaffinity(0))
    assert blas_threads(restored) <= {1, blas.most()}
    assert all(v not in os.environ for v in BLAS_VARIABLES)


def test_cancel_changes_nothing(window, qtbot, restored):
    window.open_preferences()
    dialog = window.dialogs["preferences"]
    dialog.theme.setCurrentIndex(1)
    dialog.autosave.setValue(0)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and style.current_theme == "dark"
    assert window.autosave.periodic.isActive()
    assert Preferences.load() == Preferences()


def test_far_out_a_new_theme_recolours_the_overview(affine, qtbot, restored):
    """The overview (the graph far out) is drawn in the theme chosen, not kept in the old."""
    window = affine.window
    window.view.set_zoom(OVERVIEW_ZOOM / 2)
    assert window.scene.overview_mode

    def body_colour() -> str:  # the middle of a node's body, under its title bar
        item = affine.item("matmul")
        at = affine.at(item.mapToScene(item.boundingRect().center()))
        QApplication.processEvents()
        return window.view.viewport().grab().toImage().pixelColor(at).name()

    assert body_colour() == style.NODE_BODY.name()
    dark = style.NODE_BODY.name()
    window.open_preferences()
    dialog = window.dialogs["preferences"]
    dialog.theme.setCurrentIndex(1)  # Light
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # OK
    assert style.current_theme == "light" and style.NODE_BODY.name() != dark
    assert body_colour() == style.NODE_BODY.name()
