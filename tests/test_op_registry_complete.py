"""Every registered op is complete: a description, a palette category, a case in
tests/test_gradients.py or a tests/op_cases_*.py file (found by glob), a gradient rule per input
checked by finite differences there (or membership in a NOT_DIFFERENTIABLE set), and a static
shape rule that agrees with the computed value's shape on each case — with unknown sizes too."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import CASES, NOT_DIFFERENTIATED, _inputs

import engine as ts
from editor.canvas.palette import CATEGORY_ORDER
from engine.ops.forms import forms_of
from engine.ops.jax_steps import SLOTS, UPDATES
from engine.optimizers import OPTIMIZER, RULES
from engine.registry import GRADIENT, TRAIN_STEP, all_ops, has_role
from engine.shapes import compatible

ROLE_CASES = {
    GRADIENT: [(((3, 4), (4,)), {})],
    TRAIN_STEP: [(((3,),), {})],
}
"""Cases for the training ops, by role: a gradient node's y and x, a train step's loss."""

OPS = [op for op in all_ops() if not op.is_source]


def cases_of(op) -> list:
    found = CASES.get(op.type, [])
    for role, cases in ROLE_CASES.items():
        if has_role(op, role):
            found = found + cases
    return found


@pytest.mark.parametrize("op", all_ops(), ids=lambda op: op.type)
def test_every_op_has_a_description_and_a_palette_category(op) -> None:
    assert op.doc.strip(), f"{op.type} has no description"
    assert op.category in CATEGORY_ORDER, (
        f"{op.type}'s category {op.category!r} is not one of the palette's {CATEGORY_ORDER}")


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.type)
def test_every_op_has_cases_and_a_gradient_rule_or_none_on_purpose(op) -> None:
    assert cases_of(op), f"add a case for {op.type} to a tests/op_cases_*.py file"
    if op.type in NOT_DIFFERENTIATED or has_role(op, GRADIENT) or has_role(op, TRAIN_STEP):
        return
    assert op.gradient is not None and len(op.gradient) == len(op.inputs), op.type
    assert all(op.gradient), (
        f"{op.type} lacks a gradient rule for an input: give it engine.registry."
        "not_differentiable if nothing flows back through it (TensorFlow's None)")


def _shape_cases() -> list:
    return [(op.type, shapes, attrs) for op in OPS for shapes, attrs in cases_of(op)]


@pytest.mark.parametrize("op_type,shapes,attrs", _shape_cases())
def test_the_static_shape_rule_agrees_with_the_value(op_type, shapes, attrs) -> None:
    values = _inputs(op_type, shapes, attrs, np.random.default_rng(5))
    with ts.Graph().as_default() as g:
        out = ts.Operation(op_type, [ts.Variable(v) for v in values], attrs=attrs)
    shape = np.shape(ts.Session(g).run(out))
    assert g.shape_of(out) == shape
    # with the first size of each input unknown, or even every input's rank
    op = ts.get_op(op_type)
    for known in (lambda s: (None, *s[1:]) if s else s, lambda s: None):
        inferred = op.shape(*(known(np.shape(v)) for v in values), **op.parse_attrs(attrs))
        assert compatible(inferred, shape), (op_type, inferred, shape)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.type)
def test_every_op_has_its_exports_or_says_why_not(op) -> None:
    """An ONNX form and a JAX form (engine/ops/forms.py), or the reason it has none; a train
    step's optimizers a JAX step (engine/ops/jax_steps.py)."""
    if has_role(op, GRADIENT):
        return  # a derivative is jax.grad's work in a script, and no part of a model
    if has_role(op, TRAIN_STEP):
        rules = RULES if OPTIMIZER in op.attrs else {op.type: None}
        for name in rules:
            assert name in UPDATES and name in SLOTS, f"give the optimizer {name} a JAX step"
        return
    forms = forms_of(op)
    assert forms.all_onnx() or forms.no_onnx, (
        f"give {op.type} an ONNX form in engine/ops/forms.py, or say why it has none (no_onnx)")
    assert forms.jax or forms.no_jax, (
        f"give {op.type} a JAX form in engine/ops/forms.py, or say why it has none (no_jax)")
