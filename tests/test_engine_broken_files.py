"""A corpus of broken graph files: each fails cleanly with a FileFormatError naming the place."""

import copy
import json

import pytest

import engine as ts
from engine import io

GOOD = {
    "format": "tensor-canvas-graph",
    "format_version": 1,
    "nodes": [
        {"name": "A", "op": "variable", "attrs": {"trainable": True},
         "value": {"dtype": "float64", "shape": [2, 2], "data": [[1.0, 0.0], [0.0, -1.0]]}},
        {"name": "x", "op": "placeholder", "attrs": {"shape": [2], "dtype": "float64"},
         "default": {"dtype": "float64", "shape": [2], "data": [1.0, 2.0]}},
        {"name": "y", "op": "matmul", "inputs": ["A", "x"]},
        {"name": "z", "op": "reduce_sum", "inputs": ["y"], "attrs": {"axis": 0},
         "ui": {"pos": [1, 2]}},
    ],
}


def edited(change) -> dict:
    data = copy.deepcopy(GOOD)
    change(data)
    return data


def load_text(tmp_path, text: str) -> ts.FileFormatError:
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ts.FileFormatError) as info:
        ts.load_graph(path)
    assert str(path) in str(info.value)
    return info.value


def test_the_good_file_loads(tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(GOOD))
    assert ts.Session(ts.load_graph(path)).run("z") == -1.0


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty"),
        ("   \n", "the file is empty"),
        ("{'format': 1}", "not valid JSON at line 1, column 2"),
        ('{"format": "tensor-canvas-graph",\n "nodes": [1, 2,]}', "line 2"),
        (json.dumps(GOOD)[:-40], "the file looks truncated"),
        (json.dumps(GOOD)[:-3], "the file looks truncated"),
        (json.dumps(GOOD, indent=1)[:200], "the file looks truncated"),
        ("[" * 100_000, "nested too deeply"),
        ("null", "the file holds NoneType, not a graph object"),
        ("[]", "the file holds list, not a graph object"),
        ('"graph"', "the file holds str, not a graph object"),
    ],
    ids=["empty", "blank", "python-quotes", "trailing-comma", "truncated", "truncated-end",
         "truncated-indented", "deep", "null", "list",
         "string"],
)
def test_unreadable_json(tmp_path, text, message):
    assert message in str(load_text(tmp_path, text))


def test_binary_garbage_and_missing_files(tmp_path):
    path = tmp_path / "garbage.json"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ts.FileFormatError, match="cannot read it"):
        ts.load_graph(path)
    with pytest.raises(ts.FileFormatError, match="cannot read it"):
        ts.load_graph(tmp_path / "missing.json")


def node(index):
    return lambda data: data["nodes"][index]


CORPUS = [
    # top level
    (lambda d: d.update(format="something-else"), "not a Tensor Canvas graph"),
    (lambda d: d.pop("format"), "not a Tensor Canvas graph (format is None"),
    (lambda d: d.update(format_version=3), "written in format version 3; this version of Tensor "
     "Canvas reads up to 2"),
    (lambda d: d.update(format_version="1"), "format_version must be a whole number"),
    (lambda d: d.update(format_version=0), "format_version must be a whole number"),
    (lambda d: d.update(format_version=1.0), "format_version must be a whole number"),
    (lambda d: d.update(nodes={"A": {}}), "'nodes' must be a list"),
    (lambda d: d.pop("nodes"), "'nodes' must be a list"),
    (lambda d: d.update(view={"zoom": 2}), "unknown field(s) view"),
    # a node as a whole
    (lambda d: d["nodes"].append("B"), "nodes[4]: a node is an object, not str"),
    (lambda d: d["nodes"].insert(0, None), "nodes[0]: a node is an object, not NoneType"),
    (lambda d: node(1)(d).pop("name"), "nodes[1].name: expected a string, got None"),
    (lambda d: node(1)(d).update(name=7), "nodes[1].name: expected a string, got 7"),
    (lambda d: node(1)(d).update(name="my input"), "nodes[1].name: invalid node name 'my input'"),
    (lambda d: node(1)(d).update(name=""), "nodes[1].name: invalid node name ''"),
    (lambda d: node(1)(d).update(name="A"), "nodes[1] ('A'): duplicate node name 'A'"),
    (lambda d: node(2)(d).update(color="red"), "nodes[2] ('y'): unknown field(s) color"),
    # op types and wiring
    (lambda d: node(2)(d).update(op="conv2d"), "nodes[2] ('y').op: unknown op type 'conv2d'"),
    (lambda d: node(2)(d).pop("op"), "nodes[2] ('y').op: unknown op type None"),
    (lambda d: node(2)(d).update(op=["matmul"]), "nodes[2] ('y').op: unknown op type ['matmul']"),
    (lambda d: node(2)(d).update(inputs=["A"]), "nodes[2] ('y').inputs: matmul takes a list of 2"),
    (lambda d: node(2)(d).update(inputs=["A", "x", "x"]), "nodes[2] ('y').inputs: matmul takes"),
    (lambda d: node(2)(d).update(inputs="A x"), "nodes[2] ('y').inputs: matmul takes a list"),
    (lambda d: node(2)(d).update(inputs=["A", 1]), "nodes[2] ('y').inputs: matmul takes a list"),
    (lambda d: node(2)(d).update(inputs=["A", "w"]),
     "nodes[2] ('y').inputs[1]: no node named 'w' in the file"),
    (lambda d: node(0)(d).update(inputs=["x"]),
     "nodes[0] ('A').inputs: variable takes a list of 0"),
    (lambda d: node(2)(d).update(inputs=["A", "z"]), "the wiring has a cycle: y → z → y"),
    (lambda d: node(2)(d).update(inputs=["y", "x"]), "the wiring has a cycle: y → y"),
    # attributes
    (lambda d: node(0)(d).update(attrs={"trainable": "yes"}), "nodes[0] ('A').attrs: attribute "
     "'trainable': expected true or false, got 'yes'"),
    (lambda d: node(0)(d).update(attrs={"learning_rate": 1}), "nodes[0] ('A').attrs: variable has "
     "no attribute learning_rate"),
    (lambda d: node(3)(d).update(attrs={"axis": "0"}), "nodes[3] ('z').attrs: attribute 'axis'"),
    (lambda d: node(3)(d).update(attrs=[0]), "nodes[3] ('z').attrs: expected an object"),
    (lambda d: node(1)(d)["attrs"].update(shape=[-2]), "nodes[1] ('x').attrs: attribute 'shape'"),
    (lambda d: node(1)(d)["attrs"].update(dtype="float128"), "nodes[1] ('x').attrs: attribute "
     "'dtype'"),
    (lambda d: node(3)(d).update(ui=[1, 2]), "nodes[3] ('z').ui: expected an object"),
    # values
    (lambda d: node(0)(d).pop("value"), "nodes[0] ('A'): a variable needs a 'value'"),
    (lambda d: node(2)(d).update(value=GOOD["nodes"][0]["value"]), "nodes[2] ('y'): a matmul "
     "node has no 'value'"),
    (lambda d: node(0)(d).update(default=GOOD["nodes"][0]["value"]), "nodes[0] ('A'): a variable "
     "node has no 'default'"),
    (lambda d: node(0)(d).update(value=[[1.0, 0.0], [0.0, 1.0]]), "nodes[0] ('A').value: a tensor "
     "is an object"),
    (lambda d: node(0)(d)["value"].update(dtype="float128"), "nodes[0] ('A').value.dtype: unknown "
     "dtype 'float128'"),
    (lambda d: node(0)(d)["value"].pop("dtype"), "nodes[0] ('A').value.dtype: unknown dtype None"),
    (lambda d: node(0)(d)["value"].update(shape=[2, 3]), "nodes[0] ('A').value.data: has shape "
     "[2, 2], not [2, 3]"),
    (lambda d: node(0)(d)["value"].update(shape="2x2"), "nodes[0] ('A').value.shape: expected a "
     "list of sizes"),
    (lambda d: node(0)(d)["value"].update(shape=[2, -2]), "nodes[0] ('A').value.shape"),
    (lambda d: node(0)(d)["value"].update(data=[[1.0, 0.0], [0.0]]), "nodes[0] ('A').value.data: "
     "cannot be read as float64"),
    (lambda d: node(0)(d)["value"].update(data=[["1", "0"], ["0", "1"]]), "nodes[0] ('A').value."
     "data: cannot be read as float64"),
    (lambda d: node(0)(d)["value"].update(dtype="int32"), "nodes[0] ('A').value.data: cannot be "
     "read as int32 (float values do not fit int32)"),
    (lambda d: node(0)(d)["value"].update(dtype="int8", data=[[1, 0], [0, 300]]), "cannot be read "
     "as int8"),
    (lambda d: node(0)(d)["value"].update(base64="AAAA"), "nodes[0] ('A').value: a tensor has "
     "either 'data' or 'base64'"),
    (lambda d: node(0)(d)["value"].pop("data"), "nodes[0] ('A').value: a tensor has either"),
    (lambda d: node(0)(d)["value"].update(order="F"), "nodes[0] ('A').value: unknown field(s) "
     "order"),
    (lambda d: node(0)(d).update(value={"dtype": "float64", "shape": [2], "base64": "@@"}),
     "nodes[0] ('A').value.base64: not valid base64"),
    (lambda d: node(0)(d).update(value={"dtype": "float64", "shape": [2], "base64": 16}),
     "nodes[0] ('A').value.base64: expected a string"),
    (lambda d: node(0)(d).update(value={"dtype": "float64", "shape": [2], "base64": "AAAAAAAA"}),
     "nodes[0] ('A').value.base64: holds 6 bytes; shape [2] of float64 needs 16"),
    (lambda d: node(0)(d).update(value={"dtype": "int8", "shape": [10**9, 10**9], "base64": ""}),
     "nodes[0] ('A').value.base64: holds 0 bytes"),
    (lambda d: node(1)(d)["default"].update(shape=[3], data=[1.0, 2.0, 3.0]), "nodes[1] ('x')."
     "default: a value of shape (3,) does not fit shape (2,)"),
    (lambda d: node(1)(d)["attrs"].update(dtype="int32"), "nodes[1] ('x').default: a float64 "
     "value does not convert to int32"),
]


@pytest.mark.parametrize("change, message", CORPUS, ids=[m[:40] for _, m in CORPUS])
def test_broken_file_names_the_place(tmp_path, monkeypatch, change, message):
    def build(*args):
        pytest.fail("a graph was built before the file was validated")

    monkeypatch.setattr(ts.Graph, "__init__", build)
    error = load_text(tmp_path, json.dumps(edited(change)))
    assert message in str(error)
    assert str(error).startswith(str(tmp_path / "broken.json") + ": ")
    assert "\n" not in str(error)


def test_loading_never_runs_code_from_the_file(tmp_path):
    payload = f"__import__('os').system('touch {tmp_path / 'pwned'}')"
    data = edited(lambda d: node(3)(d).update(ui={"label": payload, "code": payload}))
    path = tmp_path / "g.json"
    path.write_text(json.dumps(data))
    graph = ts.load_graph(path)
    assert graph.get_node("z").ui["code"] == payload
    with pytest.raises(ts.FileFormatError, match="unknown op type"):
        io.graph_from_dict(edited(lambda d: node(2)(d).update(op=payload)))
    assert not (tmp_path / "pwned").exists()
