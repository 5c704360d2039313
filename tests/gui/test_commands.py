"""Undo commands on a document: refused edits change nothing; undo and redo are exact."""

import gc

import numpy as np
from conftest import EXAMPLE
from PySide6.QtCore import QCoreApplication, QEvent

import engine as ts
from editor.document import FREEZE_AFTER, Document
from editor.document.commands import AddNodes, NodeSpec, RemoveItems, SetValue, SetWires
from engine.io import load_graph


def wiring(graph):
    return {n.name: [s.name if s else None for s in n.inputs] for n in graph}


def test_a_refused_step_rolls_back_the_steps_before_it(qapp):
    doc = Document(load_graph(EXAMPLE))
    before = wiring(doc.graph)
    # the first step is fine (x into z.y), the second closes a cycle (z into matmul.a)
    error = doc.execute(SetWires(doc, [("z", 1, "x"), ("matmul", 0, "z")], "Wires"))
    assert "cycle" in error
    assert wiring(doc.graph) == before and doc.undo_stack.count() == 0 and not doc.dirty


def test_remove_and_undo_restore_nodes_values_and_wires(qapp):
    doc = Document(load_graph(EXAMPLE))
    before = wiring(doc.graph)
    assert doc.execute(RemoveItems(doc, ["matmul", "A"], [("z", 1)])) is None
    assert sorted(n.name for n in doc.graph) == ["b", "x", "z"]
    assert wiring(doc.graph)["z"] == [None, None]
    doc.undo_stack.undo()
    assert wiring(doc.graph) == before
    assert np.array_equal(doc.graph.get_node("A").value, [[1, 0], [0, -1]])
    doc.undo_stack.redo()
    assert sorted(n.name for n in doc.graph) == ["b", "x", "z"]


def test_value_commands_keep_the_old_value_for_undo(qapp):
    doc = Document(load_graph(EXAMPLE))
    assert doc.execute(SetValue(doc, "x", None)) is None
    assert doc.graph.get_node("x").value is None
    assert "does not fit" in doc.execute(SetValue(doc, "x", [1.0, 2.0, 3.0]))
    doc.undo_stack.undo()
    assert np.array_equal(doc.graph.get_node("x").value, [1, 2])


def test_add_nodes_with_wires_among_them(qapp):
    doc = Document()
    specs = [NodeSpec("v", "variable", value=np.ones(2)),
             NodeSpec("t", "tanh", inputs=["v"])]
    assert doc.execute(AddNodes(doc, specs)) is None
    assert wiring(doc.graph) == {"v": [], "t": ["v"]}
    assert np.allclose(ts.Session(doc.graph).run(doc.graph.get_node("t")), np.tanh(1))
    doc.undo_stack.undo()
    assert len(doc.graph) == 0


def test_an_edit_is_announced_at_once_when_it_is_complete(qapp):
    doc = Document(load_graph(EXAMPLE))
    heard: list[list[tuple[str, str]]] = []
    doc.changed.connect(lambda events: heard.append([(e.kind, e.node.name) for e in events]))
    seen_at_done: list[int] = []
    doc.batch_done.connect(lambda: seen_at_done.append(len(heard)))
    assert doc.execute(RemoveItems(doc, ["matmul", "A"])) is None
    assert heard == [[("edge_removed", "z"), ("edge_removed", "matmul"),
                      ("edge_removed", "matmul"), ("node_removed", "matmul"),
                      ("node_removed", "A")]]  # one list, in order, before batch_done
    assert seen_at_done == [1]
    doc.undo_stack.undo()
    assert len(heard) == 2 and [k for k, _ in heard[1]].count("node_added") == 2
    doc.graph.set_value("x", [3.0, 4.0])  # outside an edit: at once, alone
    assert heard[2:] == [[("value_changed", "x")]]


def test_what_a_big_edit_hides_from_the_collector_is_handed_back_with_the_document(qapp):
    doc = Document()
    specs = [NodeSpec(f"v{i}", "variable", {}, np.zeros(1)) for i in range(FREEZE_AFTER)]
    assert doc.execute(AddNodes(doc, specs)) is None
    assert gc.get_freeze_count() > 0  # the nodes live as long as the document: not scanned
    doc.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
    assert gc.get_freeze_count() == 0  # collectable again
