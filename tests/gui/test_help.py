"""The Help menu: Keyboard Shortcuts (F1; every menu shortcut and canvas gesture, filtered as
one types), User Guide (docs/user-guide.md, rendered), About (the versions)."""

from __future__ import annotations

import platform

import numpy as np
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMenu


def choose(qtbot, window, menu_title: str, item: str) -> None:
    """Open a menu of the menu bar and click one of its items, with the mouse."""
    bar = window.menuBar()
    menu = next(a.menu() for a in bar.actions() if a.text().replace("&", "") == menu_title)
    assert isinstance(menu, QMenu)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton,
                     pos=bar.actionGeometry(menu.menuAction()).center())
    qtbot.waitUntil(menu.isVisible)
    action = next(a for a in menu.actions() if a.text().replace("&", "").startswith(item))
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible())


def test_f1_lists_every_shortcut_and_gesture_and_the_filter_finds_them(window, qtbot):
    qtbot.keyClick(window.view, Qt.Key.Key_F1)
    dialog = window.dialogs["shortcuts"]
    assert dialog.isVisible()
    qtbot.waitUntil(dialog.filter.hasFocus)  # type at once
    rows = dict(dialog.visible_rows())
    assert rows["File ▸ Save"] == "Ctrl+S" and rows["File ▸ Save As"] == "Ctrl+Shift+S"
    assert rows["Edit ▸ Undo"].startswith("Ctrl+Z")
    assert rows["Edit ▸ Redo"].startswith("Ctrl+Shift+Z")
    assert rows["Edit ▸ Preferences"] == "Ctrl+,"
    assert rows["Evaluate ▸ Step Through Evaluation"] == "F10"
    assert rows["Help ▸ Keyboard Shortcuts"] == "F1" and rows["View ▸ Frame All"] == "Home"
    assert "Space+drag" in rows["Canvas ▸ Pan"] and "Tab" in rows["Canvas ▸ Add a node by search"]
    assert len(rows) == dialog.table.rowCount()

    qtbot.keyClicks(dialog.filter, "undo")
    assert [action for action, _ in dialog.visible_rows()] == ["Edit ▸ Undo"]
    dialog.filter.clear()
    qtbot.keyClicks(dialog.filter, "ctrl+shift")
    assert {a for a, _ in dialog.visible_rows()} == {"File ▸ Save As", "Edit ▸ Redo"}
    dialog.filter.clear()
    qtbot.keyClicks(dialog.filter, "wire drag")
    found = [a for a, _ in dialog.visible_rows()]
    assert "Canvas ▸ Wire two nodes" in found and all("wire" in a.lower() for a in found)
    qtbot.keyClicks(dialog.filter, "zzz")
    assert dialog.visible_rows() == [] and dialog.empty.isVisible()
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    choose(qtbot, window, "Help", "Keyboard Shortcuts")
    assert window.dialogs["shortcuts"].isVisible()


def test_help_user_guide_renders_the_guide(window, qtbot):
    choose(qtbot, window, "Help", "User Guide")
    text = window.dialogs["guide"].browser.toPlainText()
    assert text.startswith("Tensor Canvas — a first session")
    assert "1. The worked example: z = A·x + b" in text and "](" not in text  # rendered


def test_help_about_names_the_versions(window, qtbot):
    choose(qtbot, window, "Help", "About")
    text = window.dialogs["about"].text.text()
    from importlib.metadata import version

    for expected in (version("tensorcanvas"), platform.python_version(), qVersion(),
                     np.__version__):
        assert expected in text
