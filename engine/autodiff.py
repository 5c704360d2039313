"""Reverse-mode differentiation over the forward values of a run.

A :class:`Backward` pass is compiled once per graph version for a ``y`` and a set of targets:
the nodes on a path from a target to ``y`` in reverse topological order, each with the gradient
rules of its inputs on such a path (a path that a gradient can take: not through an input whose
rule is ``not_differentiable``). Running it reads the forward values the session computed in
this run and sums each node's contributions from its consumers; consumers off every path to
``y`` are never visited. Gradient and train nodes of the same ``y`` share one pass per run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np

from . import compiler
from .errors import EngineError
from .fusion import fuse
from .graph import Node, Operation
from .registry import GRADIENT, OpDef, not_differentiable, op_for_operator, ops_with_role
from .session import NodeContext


class Backward:
    """The compiled backward pass from ``y`` to ``targets``."""

    def __init__(self, ctx: NodeContext, y: Node, targets: Sequence[Node]) -> None:
        graph = y.graph.nx
        pred, succ = _adjacency(graph)
        upstream = _flow([y], pred, lambda node, source: _passes(source, node))
        reachable = _flow(targets, succ, _passes)
        on_path = upstream & reachable
        order = _topological(graph, on_path)[::-1]
        index = {node: i for i, node in enumerate(order)}
        self.size = len(order)
        self.y_slot = ctx.slot(y)
        self.targets = [index.get(t) for t in targets]
        self.steps: list[compiler.BackwardStep] = []
        for i, node in enumerate(order):
            edges = []
            for port, source in enumerate(node.inputs):
                if source in index and (rule := self._rule(node, port, ctx, y)) is not None:
                    edges.append((rule, index[source]))
            if edges:
                slots = tuple([ctx.slot(n) for n in node.inputs])  # type: ignore[arg-type]
                self.steps.append(compiler.BackwardStep(i, ctx.slot(node), slots,
                                                        tuple(edges), node.op, node.attrs))
        self.fused = fuse(self.steps, self.targets)
        """The steps the compiled pass takes (:mod:`engine.fusion`'s rewrites applied)."""
        make = partial(compiler.backward, self.y_slot, seed, self.fused, self.targets)
        self.compiled = compiler.WhenDue(len(self.steps), make if ctx.compiled and self.size
                                         else None)
        """The compiled pass, once :func:`engine.compiler.due` says so."""

    @staticmethod
    def _rule(node: Node, port: int, ctx: NodeContext, y: Node) -> Any:
        """The rule of an input's gradient, ``None`` if nothing flows back through it."""
        rules = node.op.gradient
        rule = rules[port] if rules is not None else None
        if rule is not_differentiable:
            return None
        if rule is None:
            raise EngineError(
                f"{node.label} has no gradient for its input '{node.op.inputs[port]}',"
                f" and it lies on the way to {y.name} (needed by {ctx.node.name})",
                node=node.name,
            )
        return partial(rule, **node.attrs) if node.attrs else rule

    def run(self, values: list[Any]) -> list[Any]:
        """Each target's gradient of sum(y) (``None`` for a target ``y`` does not depend on):
        interpreted until :func:`engine.compiler.due` says to compile it."""
        code = self.compiled.run()
        if code is not None:
            return code.function(values)  # type: ignore[no-any-return]
        return self.interpret(values)

    def code(self) -> compiler.Compiled | None:
        """The compiled pass (compiled now if it was not yet), for reading."""
        if self.compiled.code is None and self.size:
            return compiler.backward(self.y_slot, seed, self.fused, self.targets)
        return self.compiled.code

    @functools.cached_property
    def loop(self) -> list[tuple[int, int, Any, bool, tuple[tuple[Any, int], ...]]]:
        """The steps as the interpreted pass reads them (made when it first runs: a pass
        compiled at once never does)."""
        return [(step.index, step.slot, itemgetter(*step.input_slots),
                 len(step.input_slots) == 1, step.edges) for step in self.steps]

    def interpret(self, values: list[Any]) -> list[Any]:
        """The pass, step by step."""
        grads: list[Any] = [None] * self.size
        if self.size:
            grads[0] = seed(values[self.y_slot])
        for i, out_slot, inputs, unary, edges in self.loop:
            grad = grads[i]
            if grad is None:
                continue
            out = values[out_slot]
            ins = (inputs(values),) if unary else inputs(values)
            for rule, target in edges:
                contribution = rule(grad, out, *ins)
                previous = grads[target]
                grads[target] = contribution if previous is None else previous + contribution
        return [None if t is None else grads[t] for t in self.targets]


def seed(y: Any) -> np.ndarray:
    """The gradient of sum(y) with respect to y: ones shaped like y (float), read-only (the
    same array every step: rules never change their arguments)."""
    dtype = getattr(y, "dtype", None)
    if dtype is None:  # a Python number
        y = np.asarray(y)
        dtype = y.dtype
    return _ones(y.shape, dtype if dtype.kind in "fc" else _FLOAT)


_FLOAT = np.dtype(np.float64)


@functools.lru_cache(maxsize=64)
def _ones(shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray:
    ones = np.ones(shape, dtype)
    ones.flags.writeable = False
    return ones


def _passes(source: Node, consumer: Node) -> bool:
    """Whether a gradient may flow from ``consumer`` back to its input ``source``: through any
    port ``source`` feeds whose rule is not :func:`not_differentiable` (a missing rule counts:
    it is an error where a gradient needs it)."""
    rules = consumer.op.gradient
    if rules is None:
        return True
    for port, s in enumerate(consumer.inputs):  # (a loop: a generator's any() cost more)
        if s is source and rules[port] is not not_differentiable:
            return True
    return False


def _topological(graph: nx.DiGraph[Node], nodes: set[Node]) -> list[Node]:
    """``nodes`` in topological order: the order of networkx's ``topological_sort`` of their
    induced subgraph (Kahn's generations, each in the order of the subgraph's nodes and
    wires), without its views (a pass's set-up spent most of its time in them)."""
    shown = {n for n in nodes if n in graph}  # (as networkx's subgraph makes its node set)
    ordered = shown if 2 * len(shown) < len(graph) else (n for n in graph if n in shown)
    pred, succ = _adjacency(graph)
    waiting: dict[Node, int] = {}
    ready: list[Node] = []
    for node in ordered:
        inputs = len(shown.intersection(pred[node]))  # (its inputs are distinct)
        if inputs:
            waiting[node] = inputs
        else:
            ready.append(node)
    order: list[Node] = []
    while ready:
        order += ready
        generation, ready = ready, []
        for node in generation:
            for child in succ[node]:
                if child in waiting:
                    waiting[child] -= 1
                    if not waiting[child]:
                        del waiting[child]
                        ready.append(child)
    return order


def _adjacency(graph: nx.DiGraph[Node]) -> tuple[Mapping[Node, Mapping[Node, Any]],
                                                  Mapping[Node, Mapping[Node, Any]]]:
    """The graph's predecessors and successors by node: networkx's own dictionaries, which
    its ``pred`` and ``succ`` views read (in the same order) through a view per lookup."""
    return graph._pred, graph._succ  # type: ignore[attr-defined]


def _flow(starts: Iterable[Node], neighbours: Any,
          passes: Callable[[Node, Node], bool]) -> set[Node]:
    """``starts`` and the nodes reached from them over ``neighbours`` (successors or
    predecessors by node) along wires a gradient passes, ``passes(node, neighbour)``."""
    reached = set(starts)
    todo = list(reached)
    while todo:
        node = todo.pop()
        for other in neighbours[node]:
            if other not in reached and passes(node, other):
                reached.add(other)
                todo.append(other)
    return reached


def backprop(ctx: NodeContext, y: Node, targets: tuple[Node, ...]) -> list[Any]:
    """The gradients of sum(y) with respect to ``targets`` in the current run (``None`` where
    y does not depend on a target); one pass per run and ``(y, targets)``, compiled once per
    graph version."""
    key = ("backprop", y, targets)
    grads = ctx.run_memo.get(key)
    if grads is None:
        grads = ctx.run_memo[key] = backward_pass(ctx, y, targets).run(ctx.values)
    return grads


def backward_pass(ctx: NodeContext, y: Node, targets: tuple[Node, ...]) -> Backward:
    """The backward pass from ``y`` to ``targets`` at this graph version (made once)."""
    key = ("backprop", y, targets)
    backward: Backward | None = ctx.version_memo.get(key)
    if backward is None:
        backward = ctx.version_memo[key] = Backward(ctx, y, targets)
    return backward


def zeros_if_none(grad: Any, x: Any) -> Any:
    """``grad``, or zeros shaped like ``x`` where y does not depend on x."""
    return np.zeros(np.shape(x)) if grad is None else grad


def gradient(ctx: NodeContext, y: Any, x: Any) -> Any:
    """Compute of the gradient op (role GRADIENT): d sum(y) / dx. Every gradient node of the
    same ``y`` is served by one backward pass."""
    node = ctx.node
    y_node, x_node = node.inputs
    assert y_node is not None and x_node is not None  # the session ran both
    key = ("gradient targets", y_node)
    targets = ctx.version_memo.get(key)
    if targets is None:
        xs = {c.inputs[1]: None for c in y_node.consumers
              if c.op is node.op and c.inputs[0] is y_node and c.inputs[1] is not None}
        targets = ctx.version_memo[key] = tuple(xs)
    grads = backprop(ctx, y_node, targets)
    return zeros_if_none(grads[targets.index(x_node)], x)


def gradient_op() -> OpDef:
    """The op type of gradient nodes: the registry's one op with role GRADIENT."""
    (opdef,) = ops_with_role(GRADIENT)
    return opdef


def gradients(ys: Node | Iterable[Node], xs: Node | Iterable[Node],
              grad_ys: Node | Iterable[Any] | None = None,
              name: str | None = None) -> list[Operation]:
    """One gradient node per x, named ``dy_dx`` unless ``name`` is given: fetching it gives
    d sum(y) / dx (TensorFlow 1 semantics). For several ``ys`` it is the sum of their
    gradients; ``grad_ys`` (one per y, shaped like it; ``None`` for ones) weights each y's
    elements: d sum(y · grad_y) / dx."""
    ys = [ys] if isinstance(ys, Node) else list(ys)
    xs = [xs] if isinstance(xs, Node) else list(xs)
    weights = [None] * len(ys) if grad_ys is None else (
        [grad_ys] if isinstance(grad_ys, Node) else list(grad_ys))
    if len(weights) != len(ys):
        raise ValueError(f"grad_ys: expected one per y ({len(ys)}), got {len(weights)}")
    times, plus = op_for_operator("*").type, op_for_operator("+").type
    targets = [y if w is None else Operation(times, [y, w]) for y, w in zip(ys, weights,
                                                                           strict=True)]
    op_type = gradient_op().type
    if len(targets) == 1:
        y = targets[0]
        return [Operation(op_type, [y, x], name=name or f"d{ys[0].name}_d{x.name}") for x in xs]
    out = []
    for x in xs:
        terms = [Operation(op_type, [y, x]) for y in targets]
        total = terms[0]
        for term in terms[1:-1]:
            total = Operation(plus, [total, term])
        out.append(Operation(plus, [total, terms[-1]], name=name or f"d_d{x.name}"))
    return out
