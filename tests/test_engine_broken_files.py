"""A corpus of broken graph files: each fails cleanly with a FileFormatError naming the place."""

import copy
import json

import mutations
import numpy as np
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
    with pytest.raises(ts.FileFormatError, match="/dev/zero: cannot read it \\(not a file\\)"):
        ts.load_graph("/dev/zero")  # endless: never read
    with pytest.raises(ts.FileFormatError, match="cannot read it: not UTF-8 text \\(byte 0xff "
                                                 "at line 2, column 3\\)"):
        path.write_bytes(b'{"format":\n  \xff}')
        ts.load_graph(path)


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
    (lambda d: node(2)(d).update(op="conv5d"), "nodes[2] ('y').op: unknown op type 'conv5d'"),
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
     "nodes[0] ('A').value.shape: a 1,000,000,000 × 1,000,000,000 int8 tensor takes 888 PiB, "
     "more than the limit of 2 GiB (set TENSOR_CANVAS_MAX_TENSOR_BYTES to raise it)"),
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


# ---- what Python's json reads but no JSON writer gives back, and numpy's limits -------------

def spliced(change, marker: str, text: str) -> str:
    """GOOD with ``change`` applied, where the string ``marker`` is replaced by raw ``text``."""
    return json.dumps(edited(change)).replace(json.dumps(marker), text)


STRICT = [
    (spliced(lambda d: d.update(format_version="@"), "@", "1" * 4401),
     "format_version: an integer of 4,401 digits is too long to read"),
    (spliced(lambda d: node(3)(d).update(ui={"pos": ["@", 0]}), "@", "9" * 4401),
     "nodes[3] ('z').ui.pos[0]: an integer of 4,401 digits is too long to read"),
    (spliced(lambda d: node(0)(d)["value"].update(data=[["@", 0.0], [0.0, 1.0]]), "@", "1e400"),
     "nodes[0] ('A').value.data[0][0]: the number 1e400 is beyond the range of a float"),
    (spliced(lambda d: node(3)(d).update(ui={"pos": [1, "@"]}), "@", "-" + "9" * 400 + ".5"),
     "nodes[3] ('z').ui.pos[1]: the number -9999999999999999999… is beyond the range of a"),
    (spliced(lambda d: node(3)(d).update(ui={"pos": [1, "@"]}), "@", "1E+0400"),
     "nodes[3] ('z').ui.pos[1]: the number 1E+0400 is beyond the range of a float"),
    (spliced(lambda d: node(3)(d).update(ui={"pos": [1, "@"]}), "@", "NaN"),
     "nodes[3] ('z').ui.pos[1]: NaN is allowed only among a tensor's elements"),
    (spliced(lambda d: d["nodes"].append({"name": "m", "op": "minimize", "inputs": ["z"],
                                           "attrs": {"learning_rate": "@"}}), "@", "Infinity"),
     "nodes[4] ('m').attrs.learning_rate: Infinity is allowed only among a tensor's elements"),
    (spliced(lambda d: node(3)(d).update(ui={"label": "@"}), "@", '"\\ud800"'),
     "nodes[3] ('z').ui.label: the text \"\\ud800\" holds a lone surrogate"),
    (spliced(lambda d: node(3)(d).update(ui={"@": 1}), '@', '"\\udc00"'),
     "nodes[3] ('z').ui: the key \"\\udc00\" is not text a file can hold"),
    (json.dumps(GOOD).replace('"op": "matmul"', '"op": "matmul", "op": "add"'),
     "nodes[2] ('y'): the key \"op\" appears more than once"),
    (spliced(lambda d: node(3)(d).update(ui={"pos": "@"}), "@", "[" * 40 + "]" * 40),
     "nodes[3] ('z').ui.pos[0][0]"),
]


@pytest.mark.parametrize("text, message", STRICT, ids=[m[:40] for _, m in STRICT])
def test_what_no_json_writer_writes_is_refused_with_its_place(tmp_path, text, message):
    error = load_text(tmp_path, text)
    assert message in str(error)
    assert "\n" not in str(error)


def test_nan_and_infinity_among_a_tensors_elements_are_read(tmp_path):
    text = spliced(lambda d: node(0)(d)["value"].update(data=[["@", 0.0], [0.0, -1.0]]), "@",
                   "-Infinity")
    path = tmp_path / "g.json"
    path.write_text(text)
    assert ts.load_graph(path).get_node("A").value[0, 0] == -float("inf")


NUMPY_LIMITS = [
    (lambda d: node(0)(d).update(value={"dtype": "float64", "shape": [1] * 100, "data": 1.0}),
     "nodes[0] ('A').value.shape: a tensor has at most 64 dimensions, not 100"),
    (lambda d: node(0)(d).update(value={"dtype": "int8", "shape": [0, 10**30], "base64": ""}),
     "nodes[0] ('A').value.shape: a size of about 10^30 is more than numpy can index"),
    (lambda d: node(1)(d)["attrs"].update(shape=[1] * 100),
     "nodes[1] ('x').attrs: attribute 'shape': a shape has at most 64 dimensions"),
    (lambda d: node(1)(d)["attrs"].update(shape={}),
     "nodes[1] ('x').attrs: attribute 'shape': a shape is a list of sizes, not {}"),
    (lambda d: d["nodes"].append({"name": "r", "op": "reshape", "inputs": ["A"],
                                  "attrs": {"shape": [1] * 65}}),
     "nodes[4] ('r').attrs: attribute 'shape': a shape has at most 64 dimensions, not 65"),
    (lambda d: node(0)(d)["attrs"].update(initializer={"kind": "zeros", "shape": [1] * 65}),
     "nodes[0] ('A').attrs: attribute 'initializer': initializer shape: at most 64 dimensions"),
    (lambda d: node(0)(d)["attrs"].update(initializer={"kind": "zeros",
                                                      "shape": [10**12, 10**6]}),
     "nodes[0] ('A').attrs.initializer.shape: a 1,000,000,000,000 × 1,000,000 float64 tensor "
     "takes 6.94 EiB, more than the limit of 2 GiB (set TENSOR_CANVAS_MAX_TENSOR_BYTES"),
    (lambda d: node(0)(d)["attrs"].update(initializer={"kind": "random_normal", "shape": [2],
                                                      "mean": 10**400}),
     "nodes[0] ('A').attrs: attribute 'initializer': initializer mean: expected a finite "
     "number"),
    (lambda d: d["nodes"].append({"name": "m", "op": "minimize", "inputs": ["z"],
                                  "attrs": {"learning_rate": 10**400}}),
     "nodes[4] ('m').attrs: attribute 'learning_rate': expected a finite number"),
]


@pytest.mark.parametrize("change, message", NUMPY_LIMITS, ids=[m[:40] for _, m in NUMPY_LIMITS])
def test_claims_past_numpys_limits_are_refused_before_anything_is_allocated(
        tmp_path, monkeypatch, change, message):
    def allocate(*args, **kwargs):
        pytest.fail("a tensor was allocated for a claim past the limits")

    for name in ("zeros", "empty", "frombuffer"):
        monkeypatch.setattr(np, name, allocate)
    error = load_text(tmp_path, json.dumps(edited(change)))
    assert message in str(error)


def test_a_var_list_naming_no_node_loads_saves_and_is_named_when_training(tmp_path):
    # A copied selection or a deleted variable leaves such a name: the file keeps it.
    data = edited(lambda d: d["nodes"].append(
        {"name": "m", "op": "minimize", "inputs": ["z"], "attrs": {"var_list": ["gone"]}}))
    path = tmp_path / "g.json"
    path.write_text(json.dumps(data))
    graph = ts.load_graph(path)
    ts.save_graph(graph, path)
    assert ts.load_graph(path).get_node("m").attrs["var_list"] == ("gone",)
    with pytest.raises(ts.EngineError, match="var_list names 'gone'"):
        ts.Session(graph).run("m")


# ---- a seeded corpus of mutated example files -----------------------------------------------

def test_every_mutated_example_is_refused_cleanly_or_loads_and_saves(tmp_path):
    path, saved = tmp_path / "mutant.json", tmp_path / "saved.json"
    outcomes = {"refused": 0, "loaded": 0}
    for what, content in mutations.mutants(seed=19, count=300):
        path.write_bytes(content)
        try:
            graph = ts.load_graph(path)
        except ts.FileFormatError as error:
            message = str(error)
            assert message.startswith(f"{path}: ") and "\n" not in message, (what, message)
            outcomes["refused"] += 1
            continue
        ts.save_graph(graph, saved)  # what loads must save …
        text = saved.read_text()
        ts.save_graph(ts.load_graph(saved), saved)  # … and read back as it was
        assert saved.read_text() == text, what
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 200 and outcomes["loaded"] > 10, outcomes
