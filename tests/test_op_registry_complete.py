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
