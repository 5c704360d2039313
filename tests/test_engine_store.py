"""How a graph stores its nodes lean: empty ``attrs``, ``ui`` and ``state`` are one shared
mapping that no edit changes in place, and the wiring's ports live in the nodes' inputs only."""

from __future__ import annotations

import copy
import pickle
import tracemalloc

import numpy as np
import pytest

import engine as ts
from engine.io import graph_from_dict, graph_to_dict
from engine.replica import data_copy
from engine.store import Neighbours


def test_an_edit_of_one_node_never_shows_on_another():
    g = ts.Graph()
    a, b = g.add_node("constant", name="a", value=1.0), g.add_node("constant", name="b", value=2.0)
    minus = g.add_node("negative", inputs=[a], name="minus")
    assert a.ui == b.ui == minus.attrs == minus.state == {}
    g.set_ui(a, pos=[10, 20])
    g.set_state(minus, {"step": np.zeros(())})
    assert a.ui == {"pos": [10, 20]} and b.ui == {} and minus.ui == {}
    assert set(minus.state) == {"step"} and a.state == b.state == {}
    g.set_ui(a, pos=None)
    g.set_state(minus, {})
    assert a.ui == b.ui == {} and minus.state == {}
    with pytest.raises(TypeError, match="shared"):
        b.ui["pos"] = [0, 0]  # an edit in place, past the graph's methods: refused
    with pytest.raises(TypeError, match="shared"):
        minus.attrs.update(axis=1)
    assert all(n.ui == {} and n.state == {} for n in (a, b, minus)) and minus.attrs == {}


def test_copies_of_an_empty_mapping_are_the_copys_own():
    g = ts.Graph()
    a = g.add_node("constant", name="a", value=1.0)
    for mine in (copy.copy(a.ui), copy.deepcopy(a.ui), data_copy(a.ui), dict(a.ui),
                 pickle.loads(pickle.dumps(a.ui))):
        mine["pos"] = [1, 2]
    assert a.ui == {}
    twin = g.copy()
    twin.set_ui("a", pos=[3, 4])
    unpickled = pickle.loads(pickle.dumps(g))
    unpickled.set_ui("a", pos=[5, 6])
    assert a.ui == {} and twin.get_node("a").ui == {"pos": [3, 4]}


def test_a_position_reads_as_it_was_written_and_saves_so():
    g = ts.Graph()
    a = g.add_node("constant", name="a", value=1.0, ui={"pos": [0, 0]})
    b = g.add_node("constant", name="b", value=2.0, ui={"pos": [1.5, -2]})
    c = g.add_node("constant", name="c", value=3.0, ui={"pos": [1, 2], "note": "x"})
    assert a.ui == {"pos": [0, 0]} and [type(v) for v in a.ui["pos"]] == [int, int]
    assert b.ui.get("pos") == [1.5, -2] and dict(b.ui) == {"pos": [1.5, -2]}
    assert repr(b.ui) == "{'pos': [1.5, -2]}" and "pos" in b.ui and len(b.ui) == 1
    mine = data_copy(a.ui)
    mine["pos"][0] = 9  # a copy is an ordinary dict, the copier's own
    a.ui["pos"][0] = 9  # a read gives a new list: it changes nothing
    assert a.ui == {"pos": [0, 0]}
    assert pickle.loads(pickle.dumps(b.ui)) == b.ui
    g.set_ui(a, pos=[3, 4], note="y")
    g.set_ui(c, note=None)
    assert a.ui == {"pos": [3, 4], "note": "y"} and c.ui == {"pos": [1, 2]}
    data = graph_to_dict(g)
    assert [n.get("ui") for n in data["nodes"]] == [{"pos": [3, 4], "note": "y"},
                                                   {"pos": [1.5, -2]}, {"pos": [1, 2]}]
    assert graph_to_dict(graph_from_dict(data)) == data == graph_to_dict(g.copy())


def test_nodes_with_the_same_plain_attributes_share_them():
    g = ts.Graph()
    v, w = (g.add_node("variable", name=n, value=1.0) for n in "vw")
    assert v.attrs is w.attrs and v.attrs == {"trainable": True, "initializer": None}
    with pytest.raises(TypeError, match="shared"):
        v.attrs["trainable"] = False
    g.set_attr(v, "trainable", False)
    assert not v.trainable and w.trainable and g.copy().get_node("w").attrs is w.attrs
    mine = copy.deepcopy(w.attrs)
    mine["trainable"] = False
    assert w.trainable and pickle.loads(pickle.dumps(w.attrs)) == w.attrs


def test_the_ports_of_a_wire_are_read_from_its_consumers_inputs():
    g = ts.Graph()
    x = g.add_node("constant", name="x", value=2.0)
    twice = g.add_node("add", inputs=[x, x], name="twice")
    assert g.ports(x, twice) == [0, 1] and list(g.wires()) == [(x, twice, 0), (x, twice, 1)]
    g.disconnect(twice, 0)
    assert g.nx.has_edge(x, twice) and g.ports(x, twice) == [1]
    g.disconnect(twice, 1)
    assert not g.nx.has_edge(x, twice) and list(g.wires()) == []
    g.connect(x, twice, 0)
    g.connect(x, twice, 1)
    removal = g.remove_nodes([x])
    assert not g.nx.has_edge(x, twice) and twice.input_nodes == [None, None]
    g.reinsert(removal)
    assert g.ports(x, twice) == [0, 1] and ts.Session(g).run(twice) == 4.0
    assert g.nx.nodes[x] == {} and g.nx.edges[x, twice] == {}  # networkx holds no data
    with pytest.raises(TypeError, match="shared"):
        g.nx.add_edge(x, twice, weight=1.0)


def test_neighbours_behave_as_the_dict_they_replace():
    held, expected = Neighbours[str, int](), {}
    steps = [("set", "a", 1), ("set", "a", 2), ("set", "b", 3), ("set", "b", 7), ("set", "a", 8),
             ("set", "c", 4), ("del", "b"), ("set", "f", 9), ("del", "a"), ("set", "d", 5),
             ("del", "c"), ("del", "d"), ("del", "f"), ("set", "e", 6), ("set", "a", 1),
             ("del", "e"), ("set", "b", 2), ("del", "b")]
    for step in steps:
        if step[0] == "set":
            held[step[1]] = expected[step[1]] = step[2]
        else:
            del held[step[1]], expected[step[1]]
        assert list(held.items()) == list(expected.items()) and len(held) == len(expected)
        assert [k in held for k in "abcdef"] == [k in expected for k in "abcdef"]
        assert [held.get(k, 0) for k in "abcdef"] == [expected.get(k, 0) for k in "abcdef"]
    with pytest.raises(KeyError):
        del held["z"]
    with pytest.raises(KeyError):
        held["z"]  # noqa: B018 (the lookup is the test)
    held.update(a=1, b=2)
    with pytest.raises(KeyError):
        del held["z"]
    with pytest.raises(KeyError):
        held["z"]  # noqa: B018 (the lookup is the test)
    assert held["b"] == 2 and repr(held) == "Neighbours({'a': 1, 'b': 2})"


def test_a_chain_of_nodes_takes_a_few_hundred_bytes_a_node():
    """The million-node chain's budget (bench/bench_chain.py: under 1 GiB), on a small one:
    its graph took 1,307 bytes a node before it was made lean (now about 430 here, 515 for a
    million nodes); a first run takes about 400 (350)."""
    nodes = 5_000
    ts.Session(ts.Graph()).run([])  # (what a first run imports is not the chain's)
    tracemalloc.start()
    try:
        with ts.Graph().as_default() as g:
            x = ts.placeholder(shape=[2], name="x")
            last = x
            for _ in range(nodes):
                last = ts.negative(last)
        built = tracemalloc.get_traced_memory()[0]
        session = ts.Session(g)
        assert np.array_equal(session.run(last, {x: np.ones(2)}), np.ones(2))
        ran = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert built / nodes < 600, f"the graph takes {built / nodes:.0f} bytes a node"
    assert (ran - built) / nodes < 500, f"a run takes {(ran - built) / nodes:.0f} bytes a node"


def test_nodes_of_the_same_shape_share_one_tuple():
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [3, 2]})
    v = g.add_node("variable", name="v", value=np.ones((3, 2)))
    total = g.add_node("add", inputs=[x, v], name="total")
    out = g.add_node("tanh", inputs=[total], name="out")
    g.infer_shapes(g.nodes)
    assert g.shape_of(out) == (3, 2)
    assert g.shape_of(v) is g.shape_of(total) is g.shape_of(out)
