"""Training nodes: ``gradient`` (d sum(y) / dx by reverse mode) and ``minimize`` (a train step)."""

from __future__ import annotations

from .. import autodiff, train
from ..registry import GRADIENT, TRAIN_STEP, Attr, OpDef, register
from . import attrs

register(OpDef(
    type="gradient", inputs=("y", "x"), compute=autodiff.gradient,
    shape=lambda y, x: x, context=True, category="Training", symbol="∂y/∂x",
    doc="The gradient of sum(y) with respect to x, by backpropagation over this run's values.",
    roles=frozenset({GRADIENT}),
))

register(OpDef(
    type="minimize", inputs=("loss",), compute=train.minimize,
    shape=lambda loss, **attrs: loss, context=True, stateful=True,
    on_rename=train.follow_rename, category="Training", symbol="min",
    roles=frozenset({TRAIN_STEP}),
    doc="A train step: each run updates the variables to lower the loss; its value is the loss "
        "before the step.",
    attrs={
        "optimizer": Attr("gradient_descent", attrs.choice(*train.RULES),
                          "gradient_descent, momentum or adam"),
        "learning_rate": Attr(0.01, attrs.non_negative, "step size"),
        "momentum": Attr(0.9, attrs.fraction, "momentum: weight of the previous step"),
        "beta1": Attr(0.9, attrs.fraction, "adam: decay of the mean of the gradients"),
        "beta2": Attr(0.999, attrs.fraction, "adam: decay of the mean of their squares"),
        "epsilon": Attr(1e-8, attrs.positive, "adam: added to the denominator"),
        "var_list": Attr(None, attrs.names, "variables to update; null for every trainable "
                                            "variable the loss depends on"),
    },
))
