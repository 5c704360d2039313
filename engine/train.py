"""Training (``ts.train``): optimizers whose ``minimize`` adds a train node, finding a graph's
train nodes, and :func:`fit`, the one training loop.

A train node is a node of a train-step op (role ``TRAIN_STEP``): ``minimize``, whose
``optimizer`` attribute picks gradient descent, momentum or Adam, or an optimizer op of its own
(:func:`register_optimizer_op`). See :mod:`engine.optimizers` for what a step does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np

from .autodiff import gradient_op, gradients
from .data.fitting import DataFitResult, Epoch, Schedule, fit_data
from .errors import EngineError
from .graph import Graph, Node, Operation, Variable, get_default_graph
from .loop import FitResult, Probe, fit
from .ops.adaptive import ADAGRAD, EXPONENTIAL_DECAY, RMSPROP
from .ops.training import register_optimizer_op
from .optimizers import DECAY, GLOBAL_STEP, OPTIMIZER, VAR_LIST, trained_variables
from .registry import TRAIN_STEP, OpDef, has_role, ops_with_role

__all__ = [
    "AdagradOptimizer", "AdamOptimizer", "DataFitResult", "Epoch", "FitResult",
    "GradientDescentOptimizer", "MomentumOptimizer", "Optimizer", "Probe", "RMSPropOptimizer",
    "Schedule", "add_train_node", "create_global_step", "exponential_decay", "fit", "fit_data",
    "get_global_step", "get_or_create_global_step", "optimizers", "register_optimizer_op",
    "train_node_for", "train_nodes", "trained_variables",
]


def train_nodes(graph: Graph) -> list[Node]:
    """Every train node of the graph, in graph order."""
    return graph.with_role(TRAIN_STEP)


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


GLOBAL_STEP_NAME = "global_step"


def get_global_step(graph: Graph | None = None) -> Variable | None:
    """The graph's variable named ``global_step``, if it has one."""
    graph = graph if graph is not None else get_default_graph()
    found = graph.get_node(GLOBAL_STEP_NAME) if GLOBAL_STEP_NAME in graph else None
    return found if isinstance(found, Variable) else None


def create_global_step(graph: Graph | None = None) -> Variable:
    """A new ``global_step`` variable: an int64 0, not trainable (as TensorFlow's)."""
    graph = graph if graph is not None else get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("the graph has a global_step already")
    with graph.as_default():
        return Variable(np.int64(0), name=GLOBAL_STEP_NAME, trainable=False)


def get_or_create_global_step(graph: Graph | None = None) -> Variable:
    """The graph's ``global_step``, made by :func:`create_global_step` if it has none."""
    return get_global_step(graph) or create_global_step(graph)


def exponential_decay(learning_rate: float, global_step: Node, decay_steps: float,
                      decay_rate: float, staircase: bool = False,
                      name: str | None = None) -> Operation:
    """A node whose value is learning_rate · decay_rate ^ (global_step / decay_steps) (the
    exponent rounded down if ``staircase``), as tf.train.exponential_decay. An optimizer given
    it as its learning rate decays by it, counting the ``global_step`` its ``minimize``
    increments."""
    return Operation(EXPONENTIAL_DECAY.type, [global_step], name=name, attrs={
        "learning_rate": learning_rate, "decay_steps": decay_steps, "decay_rate": decay_rate,
        "staircase": staircase})


class Optimizer:
    """Base of the optimizers: ``minimize(loss)`` adds a train node running the optimizer
    named ``kind`` (any of :func:`optimizers`) with the given hyperparameters. A learning rate
    may be a node of :func:`exponential_decay`."""

    kind = ""

    def __init__(self, learning_rate: float | Node, **hyper: float) -> None:
        self.decay: Node | None = None
        if isinstance(learning_rate, Node):
            if learning_rate.op is not EXPONENTIAL_DECAY:
                raise ValueError(f"a learning rate is a number or a node of exponential_decay, "
                                 f"not {learning_rate.label}")
            self.decay = learning_rate
            attrs = learning_rate.attrs
            self.hyper: dict[str, Any] = {"learning_rate": attrs["learning_rate"],
                                          **{name: attrs[name] for name in DECAY}, **hyper}
        else:
            self.hyper = {"learning_rate": learning_rate, **hyper}

    def minimize(self, loss: Node, global_step: Node | None = None,
                 var_list: Iterable[Node | str] | None = None,
                 name: str | None = None) -> Operation:
        """A train node that, each time it runs, takes one step lowering ``loss``, updating
        ``var_list`` (default: every trainable variable the loss depends on) and adding 1 to
        ``global_step`` (a scalar variable) if given."""
        names = None if var_list is None else [v.name if isinstance(v, Node) else v
                                                for v in var_list]
        if self.decay is not None and self.decay.inputs[0] is not global_step:
            raise ValueError("the learning rate decays by exponential_decay's global_step: "
                             "give minimize the same global_step, which each step increments")
        attrs = {OPTIMIZER: self.kind, **self.hyper, VAR_LIST: names,
                 GLOBAL_STEP: None if global_step is None else global_step.name}
        return add_train_node(loss.graph, loss, attrs, name)

    def compute_gradients(self, loss: Node, var_list: Sequence[Variable] | None = None
                          ) -> list[tuple[Operation, Variable]]:
        """(gradient node, variable) pairs: d sum(loss) / d variable for ``var_list`` (default:
        every trainable variable the loss depends on)."""
        if var_list is None:
            above = nx.ancestors(loss.graph.nx, loss)
            var_list = [n for n in loss.graph.nodes
                        if n in above and isinstance(n, Variable) and n.trainable]
        return list(zip(gradients(loss, var_list), var_list, strict=True))

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Node, Variable]],
                        global_step: Node | None = None, name: str | None = None
                        ) -> Operation:
        """A train node applying the pairs of :meth:`compute_gradients`: it computes those
        same gradients in its own backward pass. (Changed gradients — clipped, say — cannot be
        applied: a train node differentiates its loss itself.)"""
        pairs = list(grads_and_vars)
        losses = {grad.inputs[0] for grad, _ in pairs
                  if grad.op is gradient_op() and grad.inputs[0] is not None}
        if len(losses) != 1 or any(grad.op is not gradient_op() or grad.inputs[1] is not var
                                   for grad, var in pairs):
            raise ValueError("apply_gradients takes the (gradient, variable) pairs that "
                             "compute_gradients made for one loss, unchanged")
        (loss,) = losses
        return self.minimize(loss, global_step, [var for _, var in pairs], name)


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent: var −= learning_rate · grad."""

    kind = "gradient_descent"

    def __init__(self, learning_rate: float | Node) -> None:
        super().__init__(learning_rate)


class MomentumOptimizer(Optimizer):
    """Gradient descent with momentum: acc = momentum · acc + grad; var −= learning_rate · acc
    (with ``use_nesterov``, var −= learning_rate · (grad + momentum · acc))."""

    kind = "momentum"

    def __init__(self, learning_rate: float | Node, momentum: float,
                 use_nesterov: bool = False) -> None:
        super().__init__(learning_rate, momentum=momentum)
        if use_nesterov:
            self.kind = "nesterov"


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba), with TensorFlow's bias-corrected step size."""

    kind = "adam"

    def __init__(self, learning_rate: float | Node = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon)


class RMSPropOptimizer(Optimizer):
    """RMSProp as TensorFlow 1's (not centered; the mean square starts at 1)."""

    kind = RMSPROP.type

    def __init__(self, learning_rate: float | Node, decay: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-10) -> None:
        super().__init__(learning_rate, decay=decay, momentum=momentum, epsilon=epsilon)


class AdagradOptimizer(Optimizer):
    """Adagrad as TensorFlow 1's: the squared gradients' sum starts at 0.1."""

    kind = ADAGRAD.type

    def __init__(self, learning_rate: float | Node,
                 initial_accumulator_value: float = 0.1) -> None:
        super().__init__(learning_rate, initial_accumulator_value=initial_accumulator_value)
