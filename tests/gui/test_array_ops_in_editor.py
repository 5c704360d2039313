"""The array ops come to the editor from the registry alone: dropped from the palette or found
by Tab search, wired, given attributes in the Properties panel and evaluated."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

A = np.array([[1.0, 0.0], [0.0, -1.0]])


def shown_value(canvas, name: str, expected) -> None:
    view = canvas.window.tensor_view

    def shows() -> bool:
        return (name in view.names and view.panel(name).mode == "value"
                and np.array_equal(view.panel(name).value, expected))

    canvas.qtbot.waitUntil(shows)


def test_tile_from_the_palette_and_concat_from_tab_search(affine):
    assert affine.window.op_palette.tree.op_item("tile") is not None
    affine.drop_from_palette("tile", QPoint(150, 420))
    affine.wire("A", "tile", "x")
    affine.select("tile")
    affine.type_field("attr:multiples", "[1, 2]")
    shown_value(affine, "tile", np.tile(A, (1, 2)))
    assert affine.item("tile").shape_text == "(2,4)"

    affine.search_add("conca", QPoint(450, 420))
    affine.wire("tile", "concat", "a")
    affine.wire("A", "concat", "b")
    affine.select("concat")
    affine.type_field("attr:axis", "1")
    shown_value(affine, "concat", np.concatenate([np.tile(A, (1, 2)), A], axis=1))
    assert affine.item("concat").shape_text == "(2,6)"


def test_cast_s_dtype_is_chosen_from_the_list(affine):
    affine.search_add("cast", QPoint(150, 420))
    affine.wire("A", "cast", "x")
    affine.select("cast")
    combo = affine.window.properties.fields["attr:dtype"].widget
    assert combo.currentText() == "float32"
    shown_value(affine, "cast", A.astype(np.float32))
    combo.setFocus()
    affine.key(Qt.Key_Down, widget=combo)  # float32 → float64
    assert affine.graph.get_node("cast").attrs["dtype"] == "float64"
    affine.key(Qt.Key_Up, widget=combo)
    affine.key(Qt.Key_Up, widget=combo)  # → float16
    shown_value(affine, "cast", A.astype(np.float16))
    assert affine.window.tensor_view.panel("cast").value.dtype == np.float16
