"""Rewrites of a compiled backward pass: a chain of steps whose gradient has a short form is
replaced by one fused rule. The ops are recognised by their roles in the registry, never by
name; the interpreted pass keeps every step (the fused rule's values agree with it to rounding:
its order of operations differs).

The one rewrite: a cross-entropy built of parts, y = −Σ c · log softmax(z) (the series' loss:
softmax → log → multiply by the labels → sums, one over every axis → negative). Its gradient
with respect to z is p · Σ c − c along the softmax's axis (p the softmax), which the chain
computes through a rule per op (ones spread by each sum, −c, −c / p, then softmax's rule).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import partial

from .compiler import BackwardStep
from .registry import LOGARITHM, NEGATION, PRODUCT, SOFTMAX, SUM


def fuse(steps: Sequence[BackwardStep], targets: Sequence[int | None]) -> list[BackwardStep]:
    """``steps`` (a backward pass from y, at index 0) with the chain from y down to a softmax
    replaced by one step at the softmax's place, if y is such a cross-entropy."""
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
    negated, total = False, False
    while step is not None and step.op.roles & {NEGATION, SUM}:
        chain.append(step)
        negated ^= NEGATION in step.op.roles
        total |= SUM in step.op.roles and step.attrs.get("axis", 0) is None
        step = only(step)
    if not (total and step is not None and PRODUCT in step.op.roles and len(step.edges) == 1):
        return list(steps)
    product = step
    log = only(product)
    softmax = only(log) if log is not None and LOGARITHM in log.op.roles else None
    if softmax is None or SOFTMAX not in softmax.op.roles or len(softmax.edges) != 1:
        return list(steps)
    # (imported here: the ops import the optimizers, which import this module)
    from .ops.nn import cross_entropy_parts_grad, log_likelihood_parts_grad

    (_, z), = softmax.edges
    labels = product.input_slots[1 - product.input_slots.index(log.slot)]
    rule = cross_entropy_parts_grad if negated else log_likelihood_parts_grad
    fused = BackwardStep(0, softmax.slot, (labels,), ((partial(rule, **softmax.attrs), z),),
                         softmax.op, softmax.attrs, fused=True)
    gone = {id(s) for s in (*chain, product, log)}
    return [fused if s is softmax else s for s in steps if id(s) not in gone]
