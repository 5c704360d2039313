"""ONNX out: every model is run by ONNX Runtime and its values compared with the engine's — the
examples, one graph per exportable op, random graphs — in float64 and float32."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from test_gradients import CASES, _inputs

import engine as ts
import main
from engine.errors import ShapeError
from engine.export import ExportError, MissingPackage
from engine.export.onnx_in import from_onnx
from engine.export.onnx_out import OPSET, to_onnx
from engine.ops.forms import FORMS

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "resources" / "examples"
EXAMPLES = sorted(EXAMPLE_DIR.glob("*.json"))
EXPORTABLE = [t for t, forms in FORMS.items() if forms.onnx is not None]


def run_onnx(model, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    return session.run(None, {k: v for k, v in feeds.items() if k in names})


def _single(value: np.ndarray) -> np.ndarray:
    return value.astype(np.float32) if value.dtype.kind == "f" else value


def check(graph: ts.Graph, outputs: list[str], feeds: dict[str, np.ndarray],
          want: list | None = None, double: bool = True) -> None:
    """ONNX Runtime's values for the model of ``outputs`` equal the engine's (or ``want``): to
    1e-12 in float64 (unless not ``double``: ONNX Runtime cannot), to float32's precision in
    float32 (float values; others exactly)."""
    want = ts.Session(graph).run(outputs, feeds) if want is None else want
    if double:
        got = run_onnx(to_onnx(graph, outputs), feeds)
        for name, a, b in zip(outputs, got, want, strict=True):
            assert a.dtype == np.asarray(b).dtype, name
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True,
                                       err_msg=name)
    single = run_onnx(to_onnx(graph, outputs, float_type="float32"),
                      {k: _single(v) for k, v in feeds.items()})
    for name, a, b in zip(outputs, single, want, strict=True):
        assert a.dtype == _single(np.asarray(b)).dtype, name
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-4, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_examples_run_in_onnx_runtime_as_in_the_engine(path):
    graph = ts.load_graph(path)
    feeds = {n.name: n.value for n in graph.nodes if isinstance(n, ts.Placeholder)}
    model = to_onnx(graph)  # default outputs: what nothing but training reads
    outputs = [o.name for o in model.graph.output]
    assert outputs == (["z"] if path.stem == "affine" else ["J"])
    check(graph, outputs, feeds)
    check(graph, [n.name for n in graph.nodes
                  if not n.op.is_source and n.type in EXPORTABLE], feeds)


def test_a_model_keeps_names_opset_initializers_and_symbolic_batch_sizes():
    graph = ts.load_graph(EXAMPLE_DIR / "mlp.json")
    model = to_onnx(graph)
    assert {(o.domain, o.version) for o in model.opset_import} >= {("", OPSET)}
    assert OPSET >= 17
    assert [i.name for i in model.graph.input] == ["X", "c"]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "X_batch" and dims[1].dim_value == 2
    kinds = {t.name: t.doc_string for t in model.graph.initializer}
    assert kinds["W_hidden"] == "variable"
    assert [n.name for n in model.graph.node][:3] == ["matmul", "add", "p_hidden"]
    assert all(n.output == [n.name] for n in model.graph.node)
    batch = run_onnx(to_onnx(graph, ["p_output"]), {"X": np.ones((7, 2))})
    assert batch[0].shape == (7, 2)  # another batch size than the default's 100


# ---- every exportable op ---------------------------------------------------------------------

EXTRA = {
    "reduce_sum": [(((3, 4),), {"axis": [0, 1], "keepdims": True}), (((3, 4),), {"axis": -1})],
    "reduce_mean": [(((3, 4),), {"axis": 1, "keepdims": True})],
    "reshape": [(((3, 4),), {"shape": [-1]}), (((3, 4),), {"shape": [4, -1, 1]})],
    "transpose": [(((2, 3, 4),), {"axes": [2, 0, 1]})],
    "matmul": [(((2, 4, 3), (1, 5, 4)), {"transpose_a": True, "transpose_b": True}),
               (((4, 3), (2, 4, 5)), {"transpose_a": True})],
    "argmax": [(((3, 4),), {"axis": -1, "output_type": "int32"})],
    "weighted_mean_squared_error": [(((4, 3), (4, 3), (4, 3)), {"reduction": "SUM"})],
    "one_hot": [(((2, 3),), {"depth": 4, "on_value": 5, "off_value": -1, "dtype": "int32"})],
}
"""Cases beyond the gradient test's (tests/test_gradients.py), which every op has."""
AT_INFERENCE = {"dropout"}
"""Ops whose model is their inference form: the identity of their first input."""
FLOAT32_ONLY = {"conv2d", "avg_pool"}
"""Ops whose ONNX operators (Conv, AveragePool) ONNX Runtime has no float64 kernel of."""
OP_CASES = [(t, shapes, attrs) for t in EXPORTABLE
            for shapes, attrs in CASES.get(t, []) + EXTRA.get(t, [])]


def test_every_exportable_op_has_cases():
    assert all(CASES.get(t) for t in EXPORTABLE)


@pytest.mark.parametrize(("op_type", "shapes", "attrs"), OP_CASES,
                         ids=[f"{t}{list(s)}{a or ''}" for t, s, a in OP_CASES])
def test_every_exportable_op_runs_in_onnx_runtime_as_in_the_engine(op_type, shapes, attrs):
    values = [np.asarray(v) for v in _inputs(op_type, shapes, attrs,
                                              np.random.default_rng(len(op_type)))]
    with ts.Graph().as_default() as graph:
        inputs = [ts.placeholder(shape=list(v.shape), dtype=v.dtype.name, name=f"in{i}")
                  for i, v in enumerate(values)]
        graph.add_node(op_type, inputs, name="out", attrs=attrs)
    feeds = {f"in{i}": np.asarray(v) for i, v in enumerate(values)}
    check(graph, ["out"], feeds, [values[0]] if op_type in AT_INFERENCE else None,
          op_type not in FLOAT32_ONLY)
    model = to_onnx(graph, ["out"])
    again = to_onnx(from_onnx(model), ["out"])  # export → import → export: the same model
    assert again.SerializeToString() == model.SerializeToString()


def _float_to_float(op_type: str) -> bool:
    """Whether the op takes one float tensor (with its default attributes) to one like it."""
    op = ts.get_op(op_type)
    if len(op.inputs) != 1:
        return False
    x = np.ones((5, 3))
    try:
        y = op.compute(x, **op.default_attrs())
    except (ValueError, TypeError):
        return False
    return np.shape(y) == x.shape and np.asarray(y).dtype == x.dtype


def _broadcasting(op_type: str) -> bool:
    """Whether the op takes two float tensors (with its default attributes) to their
    broadcast shape, either way round."""
    op = ts.get_op(op_type)
    if len(op.inputs) != 2:
        return False
    pairs = ((np.ones((5, 3)), np.ones(3)), (np.ones(3), np.ones((5, 3))))
    try:
        for a, b in pairs:
            if op.shape is not None:
                op.shape(a.shape, b.shape, **op.default_attrs())
        ys = [op.compute(a, b, **op.default_attrs()) for a, b in pairs]
    except (ValueError, TypeError, ShapeError):
        return False
    return all(np.shape(y) == (5, 3) and np.asarray(y).dtype == np.float64 for y in ys)


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_run_in_onnx_runtime_as_in_the_engine(seed):
    rng = np.random.default_rng(seed)
    unary = [t for t in EXPORTABLE if _float_to_float(t)]
    binary = [t for t in EXPORTABLE if _broadcasting(t)]
    assert {"add", "maximum", "pow", "squared_difference"} <= set(binary)
    with ts.Graph().as_default() as graph:
        nodes = [ts.placeholder(shape=[None, 3], dtype="float64", name="x"),
                 ts.Variable(rng.uniform(0.5, 1.5, (3,)), name="w"),
                 ts.constant(rng.uniform(0.5, 1.5, (1, 3)), name="k")]
        for _ in range(12):
            if rng.random() < 0.5:
                op = unary[rng.integers(len(unary))]
                nodes.append(graph.add_node(op, [nodes[rng.integers(len(nodes))]]))
            else:
                op = binary[rng.integers(len(binary))]
                a, b = rng.integers(len(nodes), size=2)
                nodes.append(graph.add_node(op, [nodes[a], nodes[b]]))
        ts.reduce_sum(nodes[-1], axis=-1, name="total")
        ts.reshape(ts.transpose(nodes[-2]), shape=[-1], name="flat")
    sinks = [n.name for n in graph.nodes if not n.consumers and not n.op.is_source]
    check(graph, sinks, {"x": rng.uniform(0.5, 1.5, (5, 3))})


# ---- what cannot be exported -------------------------------------------------------------------


def test_an_op_without_onnx_form_an_unwired_input_or_an_untyped_placeholder_is_named():
    graph = ts.load_graph(EXAMPLE_DIR / "mlp.json")
    with pytest.raises(ExportError, match=r"train \(minimize\): minimize has no ONNX form"):
        to_onnx(graph, ["train"])
    with ts.Graph().as_default() as g:
        x = ts.placeholder(name="x")
        ts.add(x, None, name="half")
        ts.exp(x, name="e")
    with pytest.raises(ExportError, match=r"half \(add\): input 'y' is not connected"):
        to_onnx(g, ["half"])
    with pytest.raises(ExportError, match=r"x \(placeholder\): give the placeholder a dtype"):
        to_onnx(g, ["e"])
    with pytest.raises(ExportError, match=r"x \(placeholder\): an output of the model is an op"):
        to_onnx(g, ["x"])
    with ts.Graph().as_default() as h:
        a = ts.placeholder(dtype="float64", name="a")  # of any shape
        h.add_node("tensordot", [a, ts.constant(np.ones((2, 2)))], name="dot", attrs={"axes": 1})
        h.add_node("decayed_learning_rate", [ts.Variable(0, name="step")], name="rate")
    with pytest.raises(ExportError, match=r"dot \(tensordot\): its ONNX form needs its inputs' "
                                          "ranks: give the placeholders shapes"):
        to_onnx(h, ["dot"])
    with pytest.raises(ExportError, match=r"rate \(decayed_learning_rate\): "
                                          r"decayed_learning_rate has no ONNX form \(a learning"):
        to_onnx(h, ["rate"])


def test_without_onnx_the_export_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx fails
    with pytest.raises(MissingPackage, match=r"pip install 'tensorcanvas\[interop\]'"):
        to_onnx(ts.load_graph(EXAMPLE_DIR / "affine.json"))


def test_without_the_interop_packages_the_command_line_says_how_to_install_them(
        monkeypatch, tmp_path, capsys):
    for package in ("onnx", "onnxruntime", "jax"):
        monkeypatch.setitem(sys.modules, package, None)
    example = str(EXAMPLE_DIR / "mlp.json")
    assert main.main(["export", example, "--python", str(tmp_path / "g.py")]) == 0
    assert main.main(["export", example, "--jax", str(tmp_path / "g_jax.py")]) == 0  # (text)
    assert main.main(["export", example, "--onnx", str(tmp_path / "g.onnx")]) == 2
    assert main.main(["import", str(tmp_path / "g.onnx"), str(tmp_path / "g.json")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: ONNX {kind} needs the Python package 'onnx', which is not installed: "
                   "pip install 'tensorcanvas[interop]' (or pip install onnx)"
                   for kind in ("export", "import")]


def test_integer_constants_are_promoted_as_numpy_does_and_a_refused_model_is_named():
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None], dtype="float64", name="x")
        ts.add(ts.multiply(x, 2, name="twice"), ts.constant([True], name="one"), name="y")
        ts.exp(ts.constant([1, 2], name="k"), name="e")  # integers all the way: ONNX's Exp
    check(graph, ["y"], {"x": np.array([1.5, -2.0])})  # has no integer form
    with pytest.raises(ExportError, match=r"ONNX refuses the model: .*node name: e\)"):
        to_onnx(graph, ["e"])


def test_indices_conditions_and_labels_in_constants_keep_their_type():
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[None, 3], dtype="float64", name="x")
        rows = graph.add_node("gather", [x, ts.constant([2, 0], name="rows")], name="picked")
        mask = ts.constant([True, False, True], name="mask")
        graph.add_node("where", [mask, ts.constant([1.0, 2.0, 3.0]), ts.constant([0, 0, 0])],
                       name="chosen")
        both = graph.add_node("logical_and", [graph.add_node("greater", [x, 0]), mask],
                              name="both")
        graph.add_node("where", [both, x, ts.zeros_like(x)], name="positive")
        graph.add_node("sparse_softmax_cross_entropy_with_logits",
                       [ts.constant([1, 0], name="labels"), rows], name="xent")
    check(graph, ["picked", "chosen", "both", "positive", "xent"],
          {"x": np.array([[1.0, -2.0, 3.0], [-0.5, 0.5, 2.0], [0.1, 0.2, -0.3]])})
