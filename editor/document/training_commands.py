"""Undoable training edits: applying a training run, resetting the variables, and adding the
train node a "loss + optimizer" run used."""

from __future__ import annotations

from typing import Any, Protocol, cast

import numpy as np

from editor.document import Command, Document
from editor.document.commands import AddNodes, NodeSpec, draw
from engine.graph import Variable

Values = dict[str, np.ndarray]
States = dict[str, dict[str, np.ndarray]]


class TrainingRun(Protocol):
    """What :meth:`ApplyTraining.of_run` reads of a finished run (a ``TrainingResult``)."""

    train_node: str
    steps: int
    values: Values
    state: dict[str, np.ndarray]
    new_train_node: dict[str, Any] | None


class ApplyTraining(Command):
    """Set the trained variables' values and the train node's state; undo restores both."""

    @classmethod
    def of_run(cls, doc: Document, run: TrainingRun) -> ApplyTraining:
        """The command applying a finished run: its values, and its train node's state unless
        the run made its own train node ("loss + optimizer", not in the document)."""
        text = f"Train {run.train_node}: {run.steps} step" + "s" * (run.steps != 1)
        if run.new_train_node is not None:
            return cls(doc, run.values, text=text)
        return cls(doc, run.values, run.train_node, run.state, text)

    def __init__(self, doc: Document, values: Values, train_node: str | None = None,
                 state: dict[str, np.ndarray] | None = None, text: str = "Train") -> None:
        super().__init__(doc, text)
        graph = doc.graph
        self.new_values = dict(values)
        self.old_values = {name: cast(Variable, graph.get_node(name)).value for name in values}
        self.train_node = train_node if train_node is not None and train_node in graph else None
        self.new_state = dict(state or {})
        self.old_state = dict(graph.get_node(self.train_node).state) if self.train_node else {}

    def apply(self) -> None:
        self._set(self.new_values, self.new_state)

    def revert(self) -> None:
        self._set(self.old_values, self.old_state)

    def _set(self, values: dict[str, Any], state: dict[str, np.ndarray]) -> None:
        for name, value in values.items():
            self.graph.set_value(name, value)
        if self.train_node is not None:
            self.graph.set_state(self.train_node, state)


class ResetVariables(Command):
    """Re-run the initializers and clear optimizer state, as ``graph.reset_variables()`` —
    all or nothing: every value is drawn before any is set, and one that cannot be drawn
    (too large) refuses the edit, naming its variable. What it drew is kept, so redo gives
    the same values (an unseeded initializer too); undo restores every variable's value and
    every node's state."""

    def __init__(self, doc: Document) -> None:
        super().__init__(doc, "Reset variables")
        self.before = _values_and_states(doc)
        self.after: tuple[Values, States] | None = None

    def apply(self) -> None:
        if self.after is None:
            nodes = self.graph.nodes
            self.after = ({n.name: draw(n.initializer, n.name) for n in nodes
                           if isinstance(n, Variable) and n.initializer is not None},
                          {n.name: {} for n in nodes if n.state})
        self._set(*self.after)

    def revert(self) -> None:
        self._set(*self.before)

    def _set(self, values: Values, states: States) -> None:
        for name, value in values.items():
            self.graph.set_value(name, value)
        for name, state in states.items():
            self.graph.set_state(name, state)


def _values_and_states(doc: Document) -> tuple[Values, States]:
    nodes = doc.graph.nodes
    return ({n.name: cast(np.ndarray, n.value)  # a variable's value is never None
             for n in nodes if isinstance(n, Variable)},
            {n.name: dict(n.state) for n in nodes if n.state or n.op.stateful})


class AddTrainNode(AddNodes):
    """Add a train node (``spec``: a train step wired to its loss) with optimizer ``state``,
    as a "loss + optimizer" run left it; undo removes it."""

    def __init__(self, doc: Document, spec: NodeSpec, state: dict[str, np.ndarray]) -> None:
        spec.state = dict(state)
        super().__init__(doc, [spec])
        self.setText(f"Add {spec.name} (minimizes {spec.inputs[0]})")
