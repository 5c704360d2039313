"""The scripts a graph exports, run: the Python script writes a graph file equal to the original;
the JAX script trains as the engine does (float64, 20 steps, rtol 1e-6)."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import jax  # imported once for the module: the scripts find it loaded
import numpy as np
import pytest

import engine as ts
from engine.export import ExportError
from engine.export.jax_script import write_jax_script
from engine.export.python_script import write_python_script
from engine.io import dumps, graph_to_dict

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "resources" / "examples").glob("*.json"))


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
    assert (tmp_path / "again.json").read_text() == dumps(graph_to_dict(graph))


def test_the_python_script_keeps_odd_names_back_wires_open_ports_and_optimizer_state(tmp_path):
    graph = ts.load_graph(EXAMPLES[2])  # perceptron
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


@pytest.mark.parametrize(("example", "optimizer", "before"), [
    ("perceptron", "momentum", 0), ("mlp", "adam", 3)],
    ids=["perceptron-momentum", "mlp-adam-continued"])  # gradient descent: the next test
def test_the_jax_script_trains_as_the_engine_does(example, optimizer, before, tmp_path):
    graph = ts.load_graph(EXAMPLES[[p.stem for p in EXAMPLES].index(example)])
    graph.set_attr("train", "optimizer", optimizer)
    engine_trajectory(graph, before)  # a script continues from the saved optimizer state
    write_jax_script(graph, tmp_path / f"{example}_jax.py")
    out = tmp_path / "params.npz"
    script = run_script(tmp_path / f"{example}_jax.py", "--steps", "20", "--out", str(out))
    assert jax.config.jax_enable_x64
    losses = script["losses"]
    with np.load(out) as saved:
        params = dict(saved)
    want_losses, want_values = engine_trajectory(graph, 20)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-6)
    assert set(params) == {n for n in want_values}
    for name, value in params.items():
        assert value.dtype == np.float64
        np.testing.assert_allclose(value, want_values[name], rtol=1e-6, atol=1e-12)


def test_the_jax_script_spreads_the_data_over_several_devices(tmp_path):
    graph = ts.load_graph(EXAMPLES[1])  # mlp, gradient descent: 100 points, split in two
    write_jax_script(graph, tmp_path / "mlp_jax.py")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
           "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, str(tmp_path / "mlp_jax.py"), "--steps", "20",
                           "--out", str(tmp_path / "p.npz")], env=env, capture_output=True,
                          text=True, check=True)
    assert "CpuDevice(id=1)" in done.stdout
    _, want = engine_trajectory(graph, 20)
    with np.load(tmp_path / "p.npz") as saved:
        for name, value in saved.items():
            np.testing.assert_allclose(value, want[name], rtol=1e-6, atol=1e-12)


def test_the_jax_script_names_what_it_cannot_write():
    graph = ts.load_graph(EXAMPLES[1])  # mlp
    graph.set_value("c", None)
    with pytest.raises(ExportError, match=r"c \(placeholder\): the placeholder has no default"):
        write_jax_script(graph, "unused.py")
    with ts.Graph().as_default() as g:
        x = ts.Variable([1.0, 2.0], name="x")
        ts.train.GradientDescentOptimizer(0.1).minimize(ts.reduce_sum(ts.square(x)))
        ts.train.GradientDescentOptimizer(0.1).minimize(ts.reduce_sum(x), name="other")
    with pytest.raises(ExportError, match="choose one .train nodes: train, other"):
        write_jax_script(g, "unused.py")
