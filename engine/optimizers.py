"""What a train-step op does: optimizers' update rules and the step that applies them.

Running a train node performs one step: the forward values of this run, one backward pass,
and — after the run succeeded — an update of its variables. Its value is the loss before the
step. Its state (step count, per-variable slots such as momentum or Adam's moments, saved as
``slot/variable``) lives in ``node.state`` and is saved with the graph, so a saved graph
continues training exactly where it stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import compiler
from .autodiff import backprop, zeros_if_none
from .errors import EngineError
from .graph import Node, Variable
from .session import NodeContext

Array = NDArray[Any]
Slots = tuple[Any, ...]
"""An update rule's per-variable slots: arrays, ``None`` before the first step."""

OPTIMIZER = "optimizer"
"""The attribute that chooses among a train-step op's update rules (when it has several)."""
VAR_LIST = "var_list"
"""The attribute naming the variables a train step updates (``None``: every trainable one)."""
GLOBAL_STEP = "global_step"
"""The attribute naming a variable each step increments (``None``: none), as TensorFlow's
``minimize(loss, global_step=...)``; the learning-rate decay counts its steps."""
DECAY = ("decay_rate", "decay_steps", "staircase")
"""The attributes of a train step's exponential learning-rate decay (``decay_rate`` 1: none):
learning_rate · decay_rate ^ (step / decay_steps), the exponent rounded down if ``staircase``,
``step`` the global step's value before this step (else the steps the node has taken)."""


class Rule(NamedTuple):
    """An optimizer: ``update(value, grad, slots, step, **params) → (new value, new slots)``
    (``step`` counts from 1; it must return new arrays, never change its arguments), the names
    of its per-variable ``slots`` and of its ``params`` (attributes of the train node)."""

    update: Callable[..., tuple[Array, Slots]]
    slots: tuple[str, ...]
    params: tuple[str, ...]


def _gradient_descent(value: Array, grad: Array, slots: Slots, step: int, *,
                      learning_rate: float) -> tuple[Array, Slots]:
    return value - learning_rate * grad, ()


def _momentum(value: Array, grad: Array, slots: Slots, step: int, *, learning_rate: float,
              momentum: float) -> tuple[Array, Slots]:
    (accumulation,) = slots
    accumulation = grad if accumulation is None else momentum * accumulation + grad
    return value - learning_rate * accumulation, (accumulation,)


def _adam(value: Array, grad: Array, slots: Slots, step: int, *, learning_rate: float,
          beta1: float, beta2: float, epsilon: float) -> tuple[Array, Slots]:
    m, v = slots
    rate = learning_rate * math.sqrt(1 - beta2**step) / (1 - beta1**step)
    dtype = grad.dtype
    if m is None or v is None or not (m.dtype == v.dtype == value.dtype == dtype):
        m = (1 - beta1) * grad if m is None else beta1 * m + (1 - beta1) * grad
        v = (1 - beta2) * grad * grad if v is None else beta2 * v + (1 - beta2) * grad * grad
        return value - rate * m / (np.sqrt(v) + epsilon), (m, v)
    # the same arithmetic in the same order, into the arrays it makes (one dtype: no casts)
    m = beta1 * m
    m += (1 - beta1) * grad
    squared = (1 - beta2) * grad
    squared *= grad
    v = beta2 * v
    v += squared
    root = np.sqrt(v)
    root += epsilon
    change = rate * m
    change /= root
    return value - change, (m, v)


def _nesterov(value: Array, grad: Array, slots: Slots, step: int, *, learning_rate: float,
              momentum: float) -> tuple[Array, Slots]:
    """TensorFlow's MomentumOptimizer(use_nesterov=True): the step looks ahead along the
    accumulation, var −= learning_rate · (grad + momentum · acc)."""
    (accumulation,) = slots
    accumulation = grad if accumulation is None else momentum * accumulation + grad
    return value - learning_rate * (grad + momentum * accumulation), (accumulation,)


RULES: dict[str, Rule] = {
    "gradient_descent": Rule(_gradient_descent, (), ("learning_rate",)),
    "momentum": Rule(_momentum, ("accumulation",), ("learning_rate", "momentum")),
    "adam": Rule(_adam, ("m", "v"), ("learning_rate", "beta1", "beta2", "epsilon")),
    "nesterov": Rule(_nesterov, ("accumulation",), ("learning_rate", "momentum")),
}
"""The built-in optimizers, which the ``minimize`` op chooses among by its ``optimizer``."""


@dataclass(frozen=True)
class TrainStep:
    """A train-step op's behaviour over its update ``rules``: ``choice`` names the attribute
    that picks one (``None``: there is one rule). Its methods are the op's ``compute``,
    ``on_rename`` and ``attrs_in_use``."""

    rules: Mapping[str, Rule]
    choice: str | None = None

    def rule(self, attrs: Mapping[str, Any]) -> Rule:
        """The rule the attributes choose."""
        if self.choice is None:
            (rule,) = self.rules.values()
            return rule
        return self.rules[attrs[self.choice]]

    def compute(self, ctx: NodeContext, loss: Any, **attrs: Any) -> Any:
        """One optimizer step, applied when the run succeeds; the value is the loss."""
        node = ctx.node
        trainer = self.trainer(ctx)
        updates, state = trainer.changes(backprop(ctx, trainer.loss, trainer.variables))

        def apply() -> None:
            node.graph.assign_many(updates)
            node.state = state

        ctx.defer(apply)
        return loss

    def trainer(self, ctx: NodeContext) -> _Trainer:
        """Train node ``ctx.node``'s step at this graph version (made on first use)."""
        node = ctx.node
        trainer: _Trainer | None = ctx.version_memo.get(node)
        if trainer is None:
            trainer = ctx.version_memo[node] = _Trainer(node, self.rule(node.attrs),
                                                       node.attrs, ctx.compiled)
        return trainer

    def follow_rename(self, node: Node, old: str, new: str) -> None:
        """The node's ``var_list`` and the keys of its slots (``slot/variable``) follow a
        renamed variable."""
        graph = node.graph
        var_list = node.attrs[VAR_LIST]
        if var_list is not None and old in var_list:
            graph.set_attr(node, VAR_LIST, [new if name == old else name for name in var_list])
        if node.attrs.get(GLOBAL_STEP) == old:
            graph.set_attr(node, GLOBAL_STEP, new)
        keys = {f"{slot}/{old}": f"{slot}/{new}"
                for rule in self.rules.values() for slot in rule.slots}
        if keys.keys() & node.state.keys():
            graph.set_state(node, {keys.get(key, key): value for key, value in node.state.items()})

    def attrs_in_use(self, attrs: Mapping[str, Any]) -> tuple[str, ...]:
        """The choice of rule, the chosen rule's parameters, the learning rate's decay (for a
        rule with a learning rate), ``var_list`` and ``global_step``."""
        chosen = () if self.choice is None else (self.choice,)
        params = self.rule(attrs).params
        decay = () if "learning_rate" not in params else (
            DECAY if attrs.get(DECAY[0], 1.0) != 1.0 else DECAY[:1])  # its period, if it decays
        return (*chosen, *params, *decay, VAR_LIST, GLOBAL_STEP)


class _Trainer:
    """A train node's step, compiled once per graph version."""

    def __init__(self, node: Node, rule: Rule, attrs: Mapping[str, Any], compiled: bool) -> None:
        self.node = node
        self.update = rule.update
        self.params = {p: attrs[p] for p in rule.params}
        self.rule = partial(rule.update, **self.params)
        self.values = tuple(self.params.values())
        """The parameters' values, as the compiled step takes them."""
        decay_rate, decay_steps, staircase = (attrs.get(name) for name in DECAY)
        self.decay: tuple[float, float, bool] | None = None
        if decay_rate not in (None, 1.0) and "learning_rate" in self.params:
            self.decay = (decay_rate, decay_steps, staircase)  # type: ignore[assignment]
        self.loss: Node = node.inputs[0]  # type: ignore[assignment]  # the session ran it
        self.variables = trained_variables(node, attrs[VAR_LIST])
        self.global_step = global_step_of(node)
        self.keys = [tuple(f"{slot}/{var.name}" for slot in rule.slots)
                     for var in self.variables]
        compile = compiled and all(param.isidentifier() for param in rule.params)
        self.compiled = compiler.WhenDue(len(self.variables), self.code if compile else None)
        """The compiled step, once :func:`engine.compiler.due` says so (its code names the
        rule's parameters)."""

    def code(self) -> compiler.Compiled:
        """The compiled step (compiled now if it was not yet), for reading."""
        if self.compiled.code is not None:
            return self.compiled.code
        return compiler.update(self.variables, self.keys, self.update, tuple(self.params),
                               self._refuse, _kept, zeros_if_none, np.int64)

    def _refuse(self, index: int) -> None:
        var = self.variables[index]
        raise EngineError(f"{self.node.name}: cannot train {var.name}, a {var.value.dtype} "  # type: ignore[union-attr]
                          "variable (make it float, or not trainable)", node=self.node.name)

    def changes(self, grads: list[Any]) -> tuple[list[tuple[Variable, Array]], dict[str, Any]]:
        """The step's new values (the ``global_step`` counted too) and the node's new state,
        from the loss's gradients (nothing is changed yet)."""
        node = self.node
        for grad in grads:  # (a loop: a generator's all() costs more per step)
            if grad is not None:
                break
        else:  # TensorFlow: "No gradients provided"
            names = ", ".join(var.name for var in self.variables)
            raise EngineError(f"{node.name}: no gradient flows from the loss {self.loss.name} "
                              f"to {names}: it depends on them only through ops without a "
                              "gradient (comparisons, arg-max…)", node=node.name)
        updates, state = self.step(node, grads)
        if self.global_step is not None:
            updates.append((self.global_step, np.asarray(self.global_step.value) + 1))
        return updates, state

    def step(self, node: Node, grads: list[Any]
             ) -> tuple[list[tuple[Variable, Array]], dict[str, Any]]:
        """The variables' new values and the node's new state (nothing is changed yet)."""
        step = steps_taken(node) + 1
        params = self.params
        if self.decay is not None:
            counted = step - 1 if self.global_step is None else self.global_step.value
            rate = decayed_rate(self.params["learning_rate"], counted, *self.decay)
            params = {**self.params, "learning_rate": rate}
        code = self.compiled.run()
        if code is not None:
            values = self.values if params is self.params else tuple(params.values())
            return code.function((grads, node.state, step, values))  # type: ignore[no-any-return]
        rule = self.rule if params is self.params else partial(self.update, **params)
        state = node.state
        new_state: dict[str, Any] = {"step": np.int64(step)}
        updates: list[tuple[Variable, Array]] = []
        for index, (var, grad, keys) in enumerate(zip(self.variables, grads, self.keys,
                                                      strict=True)):
            value: Array = var.value  # type: ignore[assignment]  # a variable has one
            dtype = value.dtype
            if dtype.kind not in "fc":
                self._refuse(index)
            grad = zeros_if_none(grad, value)
            slots = tuple(_kept(state.get(key), value) for key in keys)
            new_value, new_slots = rule(value, grad, slots, step)
            new_state.update(zip(keys, new_slots, strict=True))
            if new_value.dtype != dtype:
                new_value = new_value.astype(dtype)
            updates.append((var, new_value))
        return updates, new_state


def prepared_step(ctx: NodeContext) -> _Trainer | None:
    """Train node ``ctx.node``'s step at this graph version (made now if it was not yet),
    ``None`` for a node whose op is not a :class:`TrainStep`'s."""
    behaviour = getattr(ctx.node.op.compute, "__self__", None)
    return behaviour.trainer(ctx) if isinstance(behaviour, TrainStep) else None


def steps_taken(node: Node) -> int:
    """How many steps the node's state says were taken (0 for none)."""
    step: Any = node.state.get("step")
    if step is None:
        return 0
    if type(step) is np.int64 and step >= 0:  # as the train node keeps it
        return int(step)
    if np.shape(step) != () or np.asarray(step).dtype.kind not in "iu" or step < 0:
        raise EngineError(f"{node.name}: its saved state 'step' is not a whole number ≥ 0",
                          node=node.name)
    return int(step)


def _kept(slot: Array | None, value: Array) -> Array | None:
    """A saved slot, unless the variable's shape has changed since (then it starts afresh)."""
    return slot if slot is not None and slot.shape == value.shape else None


def decayed_rate(learning_rate: float, step: Any, decay_rate: float, decay_steps: float,
                 staircase: bool) -> float:
    """tf.train.exponential_decay: learning_rate · decay_rate ^ (step / decay_steps), the
    exponent rounded down if ``staircase``."""
    exponent = float(step) / decay_steps
    return learning_rate * decay_rate ** (math.floor(exponent) if staircase else exponent)


def global_step_of(node: Node) -> Variable | None:
    """The variable a train node's ``global_step`` names (``None`` if it names none)."""
    name = node.attrs.get(GLOBAL_STEP)
    if name is None:
        return None
    found = node.graph.get_node(name) if name in node.graph else None
    if not isinstance(found, Variable) or found.value is None or found.value.shape != ():
        raise EngineError(f"{node.name}: global_step names '{name}', which is not a scalar "
                          "variable of the graph", node=node.name)
    return found


minimize_step = TrainStep(RULES, OPTIMIZER)
"""The ``minimize`` op's behaviour: the optimizer of :data:`RULES` its attribute names."""


def trained_variables(node: Node, var_list: tuple[str, ...] | None) -> tuple[Variable, ...]:
    """The variables a train node updates: ``var_list`` by name, else every trainable
    variable its loss depends on (in graph order)."""
    graph = node.graph
    if var_list is not None:
        chosen = []
        for name in dict.fromkeys(var_list):
            found = graph.get_node(name) if name in graph else None
            if not isinstance(found, Variable):
                raise EngineError(f"{node.name}: var_list names '{name}', which is not a variable "
                                  "of the graph", node=node.name)
            chosen.append(found)
        return tuple(chosen)
    ancestors = _ancestors(node)
    trainable = tuple(n for n in graph.nodes
                      if n in ancestors and isinstance(n, Variable) and n.trainable)
    if not trainable:
        loss = node.inputs[0]
        raise EngineError(f"{node.name}: the loss {loss.name if loss is not None else None} "
                          "depends on no trainable variable", node=node.name)
    return trainable


def _ancestors(node: Node) -> set[Node]:
    """The nodes ``node`` depends on, along its inputs (networkx's ``ancestors`` of its graph,
    without its views: a fit asks for every epoch)."""
    found: set[Node] = set()
    todo = [node]
    while todo:
        for source in todo.pop().inputs:
            if source is not None and source not in found:
                found.add(source)
                todo.append(source)
    return found
