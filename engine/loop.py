"""The one training loop: :func:`fit` runs a train node step after step (the command line
and the editor both train with it)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import EngineError
from .fast_step import fast_step
from .graph import Graph, Node, Variable
from .optimizers import VAR_LIST, global_step_of, trained_variables
from .registry import TRAIN_STEP, has_role
from .session import Session


@dataclass(frozen=True)
class Probe:
    """Nodes to fetch with a step now and then (the variables and their gradients, for a live
    view): before each step ``due(steps done, seconds)`` is asked; when it says so, that step's
    run fetches ``fetches`` too and hands their values — as they were before the step — to
    ``seen``."""

    fetches: Sequence[Node]
    due: Callable[[int, float], bool]
    seen: Callable[[list[Any]], None]


@dataclass(frozen=True)
class FitResult:
    """How a run of :func:`fit` ended."""

    reason: str
    """``"done"``; ``"stopped"`` (``should_stop`` said so); ``"diverged"`` (the loss became NaN
    or infinite); ``"error"`` (an :class:`EngineError`: :attr:`message`, :attr:`node`)."""
    steps: int
    """Steps applied to the graph's variables and the train node's state."""
    losses: NDArray[np.float64]
    """The loss (summed, for one per example) before each applied step."""
    final_loss: float | None
    """The loss at the values training left (``None`` if it cannot be computed)."""
    seconds: float
    """Time spent training, without the time spent in ``should_stop`` (a pause)."""
    message: str = ""
    """Why training ended early."""
    node: str | None = None
    """The node at fault, for an error."""


Feeds = Mapping[Any, Any] | Callable[[int], dict[Any, Any]]
"""Placeholder → value for every step, or a function giving step i's (a mini-batch)."""


def fit(graph: Graph, train_node: Node | str, steps: int, feeds: Feeds | None = None, *,
        on_progress: Callable[[int, NDArray[np.float64], float], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        probe: Probe | None = None, session: Session | None = None,
        final_loss: bool = True) -> FitResult:
    """Run ``train_node`` ``steps`` times with ``feeds`` (placeholder → value) every step, or
    with ``feeds(i)`` at step i (mini-batches: see :func:`engine.data.fit_data`, which trains
    on a data set by epochs with this loop).

    After each step ``on_progress(steps done, their losses, seconds)`` is called (the losses
    array is a view: copy what you keep); ``should_stop()`` is asked before each step and may
    block (a pause). A loss that becomes NaN or infinite ends training: the step that led to
    it is rolled back (with the one that measured it), so the variables and optimizer state
    are those of the last finite loss. An :class:`EngineError` ends training with the graph as
    its last successful step left it. Raises :class:`EngineError` if ``train_node`` is not a
    train node with a loss. ``session`` (a Session of ``graph``) keeps the run's values for the
    caller: fetching more at the final values (gradients) then computes nothing twice. The
    steps, and the callbacks between them, run with numpy's floating-point warnings off (as a
    session's runs do: a loss that overflows is caught as divergence, not warned of).
    Without ``final_loss`` the loss at the final values is not computed (``None``, unless
    training diverged): for a caller that measures it otherwise (by epochs).
    """
    node = graph.get_node(train_node)
    loss = node.inputs[0] if has_role(node, TRAIN_STEP) else None
    if loss is None:
        raise EngineError(f"{node.name} is not a train node with a loss connected",
                          node=node.name)
    if steps < 0:
        raise ValueError("steps: expected a number of steps ≥ 0")
    session = session if session is not None else Session(graph)
    step = fast_step(session, node)
    batch = feeds if callable(feeds) else None
    feed_dict: dict[Any, Any] = dict(feeds or {}) if not callable(feeds) else {}
    probed = [node, *probe.fetches] if probe is not None else []
    losses = np.empty(steps)
    clock = time.perf_counter
    reason, message, culprit, final = "done", "", None, None
    done, paused = 0, 0.0
    start = clock()
    try:
        with np.errstate(all="ignore"):  # as a session's run (once for every step)
            counter = global_step_of(node)  # rolled back with the variables
            variables = (*trained_variables(node, node.attrs.get(VAR_LIST)),
                         *(() if counter is None else (counter,)))
            good: tuple[list[Any], dict[str, Any]] = ([v.value for v in variables], node.state)
            while done < steps:
                if should_stop is not None:
                    asked = clock()
                    stop = should_stop()
                    paused += clock() - asked
                    if stop:
                        reason = "stopped"
                        break
                before = ([v.value for v in variables], node.state)
                if batch is not None:
                    feed_dict = batch(done)
                if probe is not None and probe.due(done, clock() - start - paused):
                    out = session.run(probed, feed_dict)
                    probe.seen(out[1:])
                    value = out[0]
                else:
                    value = step(feed_dict)
                total = _total(value)
                if not math.isfinite(total):
                    applied = max(done - 1, 0)
                    _restore(node, variables, good)
                    reason, culprit = "diverged", loss.name
                    final = float(losses[applied]) if done else total
                    message = (f"the loss {loss.name} became {total} at step {done + 1}: training "
                               "stopped, keeping the values "
                               + (f"after step {applied}" if applied else "it started from"))
                    done = applied
                    break
                losses[done] = total
                good = before
                done += 1
                if on_progress is not None:
                    on_progress(done, losses[:done], clock() - start - paused)
    except EngineError as error:
        reason, message, culprit = "error", error.args[0], error.node
    seconds = clock() - start - paused
    if reason != "diverged" and final_loss:
        try:
            final = _total(session.run(loss, feed_dict))
        except EngineError:
            final = None
    return FitResult(reason, done, losses[:done].copy(), final, seconds, message, culprit)


def _restore(node: Node, variables: Sequence[Variable],
             kept: tuple[list[Any], dict[str, Any]]) -> None:
    """Put back the variables' values and the train node's state that ``kept`` holds."""
    values, state = kept
    node.graph.assign_many(zip(variables, values, strict=True))
    node.graph.set_state(node, state)


def _total(loss: Any) -> float:
    """A loss as one number: its value, or its sum for one value per example."""
    return float(loss) if getattr(loss, "ndim", 0) == 0 else float(loss.sum())
