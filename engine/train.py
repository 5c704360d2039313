"""Training (``ts.train``): optimizers whose ``minimize`` adds a train node, finding a graph's
train nodes, and :func:`fit`, the one training loop.

A train node is a node of a train-step op (role ``TRAIN_STEP``): ``minimize``, whose
``optimizer`` attribute picks gradient descent, momentum or Adam, or an optimizer op of its own
(:func:`register_optimizer_op`). See :mod:`engine.optimizers` for what a step does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .data.fitting import DataFitResult, Epoch, Schedule, fit_data
from .errors import EngineError
from .graph import Graph, Node, Operation
from .loop import FitResult, Probe, fit
from .ops.training import register_optimizer_op
from .optimizers import OPTIMIZER, VAR_LIST, trained_variables
from .registry import TRAIN_STEP, OpDef, has_role, ops_with_role

__all__ = [
    "AdamOptimizer", "DataFitResult", "Epoch", "FitResult", "GradientDescentOptimizer",
    "MomentumOptimizer", "Optimizer", "Probe", "Schedule", "add_train_node", "fit", "fit_data",
    "optimizers", "register_optimizer_op", "train_node_for", "train_nodes", "trained_variables",
]


def train_nodes(graph: Graph) -> list[Node]:
    """Every train node of the graph, in graph order."""
    return [node for node in graph.nodes if has_role(node, TRAIN_STEP)]


def train_node_for(graph: Graph, name: str) -> tuple[Node, Node]:
    """The train node and its loss, from the name of either."""
    node = graph.get_node(name)
    if has_role(node, TRAIN_STEP):
        loss = node.inputs[0]
        if loss is None:
            raise EngineError(f"train node {name} has no loss connected", node=name)
        return node, loss
    trainers = [c for c in node.consumers if has_role(c, TRAIN_STEP)]
    if len(trainers) != 1:
        found = ", ".join(t.name for t in trainers)
        raise EngineError(
            f"{name} is not a train node and " + (
                f"several train nodes minimize it ({found}): fetch one of them" if trainers
                else "no train node minimizes it: add one (Minimize) for it"),
            node=name)
    return trainers[0], node


def optimizers() -> dict[str, OpDef]:
    """Every optimizer by name, with the train-step op that runs it: each choice of an op's
    ``optimizer`` attribute (``minimize``'s gradient_descent, momentum, adam), else the op's
    own type (an op of :func:`register_optimizer_op`)."""
    found: dict[str, OpDef] = {}
    for opdef in ops_with_role(TRAIN_STEP):
        choice = opdef.attrs.get(OPTIMIZER)
        names = getattr(choice.parse, "choices", ()) if choice is not None else (opdef.type,)
        found.update(dict.fromkeys(names, opdef))
    return found


def add_train_node(graph: Graph, loss: Node | str, attrs: dict[str, Any] | None = None,
                   name: str | None = None) -> Operation:
    """A train node lowering ``loss``, named ``name`` (default ``train``): ``attrs`` holds
    the ``optimizer`` (any of :func:`optimizers`; default the first), its parameters and
    ``var_list``. Raises ``ValueError`` for an unknown optimizer or a bad attribute."""
    attrs = dict(attrs or {})
    table = optimizers()
    optimizer = attrs.pop(OPTIMIZER, None) or next(iter(table))
    if optimizer not in table:
        raise ValueError(f"unknown optimizer {optimizer!r}: expected one of {', '.join(table)}")
    opdef = table[optimizer]
    if OPTIMIZER in opdef.attrs:
        attrs = {OPTIMIZER: optimizer, **attrs}
    node = graph.add_node(opdef.type, [graph.get_node(loss)], name=name or "train", attrs=attrs)
    assert isinstance(node, Operation)
    return node


# ---- the TensorFlow 1 API ---------------------------------------------------------------------


class Optimizer:
    """Base of the optimizers: ``minimize(loss)`` adds a train node running the optimizer
    named ``kind`` (any of :func:`optimizers`) with the given hyperparameters."""

    kind = ""

    def __init__(self, **hyper: float) -> None:
        self.hyper = hyper

    def minimize(self, loss: Node, var_list: Iterable[Node | str] | None = None,
                 name: str | None = None) -> Operation:
        """A train node that, each time it runs, takes one step lowering ``loss``, updating
        ``var_list`` (default: every trainable variable the loss depends on)."""
        names = None if var_list is None else [v.name if isinstance(v, Node) else v
                                                for v in var_list]
        attrs = {OPTIMIZER: self.kind, **self.hyper, VAR_LIST: names}
        return add_train_node(loss.graph, loss, attrs, name)


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent: var −= learning_rate · grad."""

    kind = "gradient_descent"

    def __init__(self, learning_rate: float) -> None:
        super().__init__(learning_rate=learning_rate)


class MomentumOptimizer(Optimizer):
    """Gradient descent with momentum: acc = momentum · acc + grad; var −= learning_rate · acc."""

    kind = "momentum"

    def __init__(self, learning_rate: float, momentum: float) -> None:
        super().__init__(learning_rate=learning_rate, momentum=momentum)


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba), with TensorFlow's bias-corrected step size."""

    kind = "adam"

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate=learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon)
