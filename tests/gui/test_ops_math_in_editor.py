"""The comparison, logic and arg-max ops come to the palette and Tab search from the registry,
and their boolean and integer values show in the editor as its float ones do."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from editor.inspect.properties import keep_kind
from editor.inspect.tensor_view import write_csv
from engine import load_graph
from engine.tensors import read_tensor_file


def shown(canvas, name: str, expected) -> None:
    """Select ``name`` and wait until the Tensor dock shows ``expected`` for it."""
    canvas.select(name)
    view = canvas.window.tensor_view
    canvas.qtbot.waitUntil(lambda: name in view.names and view.panel(name).mode == "value"
                           and np.array_equal(view.panel(name).value, expected))


def test_a_comparison_from_the_palette_and_argmax_from_tab_search(affine) -> None:
    tree = affine.window.op_palette.tree
    categories = {tree.topLevelItem(i).text(0): tree.topLevelItem(i)
                  for i in range(tree.topLevelItemCount())}
    comparisons = categories["Comparison"]
    listed = {comparisons.child(j).text(0) for j in range(comparisons.childCount())}
    assert {"greater", "equal", "logical_and", "where"} <= listed

    affine.drop_from_palette("greater", affine.at(QPointF(520, 300)))
    affine.wire("z", "greater", "x")
    affine.wire("b", "greater", "y")
    shown(affine, "greater", [True, False])  # z = [2, -1] against b = [1, 1]
    panel = affine.window.tensor_view.panel("greater")
    assert panel.subtitle.text().split() == ["(2,)", "bool"]
    assert panel.stats_strip.text("min") == "False" and panel.stats_strip.text("max") == "True"
    assert affine.item("greater").preview_text() == "[True, False]"

    affine.search_add("argmax", affine.at(QPointF(780, 300)))
    affine.wire("z", "argmax", "x")
    shown(affine, "argmax", 0)
    assert affine.window.tensor_view.panel("argmax").subtitle.text().split() == ["scalar", "int64"]
    assert affine.item("argmax").preview_text() == "0"


def test_a_placeholder_turns_boolean_and_is_saved_so(affine, dialogs, tmp_path) -> None:
    affine.select("x")
    fields = affine.window.properties.fields
    combo = fields["attr:dtype"].widget
    combo.setFocus()
    affine.key(Qt.Key_Home, widget=combo)  # any
    affine.key(Qt.Key_Down, widget=combo)  # bool: the float default does not convert
    assert "clear the default first" in fields["attr:dtype"].error.text()
    x = affine.graph.get_node("x")
    assert x.dtype is None and x.value.dtype == np.float64  # the refused edit left no trace
    affine.type_field("value", "[True, False]")  # typed booleans stay booleans
    assert x.value.dtype == np.bool_ and x.value.tolist() == [True, False]
    combo.setFocus()
    affine.key(Qt.Key_Home, widget=combo)
    affine.key(Qt.Key_Down, widget=combo)
    assert x.dtype == "bool" and not fields["attr:dtype"].error.isVisible()
    assert affine.item("x").preview_text() == "[True, False]"
    affine.type_field("value", "[0, 1]")  # 0s and 1s are booleans here
    assert x.value.tolist() == [False, True] and not fields["value"].error.isVisible()
    affine.type_field("value", "[0, 2]")
    assert "int64 value does not convert to bool" in fields["value"].error.text()
    affine.type_field("value", "[True, False]")

    affine.drop_from_palette("logical_not", affine.at(QPointF(520, 300)))
    affine.wire("x", "logical_not", "x")
    shown(affine, "logical_not", [False, True])

    dialogs.save_path = str(tmp_path / "mask.json")
    affine.key(Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier, affine.window)
    saved = load_graph(tmp_path / "mask.json").get_node("x")
    assert saved.dtype == "bool" and saved.value.tolist() == [True, False]


def test_a_boolean_tensor_exported_as_csv_is_imported_as_booleans(tmp_path) -> None:
    write_csv(tmp_path / "mask.csv", np.array([[True, False], [False, True]]))
    read = keep_kind(read_tensor_file(tmp_path / "mask.csv"), np.zeros((2, 2), bool))
    assert read.dtype == np.bool_ and read.tolist() == [[True, False], [False, True]]
