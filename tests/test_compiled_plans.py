"""Compiled plans compute exactly what the interpreted plan computes: the same values,
gradients, trained variables and optimizer state, to the last bit, on every example, every
op's cases and every optimizer (decaying its rate, counting a global step); their code holds
no text from the file, says which node failed, and can be read."""

from pathlib import Path

import numpy as np
import pytest
from test_gradients import CASES, NOT_DIFFERENTIATED, _inputs

import engine as ts
import main
from engine import compiler
from engine.registry import not_differentiable

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"


def bits(value: object) -> tuple[str, tuple[int, ...], bytes]:
    array = np.asarray(value)
    return array.dtype.str, array.shape, array.tobytes()


def fused(session: ts.Session) -> bool:
    """Whether a compiled backward pass of the session's took a fused step (engine.fusion)."""
    return any(step.note == "fused from y" for memo in session._version_memo.values()
               for step in getattr(memo, "fused", ()))


def agree(compiled: list, interpreted: list) -> None:
    """The same dtypes, shapes and state keys, and values within 1e-12 of each array's
    largest magnitude."""
    assert len(compiled) == len(interpreted)
    for a, b in zip(compiled, interpreted, strict=True):
        if a == b:
            continue
        if isinstance(a[-1], tuple):  # (train node, state key, bits)
            assert a[:2] == b[:2]
            a, b = a[-1], b[-1]
        assert a[:2] == b[:2]  # dtype and shape
        x, y = (np.frombuffer(item[2], item[0]).reshape(item[1]) for item in (a, b))
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12 * np.max(np.abs(y)))


def trace(graph: ts.Graph, compiled: bool, runs: int = 4) -> tuple[list[object], bool]:
    """What a session shows over a few runs: every node's value (and each trained
    variable's gradient) run after run, with the train steps' updates in between; and
    whether a backward pass took a fused step."""
    trains = ts.train.train_nodes(graph)
    fetches = [n for n in graph.nodes if n not in trains]
    losses = [t.inputs[0] for t in trains]
    grads = [g for loss in losses for g in ts.gradients(
        loss, ts.train.trained_variables(next(t for t in trains if t.inputs[0] is loss), None))]
    session = ts.Session(graph, compiled=compiled)
    seen: list[object] = []
    for _ in range(runs):
        seen += [bits(v) for v in session.run([*fetches, *grads])]
        for train in trains:
            seen.append(bits(session.run([train, train.inputs[0]])[1]))
    seen += [bits(n.value) for n in graph.nodes if isinstance(n, ts.Variable)]
    seen += [(t.name, key, bits(v)) for t in trains for key, v in sorted(t.state.items())]
    return seen, fused(session)


FUSED = {"mlp.json", "perceptron.json"}
"""The examples whose loss is a cross-entropy of parts (engine.fusion rewrites its gradient)."""


@pytest.mark.parametrize("optimizer", [None, "momentum", "adam"])
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_compiled_runs_match_the_interpreted_plan_bit_for_bit(example, optimizer):
    """Bit for bit — except where a fused gradient changed the order of operations: there
    within 1e-12 (relative to each value's largest element)."""
    graphs = [ts.load_graph(EXAMPLES / example) for _ in range(2)]
    if optimizer is not None:
        for graph in graphs:
            for train in ts.train.train_nodes(graph):
                graph.set_attr(train, "optimizer", optimizer)
    (compiled, was_fused), (interpreted, _) = (trace(graphs[0], compiled=True),
                                               trace(graphs[1], compiled=False))
    assert was_fused == (example in FUSED)
    if was_fused:
        agree(compiled, interpreted)
    else:
        assert compiled == interpreted


def test_runs_after_the_first_use_the_compiled_code():
    graph = ts.load_graph(EXAMPLES / "mlp.json")
    session = ts.Session(graph)
    fetches = ["train", "J"]
    for _ in range(3):
        session.run(fetches)
        session.run("J")  # (a run without a train step: the plan's own code)
    code = session.plan_code(fetches)
    assert "def forward(v):" in code and "def backward(v):" in code and "def update(v):" in code
    plan = session._plans[(graph.get_node("J"),)]
    assert any(pending.code is not None for _, pending in plan.codes.values())
    assert session._roads[(list, *fetches)] is not None  # the train runs: the fast step's code


def test_node_names_never_enter_the_code():
    graph = ts.load_graph(EXAMPLES / "mlp.json")
    graph.rename("W_hidden", "import_os")
    graph.rename("J", "loss_J_total")
    session = ts.Session(graph)
    for _ in range(3):
        session.run(["train", "loss_J_total"])
    code, legend = session.plan_code(["train", "loss_J_total"]).split("\n# v0:")
    assert "import_os" not in code and "loss_J_total" not in code
    assert "import_os (variable)" in legend  # which slot holds it is said apart


def test_a_failing_compiled_step_names_its_node_as_the_interpreted_one_does():
    messages = []
    for compiled in (True, False):
        with ts.Graph().as_default() as g:
            x = ts.placeholder(name="x")
            w = ts.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
            y = ts.tanh(ts.matmul(w, x, name="product"), name="y")
        session = ts.Session(g, compiled=compiled)
        for value in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]):  # compiled from the second run
            session.run(y, {x: value})
        with pytest.raises(ts.EvaluationError) as error:
            session.run(y, {x: [1.0, 2.0, 3.0]})
        assert error.value.node == "product"
        messages.append(str(error.value))
    assert messages[0] == messages[1]



def test_sessions_of_alike_graphs_share_their_code_and_each_names_its_own_failing_node():
    """Code is generated from slot numbers only: a new session of the same graph (each training
    run's), or of a graph wired alike, reuses the code compiled before — yet a failure still
    names the failing node of its own graph."""
    functions, failed = [], []
    for name in ("product", "other_name"):
        with ts.Graph().as_default() as g:
            x = ts.placeholder(name="x")
            w = ts.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
            y = ts.tanh(ts.matmul(w, x, name=name), name="y")
        session = ts.Session(g)
        for value in ([1.0, 2.0], [3.0, 4.0]):  # compiled from the second run
            np.testing.assert_allclose(session.run(y, {x: value}),
                                       np.tanh(np.array([[1, 2], [3, 4]]) @ value))
        (_, pending), = session._plan((y,)).codes.values()
        assert pending.code is not None
        functions.append(pending.code.function)
        with pytest.raises(ts.EvaluationError) as error:
            session.run(y, {x: [1.0, 2.0, 3.0]})
        failed.append(error.value.node)
    assert functions[0] is not functions[1] and functions[0].__code__ is functions[1].__code__
    assert failed == ["product", "other_name"]

def test_show_plan_prints_the_code_from_the_command_line(capsys):
    assert main.main(["run", str(EXAMPLES / "perceptron.json"), "--fetch", "train",
                      "--show-plan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("train = ")
    assert "def forward(v):" in out and "def backward(v):" in out and "def update(v):" in out
    # an op's attributes are passed by name (the registry's), their values bound by index
    assert "f0(v1, v2, transpose_a=f0_transpose_a, transpose_b=f0_transpose_b)  # matmul" in out
    assert "# v2: W (variable)" in out


def test_a_big_plan_is_compiled_only_once_it_has_run_often_enough_to_pay_back():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[2], name="x")
        node = x
        for _ in range(compiler.QUICK + 1):
            node = ts.negative(node)
    session = ts.Session(g)
    plan_runs = []
    for i in range(compiler.PAYBACK):
        value = session.run(node, {x: [float(i), 1.0]})
        assert value.tolist() == [-float(i), -1.0]
        plan = next(iter(session._plans.values()))
        plan_runs.append(any(pending.code is not None for _, pending in plan.codes.values()))
    assert plan_runs.index(True) == compiler.PAYBACK - 1  # compiled by the 100th run, not before


def op_case_trace(op_type: str, shapes, attrs, compiled: bool) -> list[object]:
    """An op's case run four times on new inputs: its value and, for an op with a gradient,
    the gradients of a weighted sum of it; for a ``not_differentiable`` one, of a sum that
    reaches the inputs beside it too (the op's edges skipped)."""
    rng = np.random.default_rng(7)
    values = _inputs(op_type, shapes, attrs, rng)
    with ts.Graph().as_default() as g:
        xs = [ts.Variable(v, name=f"x{i}") for i, v in enumerate(values)]
        out = ts.Operation(op_type, xs, attrs=attrs)
        floats = [x for x, v in zip(xs, values, strict=True) if v.dtype.kind == "f"]
        weights = ts.constant(rng.normal(size=g.shape_of(out)))
        if op_type not in NOT_DIFFERENTIATED:
            y = ts.reduce_sum(out * weights)
        else:
            y = ts.reduce_sum(ts.cast(out, "float64") * weights)
            rules = ts.get_op(op_type).gradient
            if rules is None or not all(rule is not_differentiable for rule in rules):
                floats = []  # no gradient rule at all: its values only
            for x in floats:
                y = y + ts.reduce_sum(ts.square(x))
        grads = ts.gradients(y, floats) if floats else []
    session = ts.Session(g, compiled=compiled)
    seen: list[object] = []
    for run in range(4):  # compiled from the second run (the backward pass from the third)
        for x, value in zip(xs, _inputs(op_type, shapes, attrs, np.random.default_rng(run)),
                            strict=True):
            x.value = value
        seen += [bits(v) for v in session.run([out, y, *grads])]
    return seen


@pytest.mark.parametrize("op_type,shapes,attrs", [
    (op_type, shapes, attrs) for op_type, cases in CASES.items() for shapes, attrs in cases])
def test_every_op_case_computes_and_differentiates_alike_compiled(op_type, shapes, attrs):
    assert op_case_trace(op_type, shapes, attrs, compiled=True) == op_case_trace(
        op_type, shapes, attrs, compiled=False)


def optimizer_trace(optimizer: str, decay: bool, global_step: bool, compiled: bool
                    ) -> tuple[list[object], ts.Session]:
    """Six steps of a small network with dropout, trained by ``optimizer``: the losses, the
    variables, the global step and the train node's state after each step."""
    rng = np.random.default_rng(3)
    with ts.Graph().as_default() as g:
        x = ts.constant(rng.normal(size=(5, 3)), name="x")
        w = ts.Variable(rng.normal(size=(3, 2)), name="w")
        b = ts.Variable(np.zeros(2), name="b")
        hidden = ts.dropout(ts.tanh(ts.matmul(x, w) + b), 0.75)
        loss = ts.reduce_mean(ts.square(hidden - rng.normal(size=(5, 2))), name="loss")
        step = ts.train.create_global_step()
    attrs: dict[str, object] = {"optimizer": optimizer}
    if decay:
        attrs.update(decay_rate=0.5, decay_steps=2.0, staircase=optimizer == "momentum")
    if global_step:
        attrs["global_step"] = step.name
    train = ts.train.add_train_node(g, loss, attrs)
    session = ts.Session(g, compiled=compiled)
    seen: list[object] = []
    for _ in range(6):
        seen.append(bits(session.run(train)))
        seen += [bits(v.value) for v in (w, b, step)]
        seen += [(key, bits(value)) for key, value in sorted(train.state.items())]
    return seen, session


@pytest.mark.parametrize("global_step", [False, True])
@pytest.mark.parametrize("decay", [False, True])
@pytest.mark.parametrize("optimizer", list(ts.train.optimizers()))
def test_every_optimizer_steps_alike_compiled(optimizer, decay, global_step):
    compiled, session = optimizer_trace(optimizer, decay, global_step, compiled=True)
    interpreted, _ = optimizer_trace(optimizer, decay, global_step, compiled=False)
    assert compiled == interpreted
    assert any(getattr(memo, "compiled", None) is not None and memo.compiled.code is not None
               and memo.compiled.code.function.__name__ == "update"
               for memo in session._version_memo.values())
    assert compiled[3] == bits(np.int64(1 if global_step else 0))  # the step after the first


def test_no_gradient_flowing_is_refused_alike_compiled():
    messages = []
    for compiled in (True, False):
        with ts.Graph().as_default() as g:
            w = ts.Variable([1.0, -2.0], name="w")
            loss = ts.reduce_sum(ts.cast(ts.greater(w, 0.0), "float64"), name="loss")
        ts.train.add_train_node(g, loss)
        with pytest.raises(ts.EngineError) as error:
            ts.Session(g, compiled=compiled).run("train")
        messages.append(str(error.value))
    assert messages[0] == messages[1] and "no gradient flows" in messages[0]
