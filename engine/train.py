"""Optimizers (``ts.train``): each ``minimize`` adds a train node to the graph.

Running a train node performs one step: the forward values of this run, one backward pass,
and — after the run succeeded — an update of its variables. Its value is the loss before the
step. Its state (step count, momentum, Adam moments) lives in ``node.state`` and is saved with
the graph, so a saved graph continues training exactly where it stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import networkx as nx
import numpy as np

from .autodiff import backprop, zeros_if_none
from .errors import EngineError
from .graph import Node, Operation, Variable
from .session import NodeContext

# ---- update rules: (value, grad, slots, step, hyper-parameters) → (new value, new slots) -------
Slots = tuple[Any, ...]
"""An update rule's kept arrays for one variable (``None`` before the first step)."""


def _gradient_descent(value: np.ndarray, grad: Any, slots: Slots, step: int, *,
                      learning_rate: float) -> tuple[Any, Slots]:
    return value - learning_rate * grad, ()


def _momentum(value: np.ndarray, grad: Any, slots: Slots, step: int, *, learning_rate: float,
              momentum: float) -> tuple[Any, Slots]:
    (accumulation,) = slots
    accumulation = grad if accumulation is None else momentum * accumulation + grad
    return value - learning_rate * accumulation, (accumulation,)


def _adam(value: np.ndarray, grad: Any, slots: Slots, step: int, *, learning_rate: float,
          beta1: float, beta2: float, epsilon: float) -> tuple[Any, Slots]:
    m, v = slots
    m = (1 - beta1) * grad if m is None else beta1 * m + (1 - beta1) * grad
    v = (1 - beta2) * grad * grad if v is None else beta2 * v + (1 - beta2) * grad * grad
    rate = learning_rate * math.sqrt(1 - beta2**step) / (1 - beta1**step)
    return value - rate * m / (np.sqrt(v) + epsilon), (m, v)


RULES: dict[str, tuple[Callable[..., Any], tuple[str, ...], tuple[str, ...]]] = {
    "gradient_descent": (_gradient_descent, (), ("learning_rate",)),
    "momentum": (_momentum, ("accumulation",), ("learning_rate", "momentum")),
    "adam": (_adam, ("m", "v"), ("learning_rate", "beta1", "beta2", "epsilon")),
}
"""Each optimizer's update rule, the per-variable slots it keeps (saved in the train node's
state as ``slot/variable``) and the attributes it reads."""


# ---- the train node's compute -----------------------------------------------------------------


class _Trainer:
    """A train node's step, compiled once per graph version."""

    def __init__(self, node: Node, optimizer: str, var_list: tuple[str, ...] | None,
                 hyper: dict[str, float]) -> None:
        rule, slot_names, params = RULES[optimizer]
        self.rule = partial(rule, **{p: hyper[p] for p in params})
        self.loss = node.inputs[0]
        self.variables = trained_variables(node, var_list)
        self.keys = [tuple(f"{slot}/{var.name}" for slot in slot_names)
                     for var in self.variables]

    def step(self, node: Node, grads: list[Any]
             ) -> tuple[list[tuple[Variable, np.ndarray]], dict[str, np.ndarray]]:
        """The variables' new values and the node's new state (nothing is changed yet)."""
        state = node.state
        step = _saved_step(node) + 1
        new_state: dict[str, np.ndarray] = {"step": np.int64(step)}
        updates = []
        rule = self.rule
        for var, grad, keys in zip(self.variables, grads, self.keys, strict=True):
            value = var.value
            dtype = value.dtype  # type: ignore[union-attr]
            if dtype.kind not in "fc":
                raise EngineError(f"{node.name}: cannot train {var.name}, a {dtype} "
                                  "variable (make it float, or not trainable)", node=node.name)
            if grad is None:  # the loss does not depend on this variable
                grad = zeros_if_none(grad, value)
            if keys:
                slots = tuple(_kept(state.get(key), value) for key in keys)  # type: ignore[arg-type]
                new_value, new_slots = rule(value, grad, slots, step)
                new_state.update(zip(keys, new_slots, strict=True))
            else:
                new_value, _ = rule(value, grad, (), step)
            if new_value.dtype != dtype:
                new_value = new_value.astype(dtype)
            updates.append((var, new_value))
        return updates, new_state


def _saved_step(node: Node) -> int:
    """How many steps the node's state says were taken (0 for none)."""
    step = node.state.get("step")
    if step is None:
        return 0
    if type(step) is np.int64 and step >= 0:  # as the train node keeps it
        return int(step)
    if np.shape(step) != () or np.asarray(step).dtype.kind not in "iu" or step < 0:
        raise EngineError(f"{node.name}: its saved state 'step' is not a whole number ≥ 0",
                          node=node.name)
    return int(step)


def _kept(slot: np.ndarray | None, value: np.ndarray) -> np.ndarray | None:
    """A saved slot, unless the variable's shape has changed since (then it starts afresh)."""
    return slot if slot is not None and slot.shape == value.shape else None


def minimize(ctx: NodeContext, loss: Any, optimizer: str, var_list: tuple[str, ...] | None,
             **hyper: float) -> Any:
    """Compute of the ``minimize`` op: one optimizer step, applied when the run succeeds."""
    node = ctx.node
    trainer = ctx.version_memo.get(node)
    if trainer is None:
        trainer = ctx.version_memo[node] = _Trainer(node, optimizer, var_list, hyper)
    grads = backprop(ctx, trainer.loss, trainer.variables)  # type: ignore[arg-type]
    updates, state = trainer.step(node, grads)

    def apply() -> None:
        node.graph.assign_many(updates)
        node.state = state

    ctx.defer(apply)
    return loss


def follow_rename(node: Node, old: str, new: str) -> None:
    """A train node's ``on_rename``: its ``var_list`` and the keys of its optimizer slots
    (``slot/variable``) follow a renamed variable."""
    graph = node.graph
    var_list = node.attrs["var_list"]
    if var_list is not None and old in var_list:
        graph.set_attr(node, "var_list", [new if name == old else name for name in var_list])
    keys = {f"{slot}/{old}": f"{slot}/{new}" for _, slots, _ in RULES.values() for slot in slots}
    if keys.keys() & node.state.keys():
        graph.set_state(node, {keys.get(key, key): value for key, value in node.state.items()})


def trained_variables(node: Node, var_list: tuple[str, ...] | None) -> tuple[Variable, ...]:
    """The variables a train node updates: ``var_list`` by name, else every trainable
    variable its loss depends on (in graph order)."""
    graph = node.graph
    if var_list is not None:
        chosen = []
        for name in dict.fromkeys(var_list):
            if name not in graph or not isinstance(graph.get_node(name), Variable):
                raise EngineError(f"{node.name}: var_list names '{name}', which is not a variable "
                                  "of the graph", node=node.name)
            chosen.append(graph.get_node(name))
        return tuple(chosen)  # type: ignore[arg-type]
    loss = node.inputs[0]
    ancestors = nx.ancestors(graph.nx, node)
    found = tuple(n for n in graph.nodes
                  if n in ancestors and isinstance(n, Variable) and n.trainable)
    if not found:
        raise EngineError(f"{node.name}: the loss {loss.name} depends on no trainable variable",  # type: ignore[union-attr]
                          node=node.name)
    return found


# ---- the TensorFlow 1 API ---------------------------------------------------------------------


class Optimizer:
    """Base of the optimizers: ``minimize(loss)`` adds a train node."""

    kind = ""

    def __init__(self, **hyper: float) -> None:
        self.hyper = hyper

    def minimize(self, loss: Node, var_list: Iterable[Node | str] | None = None,
                 name: str | None = None) -> Operation:
        """A train node that, each time it runs, takes one step lowering ``loss``, updating
        ``var_list`` (default: every trainable variable the loss depends on)."""
        names = None if var_list is None else [v.name if isinstance(v, Node) else v
                                                for v in var_list]
        attrs = {"optimizer": self.kind, **self.hyper, "var_list": names}
        return Operation("minimize", [loss], name=name or "train", attrs=attrs)


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
