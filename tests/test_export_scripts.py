"""The scripts a graph exports, run: the Python script writes a graph file equal to the original;
the JAX script trains as the engine does (float64, 20 steps, rtol 1e-6), its data split over
two CPU devices — on a bound data set by epochs of mini-batches as ``fit_data`` does, the data
beside the script; each op's jax.numpy form computes and differentiates as the engine does."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import jax  # imported once for the module: the scripts find it loaded
import numpy as np
import pytest
from jax.sharding import PartitionSpec
from test_gradients import CASES, _inputs
from training_helpers import registered_loss_and_optimizer

import engine as ts
import main
from engine.data.binding import bound_to, to_file
from engine.data.command import epoch_line
from engine.export import ExportError, Identifiers
from engine.export.jax_script import expression, write_jax_script
from engine.export.python_script import write_python_script
from engine.io import dumps, graph_to_dict
from engine.ops.forms import FORMS

jax.config.update("jax_enable_x64", True)  # as the scripts do
jax.config.update("jax_num_cpu_devices", 2)  # (before JAX starts) the scripts split their data
EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "resources" / "examples"
EXAMPLES = sorted(EXAMPLE_DIR.glob("*.json"))


def run_script(path: Path, *argv: str) -> dict:
    """Run ``path`` as ``python path argv…`` does, in this process."""
    saved = sys.argv
    sys.argv = [str(path), *argv]
    try:
        return runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved


# ---- the Python script -------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_python_script_of_each_example_writes_the_same_file(path, tmp_path):
    graph = ts.load_graph(path)
    write_python_script(graph, tmp_path / "rebuild.py")
    run_script(tmp_path / "rebuild.py", str(tmp_path / "again.json"))
    # (a data set is named relative to the file, its rows left to the set's own file)
    assert (tmp_path / "again.json").read_text() == dumps(to_file(graph_to_dict(graph), tmp_path))


def test_the_python_script_keeps_odd_names_back_wires_open_ports_and_optimizer_state(tmp_path):
    graph = ts.load_graph(EXAMPLE_DIR / "perceptron.json")
    graph.set_attr("train", "optimizer", "adam")
    session = ts.Session(graph)
    for _ in range(3):
        session.run("train")
    graph.rename("W", "class")  # a Python keyword
    graph.rename("b", "layer-1/b.bias")
    late = graph.add_node("exp", [], name="late")
    graph.connect(late, "log", 0)  # wired into a node made before it
    graph.add_node("multiply", [late], name="half_wired")
    graph.add_node("placeholder", name="no_default", attrs={"shape": None, "dtype": None})
    write_python_script(graph, tmp_path / "odd.py")
    run_script(tmp_path / "odd.py", str(tmp_path / "odd.json"))
    assert (tmp_path / "odd.json").read_text() == dumps(graph_to_dict(graph))


# ---- the JAX script ----------------------------------------------------------------------------


def engine_trajectory(graph: ts.Graph, steps: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    session = ts.Session(graph)
    losses = np.array([session.run("train") for _ in range(steps)])
    return losses, {n.name: n.value for n in graph.nodes if isinstance(n, ts.Variable)}


def _optimizer(name: str):
    def choose(graph: ts.Graph) -> None:
        graph.set_attr("train", "optimizer", name)

    return choose


def _nesterov_in_stairs(graph: ts.Graph) -> None:
    for attr, value in (("optimizer", "nesterov"), ("decay_rate", 0.5), ("decay_steps", 3.0),
                        ("staircase", True)):
        graph.set_attr("train", attr, value)


def _rmsprop_by_global_step(graph: ts.Graph) -> None:
    graph.remove_node("train")
    with graph.as_default():
        step = ts.train.create_global_step()
        rate = ts.train.exponential_decay(0.05, step, 4.0, 0.7)
        ts.train.RMSPropOptimizer(rate, momentum=0.5).minimize(graph.get_node("J"), step,
                                                               name="train")


def _adagrad(graph: ts.Graph) -> None:
    graph.remove_node("train")
    with graph.as_default():
        ts.train.AdagradOptimizer(0.1).minimize(graph.get_node("J"), name="train")


@pytest.mark.parametrize(("example", "make", "before"), [
    ("perceptron", _optimizer("gradient_descent"), 0), ("perceptron", _optimizer("momentum"), 0),
    ("mlp", _optimizer("adam"), 3), ("perceptron", _nesterov_in_stairs, 0),
    ("perceptron", _rmsprop_by_global_step, 2), ("mlp", _adagrad, 0)],
    ids=["perceptron-gradient_descent", "perceptron-momentum", "mlp-adam-continued",
         "perceptron-nesterov-staircase-decay", "perceptron-rmsprop-decay-by-global-step",
         "mlp-adagrad"])
def test_the_jax_script_trains_as_the_engine_does(example, make, before, tmp_path):
    graph = ts.load_graph(EXAMPLE_DIR / f"{example}.json")
    make(graph)
    engine_trajectory(graph, before)  # a script continues from the saved optimizer state
    write_jax_script(graph, tmp_path / f"{example}_jax.py")
    out = tmp_path / "params.npz"
    script = run_script(tmp_path / f"{example}_jax.py", "--steps", "20", "--out", str(out))
    losses = script["losses"]
    spread = script["spread"](script["load_data"]())  # over the two devices, 100 rows each
    assert len(jax.devices()) == 2 and spread["X"].sharding.spec == PartitionSpec("batch")
    with np.load(out) as saved:
        params = dict(saved)
    want_losses, want_values = engine_trajectory(graph, 20)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-6)
    assert set(params) == {n for n in want_values}
    for name, value in params.items():
        assert value.dtype == want_values[name].dtype
        np.testing.assert_allclose(value, want_values[name], rtol=1e-6, atol=1e-12)


def test_the_jax_script_names_what_it_cannot_write():
    graph = ts.load_graph(EXAMPLE_DIR / "mlp.json")
    graph.set_value("c", None)
    with pytest.raises(ExportError, match=r"c \(placeholder\): the placeholder has no default"):
        write_jax_script(graph, "unused.py")
    with ts.Graph().as_default() as g:
        x = ts.Variable([1.0, 2.0], name="x")
        ts.train.GradientDescentOptimizer(0.1).minimize(ts.reduce_sum(ts.square(x)))
        ts.train.GradientDescentOptimizer(0.1).minimize(ts.reduce_sum(x), name="other")
    with pytest.raises(ExportError, match="choose one .train nodes: train, other"):
        write_jax_script(g, "unused.py")
    with registered_loss_and_optimizer(), ts.Graph().as_default() as h:
        loss = ts.reduce_sum(ts.square(ts.Variable([1.0, 2.0], name="w")), name="loss")
        ts.train.add_train_node(h, loss, {"optimizer": "test_signum"}, name="signum")
        with pytest.raises(ExportError, match="signum .test_signum.: the optimizer test_signum "
                                              "has no JAX form"):
            write_jax_script(h, "unused.py")
        mae = h.add_node("test_mae", [loss, loss], name="mae")
        ts.train.GradientDescentOptimizer(0.1).minimize(mae, name="descent")
        with pytest.raises(ExportError, match=r"mae \(test_mae\): test_mae has no JAX form"):
            write_jax_script(h, "unused.py", "descent")
    with ts.Graph().as_default() as k:
        step = ts.train.create_global_step()
        w = ts.Variable([1.0, 2.0], name="w")
        loss = ts.reduce_sum(ts.square(w) * ts.cast(step, "float64"), name="loss")
        ts.train.GradientDescentOptimizer(0.1).minimize(loss, step, name="descent")
        dropped = k.add_node("dropout", [w, ts.constant(0.5)], name="dropout")
        ts.train.GradientDescentOptimizer(0.1).minimize(ts.reduce_sum(dropped), name="dropped")
    with pytest.raises(ExportError, match="descent .minimize.: the loss reads the global step "
                                          "global_step, which the JAX script does not follow"):
        write_jax_script(k, "unused.py", "descent")
    with pytest.raises(ExportError, match="dropout: dropout has no JAX form .its random mask"):
        write_jax_script(k, "unused.py", "dropped")


# ---- the JAX script on a bound data set --------------------------------------------------------


def engine_epochs(graph: ts.Graph, schedule: ts.data.Schedule, steps: int | None = None):
    """What ``fit_data`` does on the graph's bound data: the loss of each step, each epoch's
    measures, the variables after (at most ``steps`` steps)."""
    data, bindings = bound_to(graph.get_node("J"))
    losses: list[float] = []
    result = ts.data.fit_data(graph, "train", data, bindings, schedule,
                              on_step=lambda _, loss: losses.append(loss),
                              should_stop=lambda: steps is not None and len(losses) == steps)
    return np.array(losses), result.epochs, {n.name: n.value for n in graph.nodes
                                             if isinstance(n, ts.Variable)}


def assert_same_values(path: Path, wanted: dict[str, np.ndarray]) -> None:
    with np.load(path) as saved:
        params = dict(saved)
    assert set(params) == set(wanted)
    for name, value in params.items():
        np.testing.assert_allclose(value, wanted[name], rtol=1e-6, atol=1e-12, err_msg=name)


def test_the_jax_script_trains_on_the_bound_data_set_as_fit_data_does(tmp_path, capsys):
    """digits: one epoch in batches of 100 (the last one of 37 rows, which two devices do
    not divide); the script is written by the command line, with its data beside it."""
    digits = EXAMPLE_DIR / "digits.json"
    assert main.main(["export", str(digits), "--jax", str(tmp_path / "digits_jax.py")]) == 0
    assert capsys.readouterr().out == (f"wrote {tmp_path / 'digits_jax.py'} and "
                                       f"{tmp_path / 'digits_jax.npz'}\n")
    script = run_script(tmp_path / "digits_jax.py", "--epochs", "1", "--batch-size", "100",
                        "--out", str(tmp_path / "params.npz"))
    printed = capsys.readouterr().out.splitlines()
    assert len(jax.devices()) == 2  # batches of 100 split among them, the rest copied to each
    graph = ts.load_graph(digits)
    losses, epochs, values = engine_epochs(graph, ts.data.Schedule(epochs=1, batch_size=100))
    assert len(losses) == 15  # 1437 training rows: 14 batches of 100 and one of 37
    np.testing.assert_allclose(np.sum(script["losses"].reshape(15, -1), axis=1), losses,
                               rtol=1e-6)
    assert_same_values(tmp_path / "params.npz", values)
    (epoch,) = epochs
    assert epoch.accuracy is not None and epoch.validation_loss is not None
    np.testing.assert_allclose(script["measured"], [[epoch.loss, epoch.validation_loss,
                                                     epoch.accuracy, epoch.validation_accuracy]],
                               rtol=1e-6)
    assert printed[:2] == ["1797 rows; 1 epoch, batch size 100, validation split 0.2, seed 0",
                           epoch_line(epoch, 1, "J")]


def test_the_jax_script_s_first_steps_follow_the_train_node_s_kept_settings(tmp_path):
    """spiral keeps batch size 16 and 100 epochs: the first 20 steps as the engine's."""
    graph = ts.load_graph(EXAMPLE_DIR / "spiral.json")
    write_jax_script(graph, tmp_path / "spiral_jax.py")
    script = run_script(tmp_path / "spiral_jax.py", "--steps", "20",
                        "--out", str(tmp_path / "params.npz"))
    assert (script["EPOCHS"], script["BATCH_SIZE"]) == (100, 16)
    losses, _, values = engine_epochs(graph, ts.data.Schedule(epochs=100, batch_size=16), 20)
    np.testing.assert_allclose(np.sum(script["losses"].reshape(20, -1), axis=1), losses,
                               rtol=1e-6)
    assert_same_values(tmp_path / "params.npz", values)


def test_the_data_set_goes_beside_the_script_and_a_missing_one_is_named(tmp_path, capsys):
    graph = ts.load_graph(EXAMPLE_DIR / "digits.json")
    written = write_jax_script(graph, tmp_path / "digits_jax.py")
    assert written == [tmp_path / "digits_jax.py", tmp_path / "digits_jax.npz"]
    text = (tmp_path / "digits_jax.py").read_text()
    assert "DATA = {}\n" in text  # the rows are not in the script: it stays small
    assert len(text) < (tmp_path / "digits_jax.npz").stat().st_size / 10
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "digits_jax.npz").rename(elsewhere / "rows.npz")
    with pytest.raises(SystemExit) as exit:
        run_script(tmp_path / "digits_jax.py", "--steps", "0")
    assert exit.value.code == 2
    assert (f"error: the data file {tmp_path / 'digits_jax.npz'} is missing: the export writes "
            "it beside the script; give another with --data PATH.npz") in capsys.readouterr().err
    out = tmp_path / "params.npz"
    run_script(tmp_path / "digits_jax.py", "--steps", "0", "--data",
               str(elsewhere / "rows.npz"), "--out", str(out))
    assert capsys.readouterr().out.startswith("1797 rows; 10 epochs, batch size 32")
    assert_same_values(out, {n.name: n.value for n in graph.nodes if isinstance(n, ts.Variable)})


def test_a_bound_data_set_without_its_file_or_with_bad_settings_is_named(tmp_path):
    copy = tmp_path / "digits.json"  # its data set's file is not beside the copy
    copy.write_text((EXAMPLE_DIR / "digits.json").read_text())
    with pytest.raises(ExportError, match=r"train \(minimize\): placeholder 'X' is bound to "
                                          r"digits.npz \(features\), which is missing"):
        write_jax_script(ts.load_graph(copy), tmp_path / "digits_jax.py")
    graph = ts.load_graph(EXAMPLE_DIR / "digits.json")
    graph.get_node("train").ui["training"]["batch_size"] = "many"
    with pytest.raises(ExportError, match=r"train's ui.training.batch_size: 'many' is not a "
                                          "whole number"):
        write_jax_script(graph, tmp_path / "digits_jax.py")
    assert not list(tmp_path.glob("digits_jax*"))


JAX_OPS = [t for t, forms in FORMS.items() if forms.jax is not None]
JAX_CASES = [(t, *case) for t in JAX_OPS for case in CASES[t]]
"""Every case of each op in tests/test_gradients.py."""


QUICK = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
"""XLA's options for a program run once: unoptimised."""
NO_FUSION_EMITTERS = {"xla_cpu_use_fusion_emitters": False}
"""An XLA option that makes the compile a third as long; an older XLA does not have it."""


def _compiled_quickly(lowered):
    try:
        return lowered.compile({**QUICK, **NO_FUSION_EMITTERS})
    except RuntimeError:  # "No such compile option" (a real error comes again below)
        return lowered.compile(QUICK)


def test_every_op_s_jax_form_computes_and_differentiates_as_the_engine():
    """Each case's value and its gradients (of the sum, for its float inputs if its value is
    float) by jax.grad, against the engine's: all cases in one jit-compiled function
    (compiling each alone would take long)."""
    codes, values, wanted, floats = [], [], [], []
    for k, (op_type, shapes, attrs) in enumerate(JAX_CASES):
        inputs = [np.asarray(v) for v in _inputs(op_type, shapes, attrs,
                                                  np.random.default_rng(k))]
        with ts.Graph().as_default() as graph:
            nodes = [ts.Variable(v, name=f"in{i}") for i, v in enumerate(inputs)]
            out = graph.add_node(op_type, nodes, name="out", attrs=attrs)
        value = ts.Session(graph).run(out)
        differentiated = [i for i, v in enumerate(inputs) if v.dtype.kind == "f"
                          ] if np.asarray(value).dtype.kind == "f" else []
        with graph.as_default():
            grads = ts.gradients(out, [nodes[i] for i in differentiated])
        wanted.append([value, *ts.Session(graph).run(grads)])
        codes.append(compile(expression(out, Identifiers()), op_type, "eval"))
        values.append(inputs)
        floats.append(differentiated)

    def case(k, arrays):
        return eval(codes[k], {"jax": jax, "jnp": jax.numpy},  # noqa: S307 (our templates)
                    {f"in{i}": a for i, a in enumerate(arrays)})

    def gradients(k, arrays):
        def total(chosen):
            given = dict(zip(floats[k], chosen, strict=True))
            return jax.numpy.sum(case(k, [given.get(i, a) for i, a in enumerate(arrays)]))

        return jax.grad(total)([arrays[i] for i in floats[k]]) if floats[k] else []

    def everything(all_values):
        return [(case(k, arrays), gradients(k, arrays)) for k, arrays in enumerate(all_values)]

    results = _compiled_quickly(jax.jit(everything).lower(values))(values)
    for (op_type, shapes, attrs), (value, grads), want in zip(
            JAX_CASES, results, wanted, strict=True):
        where = f"{op_type} {shapes} {attrs}"
        assert np.asarray(value).dtype == np.asarray(want[0]).dtype, where
        np.testing.assert_allclose(value, want[0], rtol=1e-12, atol=1e-12, err_msg=where)
        for i, (got, expected) in enumerate(zip(grads, want[1:], strict=True)):
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{where}: d/d input {i}")
