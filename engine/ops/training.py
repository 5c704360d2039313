"""Training nodes: ``gradient`` (d sum(y) / dx by reverse mode) and the train steps —
``minimize`` (gradient descent, momentum or Adam) and any optimizer op registered with
:func:`register_optimizer_op`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import autodiff
from ..optimizers import (
    DECAY,
    GLOBAL_STEP,
    OPTIMIZER,
    RULES,
    VAR_LIST,
    Array,
    Rule,
    Slots,
    TrainStep,
    minimize_step,
)
from ..registry import GRADIENT, TRAIN_STEP, Attr, OpDef, Shape, register
from . import attrs

register(OpDef(
    type="gradient", inputs=("y", "x"), compute=autodiff.gradient,
    shape=lambda y, x: x, context=True, category="Training", symbol="∂y/∂x",
    doc="The gradient of sum(y) with respect to x, by backpropagation over this run's values.",
    roles=frozenset({GRADIENT}),
))

VAR_LIST_ATTR = Attr(None, attrs.names, "variables to update; None for every trainable "
                                        "variable the loss depends on")


def _name(value: Any) -> str | None:
    """``null`` or a node's name."""
    if value is not None and not isinstance(value, str):
        raise ValueError(f"expected None or a variable's name, got {value!r}")
    return value


SCHEDULE_ATTRS = dict(zip(DECAY, (
    Attr(1.0, attrs.positive, "the learning rate's factor every decay_steps steps (1: none)"),
    Attr(1.0, attrs.positive, "steps over which the learning rate decays by decay_rate"),
    Attr(False, attrs.boolean, "decay in whole periods of decay_steps, not smoothly"),
), strict=True))
"""Exponential learning-rate decay, the same for every train step with a learning rate."""
GLOBAL_STEP_ATTR = Attr(None, _name, "a scalar variable each step adds 1 to (it also counts "
                                     "the decay's steps); None for none")


def _loss_shape(loss: Shape, **attrs: object) -> Shape:
    return loss


def train_step_op(type: str, step: TrainStep, attributes: dict[str, Attr], doc: str,
                  category: str = "Training", symbol: str | None = None) -> OpDef:
    """The definition of a train-step op behaving as ``step``, with ``attributes`` (its
    hyperparameters) and ``var_list``."""
    return OpDef(
        type=type, inputs=("loss",), compute=step.compute, shape=_loss_shape, context=True,
        stateful=True, on_rename=step.follow_rename, attrs_in_use=step.attrs_in_use,
        category=category, symbol=symbol, doc=doc, roles=frozenset({TRAIN_STEP}),
        attrs={**attributes, **(SCHEDULE_ATTRS if "learning_rate" in attributes else {}),
               VAR_LIST: VAR_LIST_ATTR, GLOBAL_STEP: GLOBAL_STEP_ATTR},
    )


register(train_step_op(
    "minimize", minimize_step, symbol="min",
    doc="A train step: each run updates the variables to lower the loss; its value is the loss "
        "before the step.",
    attributes={
        OPTIMIZER: Attr("gradient_descent", attrs.choice(*RULES),
                        "gradient_descent, momentum, adam or nesterov (momentum looking ahead)"),
        "learning_rate": Attr(0.01, attrs.non_negative, "step size"),
        "momentum": Attr(0.9, attrs.fraction, "momentum: weight of the previous step"),
        "beta1": Attr(0.9, attrs.fraction, "adam: decay of the mean of the gradients"),
        "beta2": Attr(0.999, attrs.fraction, "adam: decay of the mean of their squares"),
        "epsilon": Attr(1e-8, attrs.positive, "adam: added to the denominator"),
    },
))


def register_optimizer_op(type: str, update: Callable[..., tuple[Array, Slots]],
                          slots: tuple[str, ...], hyper: dict[str, Attr], doc: str,
                          category: str = "Training", symbol: str | None = None) -> OpDef:
    """Register a new optimizer as a train-step op of its own: each run of one of its nodes
    updates the variables by ``update(value, grad, slots, step, **hyper) → (new value, new
    slots)`` (see :class:`engine.optimizers.Rule`), keeping ``slots`` per variable in the
    node's state. Its attributes are ``hyper`` and ``var_list``; sessions, files, renames,
    ``engine.train.fit`` and the command line need nothing more."""
    step = TrainStep({type: Rule(update, tuple(slots), tuple(hyper))})
    return register(train_step_op(type, step, hyper, doc, category, symbol))
