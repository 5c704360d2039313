"""What a new user tripped on, repeated with real mouse and key events: each test is the
user's steps and what they must see."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from editor.document import OK


def test_a_renamed_node_loses_its_error_mark_once_its_input_is_wired(affine) -> None:
    """Add reduce_sum with Tab (marked: its input is not connected), rename it J with F2, wire
    an input into it: the mark goes, and the Tensor dock shows J's value."""
    affine.search_add("reduce_sum", affine.at(QPointF(560, 300)))
    item = affine.item("reduce_sum")
    affine.qtbot.waitUntil(lambda: item.state != OK)
    assert "input 'x' is not connected" in item.message
    affine.key(Qt.Key.Key_F2)
    edit = affine.view._rename_edit
    affine.qtbot.waitUntil(lambda: edit is not None and edit.isVisible())
    affine.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier, edit)
    affine.qtbot.keyClicks(edit, "J")
    affine.key(Qt.Key.Key_Return, widget=edit)
    assert affine.item("J") is item
    affine.qtbot.waitUntil(lambda: "J: input 'x' is not connected" in item.message)
    affine.wire("z", "J", "x")
    affine.qtbot.waitUntil(lambda: item.state == OK)
    assert item.message == ""
    affine.qtbot.waitUntil(lambda: item.preview_text() == "1")  # z = [2, -1]
