"""Rewrites of a compiled backward pass, decided once when it is compiled. The ops are
recognised by their roles in the registry, never by name; the interpreted pass keeps every
step as it is.

Both start from a loss y reduced to one value: a chain of sums, means and negations from y
down to a node, every element of which gets the same gradient (±1, or divided by a mean's
count).

- Before a loss on logits (softmax or sigmoid cross-entropy): the chain hands that gradient
  down as a scalar instead of spreading it into arrays of ones (its rules take a scalar), the
  same arithmetic: bit for bit the interpreted pass's values.
- A cross-entropy built of parts, y = −Σ c · log softmax(z) (the series' loss: softmax → log →
  multiply by the labels → sums → negative): its gradient with respect to z is p · Σ c − c along
  the softmax's axis (p the softmax), one rule for the chain's five. The order of operations
  changes: the values agree with the interpreted pass's to rounding (1e-12 of their size).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from .compiler import BackwardStep
from .registry import (
    BINARY_LOGITS_LOSS,
    LOGARITHM,
    LOGITS_LOSS,
    MEAN,
    NEGATION,
    PRODUCT,
    SOFTMAX,
    SUM,
)

CHAIN = frozenset({SUM, MEAN, NEGATION})
"""The roles of the ops between y and the node that gets a uniform gradient."""
FUSED = "fused from y"
"""The note of the step a cross-entropy of parts is fused into (values to rounding)."""


def fuse(steps: Sequence[BackwardStep], targets: Sequence[int | None]) -> list[BackwardStep]:
    """``steps`` (a backward pass from y, at index 0) rewritten where y fits a pattern."""
    by_index = {step.index: step for step in steps}
    feeding = Counter(target for step in steps for _, target in step.edges)
    kept = {t for t in targets if t is not None}

    def only(step: BackwardStep | None) -> BackwardStep | None:
        """The step a single-edge ``step`` hands its gradient to, if nothing else does and its
        gradient is not asked for."""
        if step is None or len(step.edges) != 1:
            return None
        target = step.edges[0][1]
        return by_index.get(target) if feeding[target] == 1 and target not in kept else None

    chain = []
    step: BackwardStep | None = by_index.get(0) if 0 not in kept else None
    total = False
    while step is not None and step.op.roles & CHAIN:
        chain.append(step)
        total |= NEGATION not in step.op.roles and step.attrs.get("axis", 0) is None
        step = only(step)
    if not total or step is None:  # (one value: every element below gets the same gradient)
        return list(steps)
    if step.op.roles & {LOGITS_LOSS, BINARY_LOGITS_LOSS}:
        uniform = {id(s): _uniform(s) for s in chain}
        return [uniform.get(id(s), s) for s in steps]
    if PRODUCT in step.op.roles and not any(MEAN in s.op.roles for s in chain):
        negated = sum(NEGATION in s.op.roles for s in chain) % 2 == 1
        return _cross_entropy_of_parts(steps, chain, step, negated, only)
    return list(steps)


def exact(steps: Sequence[BackwardStep]) -> bool:
    """Whether a pass's rewrites keep the interpreted pass's values bit for bit (no cross-entropy
    of parts fused)."""
    return all(step.note != FUSED for step in steps)


def _uniform(step: BackwardStep) -> BackwardStep:
    """A step of the chain handing down its gradient as a scalar."""
    if NEGATION in step.op.roles:  # (−g: a scalar stays one)
        return replace(step, note="a scalar")
    rule = _mean_of_uniform if MEAN in step.op.roles else _sum_of_uniform
    return replace(step, edges=((rule, step.edges[0][1]),), note="a scalar")


def _sum_of_uniform(g: Any, out: Any, x: Any) -> Any:
    """A sum's gradient, the same for every element: its output's."""
    return g


def _mean_of_uniform(g: Any, out: Any, x: Any) -> Any:
    """A mean's gradient, the same for every element: its output's over the count (as
    reduce_mean's rule divides the spread gradient)."""
    count = getattr(x, "size", 1) // max(getattr(out, "size", 1), 1)
    return g / count if count else g


def _cross_entropy_of_parts(steps: Sequence[BackwardStep], chain: list[BackwardStep],
                            product: BackwardStep, negated: bool,
                            only: Any) -> list[BackwardStep]:
    """The chain, the product, log and softmax replaced by one step at the softmax's place."""
    log = only(product) if len(product.edges) == 1 else None
    softmax = only(log) if log is not None and LOGARITHM in log.op.roles else None
    if log is None or softmax is None or SOFTMAX not in softmax.op.roles or len(
            softmax.edges) != 1:
        return list(steps)
    # (imported here: the ops import the optimizers, which import this module)
    from .ops.nn import cross_entropy_parts_grad, log_likelihood_parts_grad

    (_, z), = softmax.edges
    labels = product.input_slots[1 - product.input_slots.index(log.slot)]
    rule = cross_entropy_parts_grad if negated else log_likelihood_parts_grad
    fused = BackwardStep(0, softmax.slot, (labels,), ((partial(rule, **softmax.attrs), z),),
                         softmax.op, softmax.attrs, note=FUSED)
    gone = {id(s) for s in (*chain, product, log)}
    return [fused if s is softmax else s for s in steps if id(s) not in gone]
