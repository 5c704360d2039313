"""Undo gives back exactly what an edit took: the file saved after undoing is the file opened
(issue 19's minimal cases, each on the affine example or a trained perceptron)."""

from pathlib import Path

import numpy as np
from conftest import EXAMPLE
from PySide6.QtCore import QPoint, Qt

import engine as ts
from editor.document import Document
from editor.document.commands import RemoveItems, SetAttr, SetInitializer, SetValue
from editor.document.training_commands import ResetVariables
from engine.io import load_graph

PERCEPTRON = EXAMPLE.parent / "perceptron.json"


def saved(doc: Document, path: Path) -> bytes:
    doc.save(path)
    return path.read_bytes()


def test_delete_and_rename_undone_keep_the_node_in_its_place_in_the_file(affine, tmp_path):
    opened = EXAMPLE.read_bytes()
    affine.select("A")
    affine.key(Qt.Key_Delete)
    assert "A" not in affine.graph
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    affine.rename("A", "W")
    assert [n.name for n in affine.graph][0] == "W"  # renamed where it is
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert saved(affine.window.doc, tmp_path / "out.json") == opened


def test_a_move_undone_writes_the_position_as_it_was(affine, tmp_path):
    affine.drag(affine.title("A"), affine.title("A") + QPoint(10, 10))
    assert affine.graph.get_node("A").ui["pos"] != [0, 0]
    affine.key(Qt.Key_Z, Qt.ControlModifier)
    assert affine.item("A").pos().toTuple() == (0, 0)
    text = saved(affine.window.doc, tmp_path / "out.json")
    assert b'"pos": [0, 0]' in text and text == EXAMPLE.read_bytes()


def test_undoing_a_dtype_gives_back_the_default_it_rounded(qapp, tmp_path):
    doc = Document(load_graph(EXAMPLE))
    assert doc.execute(SetValue(doc, "x", np.array([0.1, 0.2]))) is None
    assert doc.execute(SetAttr(doc, "x", "dtype", "float32")) is None
    assert doc.graph.get_node("x").value.tolist() != [0.1, 0.2]  # rounded to float32
    doc.undo_stack.undo()
    x = doc.graph.get_node("x").value
    assert x.dtype == np.float64 and x.tolist() == [0.1, 0.2]
    doc.undo_stack.undo()
    assert saved(doc, tmp_path / "out.json") == EXAMPLE.read_bytes()


def test_a_deleted_train_node_comes_back_with_its_optimizer_state(qapp, tmp_path):
    graph = load_graph(PERCEPTRON)
    train = next(n for n in graph if n.type == "minimize")
    session = ts.Session(graph)
    for _ in range(3):
        session.run(train)
    trained = tmp_path / "trained.json"
    ts.io.save_graph(graph, trained)
    doc = Document(load_graph(trained))
    assert doc.execute(RemoveItems(doc, [train.name])) is None
    doc.undo_stack.undo()
    state = doc.graph.get_node(train.name).state
    assert int(state["step"]) == 3
    assert saved(doc, tmp_path / "out.json") == trained.read_bytes()


def test_an_initializer_that_cannot_be_drawn_is_refused_and_leaves_nothing(qapp):
    doc = Document(load_graph(EXAMPLE))
    for shape, reason in (([1] * 65, "64 dimensions"),
                          ([10**6, 10**6], "A: cannot draw a value of shape (1000000,1000000)")):
        refused = doc.execute(SetInitializer(doc, "A", {"kind": "random_normal", "shape": shape}))
        assert refused is not None and reason in refused
        assert doc.graph.get_node("A").initializer is None and doc.undo_stack.count() == 0
    assert doc.graph.get_node("A").value.tolist() == [[1, 0], [0, -1]]


def test_reset_variables_refuses_a_huge_initializer_and_changes_nothing(qapp):
    graph = load_graph(PERCEPTRON)  # as a file may claim it: a small value, a huge initializer
    variables = [n for n in graph if n.type == "variable"]
    graph.set_attr(variables[-1], "initializer", {"kind": "zeros", "shape": [10**6, 10**6]})
    before = [v.value.copy() for v in variables]
    doc = Document(graph)
    refused = doc.execute(ResetVariables(doc))
    assert refused is not None and f"{variables[-1].name}: cannot draw" in refused
    assert all(np.array_equal(v.value, b) for v, b in zip(variables, before, strict=True))
    assert doc.undo_stack.count() == 0


def test_reset_variables_redo_gives_the_same_unseeded_draw(qapp):
    doc = Document(load_graph(EXAMPLE))
    assert doc.execute(SetInitializer(doc, "A", {"kind": "random_normal", "shape": [2, 2],
                                                 "seed": None})) is None
    assert doc.execute(ResetVariables(doc)) is None
    drawn = doc.graph.get_node("A").value.copy()
    doc.undo_stack.undo()
    assert not np.array_equal(doc.graph.get_node("A").value, drawn)
    doc.undo_stack.redo()
    np.testing.assert_array_equal(doc.graph.get_node("A").value, drawn)
