"""A node's right-click menu: what can be done to that node — rename, delete, duplicate, step
through its evaluation, copy its value and, for a trained variable, show its gradient."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from editor.canvas.view import GraphView
from editor.compute.live import LiveEvaluation
from engine import train
from engine.errors import EngineError
from engine.graph import Node, Variable
from engine.optimizers import VAR_LIST, trained_variables


class NodeMenu(QObject):
    """Makes a node's menu for the view (``view.node_actions``). Delete and Duplicate are the
    window's actions (they act on the selection, which holds the node); the others act on the
    node itself. ``step_action`` and ``show_gradients_action`` are the window's checkable
    Evaluate › Step Through and View › Show Gradients."""

    def __init__(self, view: GraphView, live: LiveEvaluation, delete: QAction,
                 duplicate: QAction, step_action: QAction, show_gradients_action: QAction) -> None:
        super().__init__(view)
        self.view, self.live = view, live
        self.delete, self.duplicate = delete, duplicate
        self.step_action, self.show_gradients_action = step_action, show_gradients_action
        self._made: list[QAction] = []

    def actions(self, node: Node) -> list[QAction | None]:
        for action in self._made:  # the last menu's
            action.deleteLater()
        make = self._make
        self._made = [
            make("Rename…", "F2", lambda: self.view.start_rename(self._item(node))),
            make("Step Through From Here", "F10", lambda: self._step_from(node)),
            make("Copy Value", "", lambda: self.live.copy_value(node.name)),
        ]
        actions: list[QAction | None] = [self._made[0], self.delete, self.duplicate, None,
                                         self._made[1], self._made[2]]
        if _trained(node):
            gradient = make("Show Gradient", "", lambda: self._show_gradient(node))
            gradient.setCheckable(True)
            gradient.setChecked(self.show_gradients_action.isChecked())
            gradient.setToolTip("View › Show Gradients, with this variable selected")
            self._made.append(gradient)
            actions.append(gradient)
        return actions

    def _make(self, text: str, keys: str, slot: Callable[[], None]) -> QAction:
        action = QAction(f"{text}\t{keys}" if keys else text, self)
        action.triggered.connect(slot)
        return action

    def _item(self, node: Node):  # noqa: ANN202 — a NodeItem
        return self.view.graph_scene.item_for(node)

    def _step_from(self, node: Node) -> None:
        """Step through the evaluation of ``node`` (alone selected)."""
        self.view.graph_scene.select([node])
        if not self.step_action.isChecked():
            self.step_action.trigger()

    def _show_gradient(self, node: Node) -> None:
        self.view.graph_scene.select([node])
        self.show_gradients_action.trigger()


def _trained(node: Node) -> bool:
    """Whether a train node of the graph updates ``node`` (a variable)."""
    if not isinstance(node, Variable):
        return False
    try:
        return any(node in trained_variables(step, step.attrs.get(VAR_LIST))
                   for step in train.train_nodes(node.graph))
    except EngineError:  # a var_list naming no variable: it trains nothing
        return False
