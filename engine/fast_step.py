"""A train node's step repeated on fed arrays (the training loop's mini-batches) without a
session's per-run bookkeeping.

A step calls three compiled functions directly, over values of its own: the forward pass of
the session's plan (without the train node), the train node's backward pass and its optimizer
step — the very functions the session's run calls, in the same order: the same values, bit for
bit — then sets the variables and the node's state as the run would. A fed array is checked
once per shape and dtype (an epoch's last, smaller batch once too). The session runs the step
instead — and checks, and names the node at fault — for a feed it must convert or refuse, for
a plan with another op that keeps state or reads its run (dropout), and for any error. The
parts are prepared once per graph version.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import blas, compiler, fusion
from .autodiff import Backward, backward_pass
from .errors import EngineError
from .graph import Node, Placeholder, _ValueNode
from .optimizers import _Trainer, prepared_step
from .session import NodeContext, Session, take_steps_by

MAX_KINDS = 1024
"""How many kinds of feeds (keys, shapes, dtypes) a step remembers what to load for."""

Loads = tuple[list[int], list[tuple[int, _ValueNode]]]
"""What a step loads into its values: the slots of the fed arrays, in the feeds' order, and
the other sources by slot (variables, constants, defaults)."""


@dataclass
class _Prepared:
    """The compiled parts of a train node's step (at one graph version)."""

    forward: Callable[[list[Any]], None]
    backward: Backward
    trainer: _Trainer
    loss_slot: int
    sources: dict[_ValueNode, int]
    slots: dict[Node, int]
    """The slot of each value of the forward pass (sources too) by node."""
    values: list[Any]
    """By slot (and a spare one last, for fed arrays the step does not read)."""
    loads: dict[tuple[Any, ...], Loads | None]
    """By the feeds' keys, kinds, shapes and dtypes: what to load, ``None`` if they do not fit
    as they are (the session converts or refuses them)."""
    last: tuple[tuple[Any, ...], Loads] | None = None
    """The kinds of the last feeds loaded, and what they load (compared before looking up)."""
    largest: int = -1
    """Elements of the step's largest value (after its first step): its BLAS threads."""


class FastStep:
    """Steps of train node ``node`` through ``session``: ``step(feeds)`` takes one and returns
    the node's value (the loss before the step), as ``session.run(node, feeds)`` would. Take
    steps under ``np.errstate(all="ignore")``, as a run computes (entering it for every step
    cost more than the rest of a step's bookkeeping): :func:`engine.loop.fit` holds one."""

    def __init__(self, session: Session, node: Node) -> None:
        self._session = weakref.ref(session)  # (the session's memo holds the step)
        self.node = node
        self._prepared: _Prepared | None = None
        self._version = -1
        """The graph version the step was last prepared for (prepared or not)."""

    @property
    def session(self) -> Session:
        """The session whose steps these are."""
        session = self._session()
        if session is None:
            raise ReferenceError("the session of this step is gone")
        return session

    def __call__(self, feeds: dict[Any, Any]) -> Any:
        values = self.take(feeds)
        if values is None:  # the session's run takes it (and reports an error)
            return self.session.run(self.node, feeds)
        return values[self._prepared.loss_slot]  # type: ignore[union-attr]  # (taken: prepared)

    def take(self, feeds: dict[Any, Any]) -> list[Any] | None:
        """Take one step at ``feeds``: the forward pass's values by slot (see
        :meth:`slot_of`); ``None``, changing nothing, where the session is to run it."""
        self._current()
        values = self._loaded(feeds)
        prepared = self._prepared
        if values is None or prepared is None:
            return None
        try:
            prepared.forward(values)
            grads = prepared.backward.run(values)
            updates, state = prepared.trainer.changes(grads)
        except Exception:  # the session's run reports it, naming the node at fault
            return None
        if prepared.largest < 0:
            prepared.largest = max(getattr(v, "size", 1) for v in values[:-1])
        node = self.node
        node.graph.assign_many(updates)
        node.state = state
        return values

    def slot_of(self, node: Node) -> int | None:
        """Where :meth:`take`'s values hold ``node``'s (the train node's: its loss's),
        ``None`` if they do not (or the step cannot be taken without the session)."""
        prepared = self._current()
        if prepared is None:
            return None
        return prepared.loss_slot if node is self.node else prepared.slots.get(node)

    def _current(self) -> _Prepared | None:
        """The step's parts at the graph's version (prepared again after a change)."""
        version = self.node.graph.version
        if self._version != version:
            self._prepared = self._prepare()
            self._version = version
        return self._prepared

    def values(self, nodes: list[Node], feeds: dict[Any, Any]) -> list[Any] | None:
        """The values of ``nodes`` (the loss or its ancestors) at ``feeds``, by the step's
        forward pass — as a session's run of them gives them; ``None`` where the session
        must run them (the step is not prepared, or they are not the step's, or it fails)."""
        values = self._loaded(feeds)
        prepared = self._prepared
        if values is None or prepared is None or not all(n in prepared.slots for n in nodes):
            return None
        try:
            with np.errstate(all="ignore"):
                prepared.forward(values)
        except Exception:  # the session's run reports it
            return None
        return [values[prepared.slots[n]] for n in nodes]

    def _loaded(self, feeds: dict[Any, Any]) -> list[Any] | None:
        """The prepared step's values with ``feeds`` and the other sources loaded, ``None``
        when the session is to run it."""
        prepared = self._prepared
        if prepared is None or self._version != self.node.graph.version:
            return None
        try:
            kinds = tuple([(key, type(value), value.shape, value.dtype)
                           for key, value in feeds.items()])
        except AttributeError:  # not an array: the session converts it
            return None
        last = prepared.last
        if last is not None and last[0] == kinds:  # (mostly: the step before's kinds)
            loads: Loads | None = last[1]
        elif kinds in prepared.loads:
            loads = prepared.loads[kinds]
        else:
            if len(prepared.loads) >= MAX_KINDS:
                prepared.loads.clear()
            loads = prepared.loads[kinds] = self._loads(prepared, feeds)
        if loads is None:
            return None
        prepared.last = kinds, loads
        values = prepared.values
        fed, others = loads
        for slot, value in zip(fed, feeds.values(), strict=True):
            values[slot] = value
        for slot, source in others:
            values[slot] = source.run_value
        blas.suit(prepared.largest if prepared.largest >= 0 else  # (a first step: by its
                  max(getattr(values[slot], "size", 1) for slot in prepared.sources.values()))
        return values

    def _prepare(self) -> _Prepared | None:
        """The step's compiled parts, when it can be taken without the session."""
        session, node = self.session, self.node
        try:
            sources, steps = session.plan_steps(node)
            ctx = NodeContext(session, node)
            ctx.version_memo[FastStep, node] = self  # (a new version's plan cleared the memo)
            forward = steps[:-1]
            if (not session.compiled or not forward or steps[-1][0] is not node
                    or not compiler.due(len(forward), 2)
                    or any(n.op.context or n.op.stateful for n, _ in forward)):
                return None
            trainer = prepared_step(ctx)
            if trainer is None:
                return None
            backward = backward_pass(ctx, trainer.loss, trainer.variables)
        except EngineError:  # the session's run reports it
            return None
        trainer.compiled.now()  # (steps of a fit to come: compiled from the first, where the
        if fusion.exact(backward.fused):  # compiled pass computes what the interpreted does)
            backward.compiled.now()
        code = compiler.forward([step for _, step in forward], [n.op for n, _ in forward])
        size = 2 + max([slot for slot, _, _ in sources] + [step[0] for _, step in steps])
        return _Prepared(code.function, backward, trainer, steps[-1][1][2],
                         {source: slot for slot, source, _ in sources},
                         {**{source: slot for slot, source, _ in sources},
                          **{n: step[0] for n, step in forward}}, [None] * size, {})

    def _loads(self, prepared: _Prepared, feeds: dict[Any, Any]) -> Loads | None:
        """What a step with feeds of these kinds loads, ``None`` unless each is keyed by a
        placeholder of the graph (a node: a name is the session's to look up) that takes the
        array as it is (one the step does not read goes to a spare slot)."""
        fed: list[int] = []
        spare = len(prepared.values) - 1
        for key, value in feeds.items():
            if not isinstance(key, Placeholder) or key not in self.node.graph:
                return None
            try:
                if key.check(value) is not value:
                    return None
            except ValueError:
                return None
            fed.append(prepared.sources.get(key, spare))
        others = [(slot, source) for source, slot in prepared.sources.items()
                  if slot not in fed]
        if any(isinstance(source, Placeholder) and source.value is None for _, source in others):
            return None  # unfed, without a default: the session says so
        return fed, others


def fast_step(session: Session, node: Node) -> FastStep:
    """The session's :class:`FastStep` of train node ``node``, one per graph version (the
    epochs of a fit share it)."""
    memo = NodeContext(session, node).version_memo
    found: FastStep | None = memo.get((FastStep, node))
    if found is None:
        found = memo[FastStep, node] = FastStep(session, node)
    return found


take_steps_by(fast_step)  # a session's run that takes a train step again takes this one
