"""Generated code: one function per plan part, its lines naming its steps, its optimizer step
the same template for every graph training as many variables — and freed as soon as it is
dropped (a session per training run makes three: none waits for a garbage collection)."""

from __future__ import annotations

import operator
import weakref

import numpy as np

from engine import compiler


def test_a_compiled_function_is_freed_without_a_collection() -> None:
    code = compiler.forward([(1, operator.neg, 0, compiler.UNARY)], [None])
    values: list = [np.ones(2), None]
    code.function(values)
    assert values[1].tolist() == [-1.0, -1.0]
    dropped = weakref.ref(code.function)
    del code  # (tests run with automatic collection off: only reference counts free it)
    assert dropped() is None


def test_an_optimizer_step_has_one_code_for_as_many_variables() -> None:
    class Var:
        def __init__(self, value: np.ndarray) -> None:
            self._value = value

    def sgd(value, grad, slots, step, *, learning_rate):  # noqa: ANN001, ANN202
        return value - learning_rate * grad, ()

    def refuse(i: int) -> None:
        raise AssertionError(i)

    made = [compiler.update([Var(np.full(2, float(k))), Var(np.ones(1))], [(), ()], sgd,
                            ["learning_rate"], refuse, lambda s, w: s, lambda g, w: g, int)
            for k in (1, 2)]
    assert made[0].source == made[1].source
    pairs, state = made[1].function(([np.ones(2), np.ones(1)], {}, 1, (0.5,)))
    assert [value.tolist() for _, value in pairs] == [[1.5, 1.5], [0.5]]
    assert state == {"step": 1}
    assert made[0].step_of_line[made[0].source.splitlines().index(
        '    if d1.kind not in "fc": refuse(1)') + 1] == 1
