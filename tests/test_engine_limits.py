"""Limits on what a file claims (tensor bytes, node count), checked before anything is
allocated and raised by choice; progress and Cancel while loading."""

import json
import tracemalloc

import numpy as np
import pytest

import engine as ts
from engine import io
from engine.limits import Limits

AFFINE = "resources/examples/affine.json"


def test_a_tensor_past_the_byte_limit_is_refused_and_the_limit_can_be_raised(tmp_path,
                                                                          monkeypatch):
    g = ts.Graph()
    g.add_node("constant", name="big", value=np.zeros((100, 100)))  # 80,000 bytes
    path = tmp_path / "g.json"
    ts.save_graph(g, path)
    with pytest.raises(ts.FileFormatError) as info:
        ts.load_graph(path, limits=Limits(tensor_bytes=50_000))
    assert str(info.value) == (
        f"{path}: nodes[0] ('big').value.shape: a 100 × 100 float64 tensor takes 78.1 KiB, "
        "more than the limit of 48.8 KiB (set TENSOR_CANVAS_MAX_TENSOR_BYTES to raise it)")
    monkeypatch.setenv("TENSOR_CANVAS_MAX_TENSOR_BYTES", "5e4")
    with pytest.raises(ts.FileFormatError, match="more than the limit of 48.8 KiB"):
        ts.load_graph(path)
    monkeypatch.setenv("TENSOR_CANVAS_MAX_TENSOR_BYTES", "80000")
    assert ts.load_graph(path).get_node("big").value.shape == (100, 100)


def test_a_file_past_the_node_limit_is_refused_before_any_node_is_read(tmp_path, monkeypatch):
    with pytest.raises(ts.FileFormatError) as info:
        ts.load_graph(AFFINE, limits=Limits(nodes=4))
    assert str(info.value) == (f"{AFFINE}: nodes: 5 nodes, more than the limit of 4 (set "
                               "TENSOR_CANVAS_MAX_NODES to raise it)")
    monkeypatch.setenv("TENSOR_CANVAS_MAX_NODES", "4")
    with pytest.raises(ts.FileFormatError, match="5 nodes, more than the limit of 4"):
        ts.load_graph(AFFINE)
    monkeypatch.setenv("TENSOR_CANVAS_MAX_NODES", "5")
    assert len(ts.load_graph(AFFINE)) == 5


@pytest.mark.parametrize("text", ["lots", "-1", "1.5", "nan"])
def test_a_limit_set_wrongly_in_the_environment_is_named(monkeypatch, text):
    monkeypatch.setenv("TENSOR_CANVAS_MAX_NODES", text)
    with pytest.raises(ValueError, match=f"TENSOR_CANVAS_MAX_NODES='{text}': expected a whole "
                                         "number ≥ 0, such as 4e9"):
        ts.load_graph(AFFINE)


def test_reset_variables_refuses_an_initializer_past_the_limit_and_changes_nothing(monkeypatch):
    g = ts.Graph()
    small = g.add_node("variable", name="small", value=np.ones(3),
                       attrs={"initializer": ts.zeros([3])})
    huge = ts.Variable(np.ones(2), name="huge", graph=g)
    g.set_attr(huge, "initializer", {"kind": "random_normal", "shape": [10**12, 10**6]})
    heard = []

    def listener(event):
        heard.append(event)

    g.subscribe(listener)
    with pytest.raises(ts.EngineError) as info:
        g.reset_variables()
    assert str(info.value) == (
        "huge: its initializer cannot draw: a 1,000,000,000,000 × 1,000,000 float64 tensor "
        "takes 6.94 EiB, more than the limit of 2 GiB (set TENSOR_CANVAS_MAX_TENSOR_BYTES to "
        "raise it)")
    assert info.value.node == "huge"
    assert heard == [] and small.value.tolist() == [1, 1, 1]
    monkeypatch.setenv("TENSOR_CANVAS_MAX_TENSOR_BYTES", "16")
    g.remove_node(huge)
    heard.clear()
    with pytest.raises(ts.EngineError, match="small: its initializer cannot draw: a 3 float64 "
                                              "tensor takes 24 bytes, more than the limit of "
                                              "16 bytes"):
        g.reset_variables()
    assert heard == []


def test_an_initializer_that_numpy_cannot_allocate_says_so(monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(np, "zeros", no_memory)
    with pytest.raises(ValueError, match="not enough memory left for a 1,000 × 1,000 float64 "
                                         "tensor"):
        ts.zeros([1000, 1000])()


def test_loading_reports_its_progress_from_0_to_1(tmp_path):
    g = ts.Graph()
    for i in range(1000):
        g.add_node("constant", name=f"c{i}", value=np.arange(3.0))
    path = tmp_path / "g.json"
    ts.save_graph(g, path)
    seen: list[float] = []
    assert len(ts.load_graph(path, progress=seen.append)) == 1000
    assert seen == sorted(seen) and seen[0] <= 0.2 and seen[-1] == 1.0
    assert 10 < len(seen) < 400  # often enough for a progress bar, not per node


def test_a_progress_callback_cancels_loading(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(io, "_build", lambda *args: built.append(args))

    def cancel_midway(fraction: float) -> None:
        if fraction > 0.5:
            raise ts.Cancelled

    with pytest.raises(ts.Cancelled):
        ts.load_graph(AFFINE, progress=cancel_midway)
    assert built == []


def test_pasting_checks_what_loading_checks():
    data = json.loads(open(AFFINE).read())
    data["nodes"][0]["ui"] = {"pos": [float("nan"), 0]}
    with pytest.raises(ts.FileFormatError, match=r"clipboard: nodes\[0\] \('A'\).ui.pos\[0\]: "
                                                  "NaN is allowed only among a tensor's"):
        io.graph_from_dict(data, "clipboard", limits=Limits())


def test_loading_a_large_tensor_takes_about_twice_the_files_size_at_most(tmp_path):
    g = ts.Graph()
    g.add_node("constant", name="big", value=np.random.default_rng(0).standard_normal(400_000))
    path = tmp_path / "big.json"
    ts.save_graph(g, path)  # 4.3 MB of base64
    tracemalloc.start()
    try:
        graph = ts.load_graph(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert graph.get_node("big").value.shape == (400_000,)
    assert peak < 2.2 * path.stat().st_size  # the text, then its base64 and the bytes: 2.0


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000, "clipboard: nested too deeply to be a graph file"),
    (open(AFFINE).read().replace('"op": "add"', '"op": "add", "op": "add"'),
     "clipboard: nodes[4] ('z'): the key \"op\" appears more than once"),
    (open(AFFINE).read(), "clipboard: nodes: 5 nodes, more than the limit of 4"),
], ids=["deep", "duplicate key", "node limit"])
def test_the_clipboards_text_is_read_as_a_file_is(text, message):
    with pytest.raises(ts.FileFormatError) as info:
        io.graph_from_text(text, "clipboard", limits=Limits(nodes=4 if "nodes" in message
                                                            else 10))
    assert str(info.value).startswith(message)
