"""Random edits through the editor's commands, on each example: every undo step gives back
the file as it was before the edit — undoing them all, the file opened, byte for byte — and
every redo step the file as it was after it (a seeded property test)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
from conftest import EXAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QCoreApplication, QEvent, QPointF

from editor.canvas.scene import GraphScene
from editor.document import Document
from editor.document.commands import (
    MoveNodes,
    NameAllocator,
    NodeSpec,
    SetAttr,
    SetInitializer,
    SetValue,
    SetWires,
)
from editor.document.training_commands import AddTrainNode, ResetVariables
from engine.data.binding import to_file
from engine.graph import Placeholder, Variable
from engine.io import dumps, graph_to_dict, load_graph
from engine.registry import all_ops

EXAMPLES = sorted(EXAMPLE.parent.glob("*.json"))
OPS = sorted(op.type for op in all_ops())
NAMES = ["A", "x", "b", "W", "loss", "renamed", "n_1"]
ATTR_VALUES: list[Any] = [None, 0, 1, -1, 2, 0.5, True, False, [0], [1, 0], [2], [2, 2],
                          [None, 2], "float32", "float64", "int32", "adam", "momentum"]
"""Values tried for any attribute: most are refused, the ones that fit change it."""
EDITS = ["add", "delete", "wire", "unwire", "rename", "move", "set value", "set attribute",
         "initializer", "paste", "duplicate", "cut", "arrange", "reset variables",
         "add train node"]


def text_of(doc: Document) -> str:
    """The file ``doc`` saves to its own folder (data files referenced relative to it)."""
    assert doc.path is not None
    return dumps(to_file(graph_to_dict(doc.graph), doc.path.resolve().parent))


class Editor:
    """One example open in a document and its scene; ``edit`` makes a random edit."""

    def __init__(self, path: Path, data: st.DataObject) -> None:
        self.doc = Document(load_graph(path), path)
        self.scene = GraphScene(self.doc)
        self.data = data

    def pick(self, things: list[Any]) -> Any:
        return self.data.draw(st.sampled_from(things))

    def some_nodes(self) -> list[str]:
        names = [n.name for n in self.doc.graph]
        return self.data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3,
                                       unique=True)) if names else []

    def value(self) -> np.ndarray:
        shape = self.pick([(), (2,), (2, 2), (1, 3)])
        dtype = self.pick(["float64", "float32", "int64"])
        numbers = self.data.draw(st.lists(st.floats(-9, 9, allow_nan=False), min_size=6,
                                          max_size=6))
        return np.array(numbers[:int(np.prod(shape))], dtype=dtype).reshape(shape)

    def edit(self) -> None:
        doc, scene, graph = self.doc, self.scene, self.doc.graph
        kind = self.pick(EDITS)
        names = [n.name for n in graph]
        if kind == "add":
            scene.add_node(self.pick(OPS), QPointF(*self.data.draw(st.tuples(
                st.integers(-300, 600), st.integers(-300, 600)))))
        elif not names:
            return
        elif kind in ("delete", "cut", "paste", "duplicate"):
            chosen = self.some_nodes()
            scene.select([graph.get_node(n) for n in chosen])
            if kind in ("delete", "cut"):
                scene.delete_selection()
            else:
                text = scene.copy_text()
                assert text is not None
                at = QPointF(self.pick([-100, 0, 333]), 50) if kind == "paste" else None
                scene.paste(text, at, "Paste" if kind == "paste" else "Duplicate")
        elif kind in ("wire", "unwire"):
            targets = [n for n in graph if n.inputs]
            if targets:
                target = self.pick(targets)
                port = self.pick(list(range(len(target.inputs))))
                source = None if kind == "unwire" else self.pick(names)
                scene.run(SetWires(doc, [(target.name, port, source)]))
        elif kind == "rename":
            scene.rename(graph.get_node(self.pick(names)), self.pick(NAMES))
        elif kind == "move":
            moves = {n: [self.pick([0, 12.5, -40.0, 7]), self.pick([0, 3, 99.75])]
                     for n in self.some_nodes()}
            scene.run(MoveNodes(doc, moves))
        elif kind == "set value":
            sources = [n for n in graph if isinstance(n, (Placeholder, Variable))
                       or n.type == "constant"]
            if sources:
                node = self.pick(sources)
                value = None if isinstance(node, Placeholder) and self.pick([0, 1]) else \
                    self.value()
                scene.run(SetValue(doc, node.name, value))
        elif kind == "set attribute":
            node = graph.get_node(self.pick(names))
            if node.attrs:
                scene.run(SetAttr(doc, node.name, self.pick(sorted(node.attrs)),
                                  self.pick(ATTR_VALUES)))
        elif kind == "initializer":
            variables = [n.name for n in graph if isinstance(n, Variable)]
            if variables:
                spec = self.pick([None, {"kind": "zeros", "shape": [2]},
                                  {"kind": "random_normal", "shape": [2, 2], "seed": None},
                                  {"kind": "random_uniform", "shape": [3], "seed": 7}])
                scene.run(SetInitializer(doc, self.pick(variables), spec))
        elif kind == "arrange":
            scene.arrange()
        elif kind == "reset variables":
            scene.run(ResetVariables(doc))
        elif kind == "add train node":
            spec = NodeSpec(NameAllocator(graph).fresh("train"), "minimize",
                            {"optimizer": "adam"}, ui={"pos": [5, 5]},
                            inputs=[self.pick(names)])
            scene.run(AddTrainNode(doc, spec, {"step": np.array(3)}))


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), example=st.sampled_from(EXAMPLES))
def test_random_edits_undo_and_redo_to_the_same_file(qapp, tmp_path, data, example):
    # a copy beside a copy of the data files it references (../datasets): saved there, the
    # references are written as they were read
    resources = tmp_path / "resources"
    if not resources.exists():
        shutil.copytree(EXAMPLE.parents[1], resources)
    example = resources / "examples" / example.name
    editor = Editor(example, data)
    try:
        check_undo_and_redo(editor, example)
    finally:  # as the window lets a document go: no cycle left for a collection to break
        editor.scene.deleteLater()
        editor.doc.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def check_undo_and_redo(editor: Editor, example: Path) -> None:
    doc = editor.doc
    files = [text_of(doc)]  # files[i]: the file at undo index i
    for _ in range(editor.data.draw(st.integers(4, 20))):
        editor.edit()
        if doc.undo_stack.index() == len(files):  # the edit was made, not refused
            files.append(text_of(doc))
        assert text_of(doc) == files[-1]
    for index in reversed(range(len(files) - 1)):
        doc.undo_stack.undo()
        assert text_of(doc) == files[index], f"undo to step {index}"
    saved = example.parent / f"undone-{example.name}"
    doc.save(saved)
    assert saved.read_bytes() == example.read_bytes()
    for index in range(1, len(files)):
        doc.undo_stack.redo()
        assert text_of(doc) == files[index], f"redo to step {index}"
    doc.save(saved)
    assert saved.read_text() == files[-1]
