"""ONNX in: models become graphs that evaluate as ONNX Runtime does and can be trained; export →
import → export gives the same model; a model that cannot be read is named, never half-built.
And the command line's export and import, with exit code 2 for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import engine as ts
import main
from engine.export import ExportError
from engine.export.onnx_in import from_onnx, load_onnx
from engine.export.onnx_out import to_onnx

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "resources" / "examples"
EXAMPLES = sorted(EXAMPLE_DIR.glob("*.json"))


def ort_run(model, feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_export_import_export_gives_the_same_model(path, tmp_path):
    graph = ts.load_graph(path)
    outputs = {"affine": ["z"], "mlp": ["p_output", "J"], "perceptron": ["p", "J"],
               "digits": ["logits", "J"], "spiral": ["logits", "J"]}[path.stem]
    first = to_onnx(graph, outputs)
    (tmp_path / "model.onnx").write_bytes(first.SerializeToString())
    imported = load_onnx(tmp_path / "model.onnx")
    second = to_onnx(imported, outputs)
    assert second.SerializeToString() == first.SerializeToString()
    feeds = {n.name: n.value for n in graph.nodes if isinstance(n, ts.Placeholder)}
    for got, want in zip(ts.Session(imported).run(outputs, feeds),
                         ts.Session(graph).run(outputs, feeds), strict=True):
        np.testing.assert_array_equal(got, want)


def test_an_imported_model_can_be_trained():
    graph = ts.load_graph(EXAMPLE_DIR / "perceptron.json")
    feeds = {n.name: n.value for n in graph.nodes if isinstance(n, ts.Placeholder)}
    imported = from_onnx(to_onnx(graph, ["J"]))
    assert imported.get_node("W").trainable
    train = ts.train.GradientDescentOptimizer(0.01).minimize(imported.get_node("J"))
    session = ts.Session(imported)
    losses = [session.run(train, feeds) for _ in range(5)]
    assert losses[-1] < losses[0]


def foreign_model(op_type: str = "Relu") -> onnx.ModelProto:
    """A model as another tool writes it: opset 13, a Constant node, axes as an attribute."""
    w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2) / 5, "w")
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="dense"),
        helper.make_node("Constant", [], ["bias"], value=numpy_helper.from_array(
            np.array([0.5, -1.0], np.float32))),
        helper.make_node("Add", ["h", "bias"], ["pre"], name="add bias"),
        helper.make_node(op_type, ["pre"], ["act"], name="act1"),
        helper.make_node("ReduceMean", ["act"], ["y"], name="mean", axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "foreign", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N"])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_a_foreign_model_evaluates_as_in_onnx_runtime():
    model = foreign_model()
    graph = from_onnx(model)
    assert graph.get_node("bias").type == "constant"
    assert graph.get_node("w").type == "variable"
    assert graph.get_node("x").shape == (None, 3)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(ts.Session(graph).run("y", {"x": x}),
                               ort_run(model, {"x": x})[0], rtol=1e-6)


def test_a_foreign_model_of_tensorflow_1_ops_evaluates_as_in_onnx_runtime():
    """LeakyRelu as ONNX writes it, a reduction's axes as an attribute (opset 13), Concat."""
    nodes = [helper.make_node("LeakyRelu", ["x"], ["leaky"], name="leaky", alpha=0.25),
             helper.make_node("ReduceMax", ["leaky"], ["top"], name="top", axes=[1],
                              keepdims=1),
             helper.make_node("Concat", ["leaky", "top"], ["y"], name="both", axis=1)]
    graph = helper.make_graph(
        nodes, "foreign", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(ts.Session(from_onnx(model)).run("y", {"x": x}),
                               ort_run(model, {"x": x})[0], rtol=1e-6)
    three = helper.make_node("Max", ["x", "x", "x"], ["y"], name="max3")
    graph = helper.make_graph(
        [three], "variadic", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    with pytest.raises(ExportError, match=r"ONNX node 'max3': Max with 3 inputs is not "
                                          r"supported \(2 are\)"):
        from_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))


def test_an_unsupported_op_is_named_with_its_node(tmp_path):
    with pytest.raises(ExportError, match=r"ONNX node 'act1': its op Selu is not one"):
        from_onnx(foreign_model("Selu"))


@pytest.mark.parametrize("content", [b"", b"\x08\x07garbage\xff\xfe" * 50, "truncated"],
                         ids=["empty", "random", "truncated"])
def test_a_broken_file_is_refused_with_exit_code_2(content, tmp_path, capsys):
    path = tmp_path / "broken.onnx"
    if content == "truncated":
        content = to_onnx(ts.load_graph(EXAMPLE_DIR / "mlp.json")).SerializeToString()[:400]
    path.write_bytes(content)
    assert main.main(["import", str(path), str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "broken.onnx" in err and "Traceback" not in err
    assert not (tmp_path / "out.json").exists()


def test_the_command_line_exports_and_imports(tmp_path, capsys):
    mlp = str(EXAMPLE_DIR / "mlp.json")
    assert main.main(["export", mlp, "--onnx", str(tmp_path / "m.onnx")]) == 0
    assert main.main(["import", str(tmp_path / "m.onnx"), str(tmp_path / "m.json")]) == 0
    assert main.main(["run", str(tmp_path / "m.json"), "--fetch", "J", "--feed",
                      "X=[[0, 1]]", "--feed", "c=[[1, 0]]"]) == 0
    assert main.main(["export", mlp, "--python", str(tmp_path / "m.py")]) == 0
    assert main.main(["export", mlp, "--jax", str(tmp_path / "m_jax.py")]) == 0
    assert (tmp_path / "m_jax.py").read_text().count("jax.grad") >= 1
    out = capsys.readouterr().out
    assert "wrote" in out and "17 nodes" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--onnx", "OUT.onnx", "--output", "train"], "train (minimize): minimize has no ONNX form"),
    (["--jax", "OUT.py", "--train", "J"], "X (placeholder): the placeholder has no default"),
], ids=["no ONNX form", "unbound placeholder"])
def test_a_graph_that_cannot_be_exported_gives_exit_code_2(args, message, tmp_path, capsys):
    graph = ts.load_graph(EXAMPLE_DIR / "mlp.json")
    graph.set_value("X", None)
    ts.save_graph(graph, tmp_path / "g.json")
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    assert main.main(["export", str(tmp_path / "g.json"), *args]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tmp_path / "g.json"]


def test_help_names_the_export_commands(capsys):
    with pytest.raises(SystemExit):
        main.main(["--help"])
    out = capsys.readouterr().out
    assert "export, import" in out and "export-image" in out
