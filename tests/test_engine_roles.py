"""Ops are recognised by their roles and operators in the registry, never by their names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine as ts
from engine import registry
from engine.registry import (
    BINARY_LOGITS_LOSS,
    GRADIENT,
    LOGITS_LOSS,
    LOSS,
    PROBABILITIES,
    TRAIN_STEP,
    OpDef,
    has_role,
    op_for_operator,
    ops_with_role,
)

ROOT = Path(__file__).resolve().parents[1]


def types(role: str) -> list[str]:
    return [opdef.type for opdef in ops_with_role(role)]


def test_the_built_in_ops_have_their_roles() -> None:
    assert types(LOSS) == ["softmax_cross_entropy", "mean_squared_error",
                           "sigmoid_cross_entropy_with_logits",
                           "softmax_cross_entropy_with_logits",
                           "sparse_softmax_cross_entropy_with_logits",
                           "weighted_mean_squared_error"]
    assert types(LOGITS_LOSS) == ["softmax_cross_entropy", "softmax_cross_entropy_with_logits",
                                  "sparse_softmax_cross_entropy_with_logits"]
    assert types(BINARY_LOGITS_LOSS) == ["sigmoid_cross_entropy_with_logits"]
    assert types(PROBABILITIES) == ["sigmoid", "softmax"]
    assert types(TRAIN_STEP) == ["minimize", "rmsprop", "adagrad"]
    assert types(GRADIENT) == ["gradient"]
    assert ts.get_op("softmax_cross_entropy").inputs == ("labels", "logits")  # LOGITS_LOSS's
    with ts.Graph().as_default():
        x = ts.placeholder(name="x")
        assert has_role(ts.softmax(x), PROBABILITIES) and not has_role(x, PROBABILITIES)
        assert has_role(ts.get_op("minimize"), TRAIN_STEP)


@pytest.mark.parametrize("build,operator,op_type", [
    (lambda a, b: a + b, "+", "add"), (lambda a, b: 1.0 + b, "+", "add"),
    (lambda a, b: a - b, "-", "subtract"), (lambda a, b: 2.0 - b, "-", "subtract"),
    (lambda a, b: a * b, "*", "multiply"), (lambda a, b: 2.0 * b, "*", "multiply"),
    (lambda a, b: a / b, "/", "divide"), (lambda a, b: 1.0 / b, "/", "divide"),
    (lambda a, b: a @ b, "@", "matmul"), (lambda a, b: [[1.0, 0.0]] @ b, "@", "matmul"),
    (lambda a, b: -a, "neg", "negative"),
])
def test_python_operators_build_the_op_the_registry_names(build, operator, op_type) -> None:
    with ts.Graph().as_default():
        a = ts.Variable([[1.0, 2.0], [3.0, 4.0]], name="a")
        b = ts.Variable([[2.0, 1.0], [1.0, 2.0]], name="b")
        node = build(a, b)
    assert op_for_operator(operator) is ts.get_op(op_type) is node.op


def test_registering_checks_roles_and_operators() -> None:
    with pytest.raises(ValueError, match="unknown role classifier"):
        registry.register(OpDef("test_bad", ("x",), np.abs, None, "Test", "",
                                roles=frozenset({"classifier"})))
    with pytest.raises(ValueError, match="operator \\+ is already add's"):
        registry.register(OpDef("test_plus", ("x", "y"), np.add, None, "Test", "", operator="+"))
    assert not registry.has_op("test_bad") and not registry.has_op("test_plus")
    registry.register(OpDef("test_mod", ("x", "y"), np.mod, None, "Test", "", operator="%"))
    try:
        assert op_for_operator("%").type == "test_mod"
    finally:
        registry.unregister("test_mod")
    with pytest.raises(KeyError, match="no op type for the operator %"):
        op_for_operator("%")


@pytest.mark.parametrize("optimizer,in_use", [
    ("gradient_descent", ("optimizer", "learning_rate", "decay_rate", "var_list",
                          "global_step")),
    ("momentum", ("optimizer", "learning_rate", "momentum", "decay_rate", "var_list",
                  "global_step")),
    ("adam", ("optimizer", "learning_rate", "beta1", "beta2", "epsilon", "decay_rate",
              "var_list", "global_step")),
])
def test_a_train_step_says_which_attributes_are_in_use(optimizer, in_use) -> None:
    minimize = ts.get_op("minimize")
    assert minimize.active_attrs(minimize.parse_attrs({"optimizer": optimizer})) == in_use
    assert ts.get_op("add").active_attrs({}) == ()


def test_train_nodes_are_found_by_role() -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable([1.0], name="w")
        loss = ts.reduce_sum(ts.square(w), name="loss")
        first = ts.train.add_train_node(g, loss, {"learning_rate": 0.5})
        second = ts.train.AdamOptimizer().minimize(loss, name="adam")
    assert ts.train.train_nodes(g) == [first, second]
    assert (first.name, first.attrs["optimizer"], first.attrs["learning_rate"]) == (
        "train", "gradient_descent", 0.5)
    assert ts.train.train_node_for(g, "adam") == (second, loss)
    with pytest.raises(ts.EngineError, match="several train nodes minimize it"):
        ts.train.train_node_for(g, "loss")
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'"):
        ts.train.add_train_node(g, loss, {"optimizer": "sgd"})
    assert list(ts.train.optimizers()) == ["gradient_descent", "momentum", "adam", "nesterov",
                                           "rmsprop", "adagrad"]


def test_gradient_nodes_are_made_by_role() -> None:
    with ts.Graph().as_default():
        w = ts.Variable([1.0, 2.0], name="w")
        (dw,) = ts.gradients(ts.reduce_sum(ts.square(w), name="J"), [w])
    assert has_role(dw, GRADIENT) and dw.name == "dJ_dw"
    assert ts.Session(dw.graph).run(dw).tolist() == [2.0, 4.0]


def test_no_code_names_an_op_type_outside_the_op_definitions() -> None:
    done = subprocess.run([sys.executable, "tools/check_op_literals.py", "engine", "editor",
                           "main.py"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "")


def test_the_literal_check_names_files_and_lines(tmp_path) -> None:
    source = tmp_path / "tool.py"
    source.write_text('"""add"""\n\n'  # a docstring may say anything
                      'KIND = "placeholder"  # a node kind, not an operation\n'
                      'if node.type == "matmul":\n'
                      '    make(f"{x}", "add")\n'
                      '    """add"""\n')
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "check_op_literals.py"),
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [f"{source}:4: 'matmul'", f"{source}:5: 'add'"]
