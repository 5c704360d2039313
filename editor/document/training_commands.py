"""Undoable training edits: applying a training run, and resetting the variables."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtGui import QUndoCommand

from editor.compute.trainer import TrainingResult
from editor.document import Document
from editor.document.commands import AddNodes, NodeSpec
from engine.graph import Graph, Variable


class TrainCommand(QUndoCommand):
    """Set the trained variables' values and the train node's state; undo restores both."""

    def __init__(self, graph: Graph, values: dict[str, np.ndarray], train_node: str | None = None,
                 state: dict[str, np.ndarray] | None = None, text: str = "Train",
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.graph = graph
        self.new_values = dict(values)
        self.old_values = {name: graph.get_node(name).value for name in values}
        self.train_node = train_node if train_node is not None and train_node in graph else None
        self.new_state = dict(state or {})
        self.old_state = dict(graph.get_node(train_node).state) if self.train_node else {}

    @classmethod
    def from_result(cls, graph: Graph, result: TrainingResult) -> TrainCommand:
        """The command applying a :class:`TrainingResult` (its state only if its train node is
        in ``graph``)."""
        text = f"Train {result.train_node}: {result.steps} step" + "s" * (result.steps != 1)
        return cls(graph, result.values, result.train_node, result.state, text)

    def redo(self) -> None:
        self._apply(self.new_values, self.new_state)

    def undo(self) -> None:
        self._apply(self.old_values, self.old_state)

    def _apply(self, values: dict[str, Any], state: dict[str, np.ndarray]) -> None:
        for name, value in values.items():
            self.graph.set_value(name, value)
        if self.train_node is not None:
            self.graph.set_state(self.train_node, state)


class ResetVariablesCommand(QUndoCommand):
    """``graph.reset_variables()``: re-run the initializers and clear optimizer state; undo
    restores every variable's value and every node's state."""

    def __init__(self, graph: Graph, parent: QUndoCommand | None = None) -> None:
        super().__init__("Reset variables", parent)
        self.graph = graph
        self.values = {n.name: n.value for n in graph.nodes if isinstance(n, Variable)}
        self.states = {n.name: dict(n.state) for n in graph.nodes if n.state}

    def redo(self) -> None:
        self.graph.reset_variables()

    def undo(self) -> None:
        for name, value in self.values.items():
            self.graph.set_value(name, value)
        for name, state in self.states.items():
            self.graph.set_state(name, state)


class AddTrainNode(AddNodes):
    """Add a train node (``spec``: a ``minimize`` wired to its loss) with optimizer ``state``,
    as a "loss + optimizer" run left it; undo removes it."""

    def __init__(self, doc: Document, spec: NodeSpec, state: dict[str, np.ndarray]) -> None:
        super().__init__(doc, [spec], f"Add {spec.name} (minimizes {spec.inputs[0]})")
        self.state = dict(state)

    def apply(self) -> None:
        super().apply()
        self.graph.set_state(self.specs[0].name, self.state)
