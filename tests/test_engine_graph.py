"""The TensorFlow-1-style graph API: default graphs, names, wiring, operators, edits, events."""

import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import engine as ts


def test_a_default_graph_exists_from_import():
    code = "import engine as ts; g = ts.get_default_graph(); print(type(g).__name__, len(g))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout == "Graph 0\n"


def test_as_default_as_a_context_manager_restores_the_previous_default():
    before = ts.get_default_graph()
    with ts.Graph().as_default() as outer:
        assert ts.get_default_graph() is outer
        with ts.Graph().as_default() as inner:
            node = ts.constant(1.0)
            assert ts.get_default_graph() is inner and node.graph is inner
        assert ts.get_default_graph() is outer
    assert ts.get_default_graph() is before


def test_as_default_as_a_statement_makes_the_graph_default():
    before = ts.get_default_graph()
    try:
        g = ts.Graph()
        g.as_default()
        assert ts.get_default_graph() is g
        assert ts.placeholder().graph is g
    finally:
        before.as_default()
    assert ts.get_default_graph() is before


def test_automatic_and_given_names():
    with ts.Graph().as_default() as g:
        a, b = ts.constant(1.0), ts.constant(2.0)
        adds = [a + b, a + b, ts.add(a, b)]
        named = ts.add(a, b, name="z")
        again = ts.add(a, b, name="z")
        scoped = ts.Variable(0.0, name="layer1/w")
    assert [a.name, b.name] == ["constant", "constant_1"]
    assert [n.name for n in adds] == ["add", "add_1", "add_2"]
    assert (named.name, again.name, scoped.name) == ("z", "z_1", "layer1/w")
    assert g.get_node("add_1") is adds[1] and g.get_node(named) is named
    assert "z_1" in g and again in g and "add_9" not in g
    with pytest.raises(KeyError, match="add_9"):
        g.get_node("add_9")
    with pytest.raises(ValueError, match="invalid node name"):
        ts.constant(1.0, name="two words", graph=g)


def test_rename_keeps_names_unique():
    with ts.Graph().as_default() as g:
        a, b = ts.constant(1.0, name="a"), ts.constant(2.0, name="b")
    g.rename(a, "c")
    assert g.get_node("c") is a and "a" not in g and a.name == "c"
    with pytest.raises(ValueError, match="already exists"):
        g.rename(b, "c")
    with pytest.raises(ValueError, match="invalid"):
        g.rename(b, "9lives")
    assert b.name == "b"


def test_input_nodes_and_consumers():
    with ts.Graph().as_default():
        x = ts.placeholder(name="x")
        y = ts.negative(x)
        z = x * y
        w = x + x
    assert z.input_nodes == [x, y] and w.input_nodes == [x, x] and x.input_nodes == []
    assert set(x.consumers) == {y, z, w} and y.consumers == [z] and z.consumers == []
    z.input_nodes.clear()  # a copy: the graph is not changed through it
    assert z.input_nodes == [x, y]


@pytest.mark.parametrize(
    "build, op_type, expected",
    [
        (lambda a, b: a + b, "add", 5.0),
        (lambda a, b: a - b, "subtract", -1.0),
        (lambda a, b: a * b, "multiply", 6.0),
        (lambda a, b: a / b, "divide", 2 / 3),
        (lambda a, b: a @ b, "matmul", 6.0),
        (lambda a, b: -a, "negative", -2.0),
        (lambda a, b: 1 + a, "add", 3.0),
        (lambda a, b: 1 - a, "subtract", -1.0),
        (lambda a, b: 3 * a, "multiply", 6.0),
        (lambda a, b: 1 / a, "divide", 0.5),
        (lambda a, b: [[1.0]] @ a, "matmul", 2.0),
        (lambda a, b: a - 1.5, "subtract", 0.5),
    ],
)
def test_python_operators_build_operations(build, op_type, expected):
    with ts.Graph().as_default() as g:
        a = ts.Variable([[2.0]], name="a")
        b = ts.Variable([[3.0]], name="b")
        node = build(a, b)
    assert isinstance(node, ts.Operation) and node.type == op_type
    assert ts.Session(g).run(node).item() == pytest.approx(expected)


def test_non_node_operands_become_constants():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(name="x")
        y = ts.add(x, [1, 2])
        z = np.float64(2) * x
    const = y.input_nodes[1]
    assert isinstance(const, ts.Constant) and const.graph is g
    assert np.array_equal(const.value, [1, 2])
    assert isinstance(z.input_nodes[0], ts.Constant)
    assert np.array_equal(ts.Session(g).run([y, z], {x: [10, 20]})[0], [11, 22])


def test_nodes_of_different_graphs_are_refused():
    a = ts.constant(1.0, graph=ts.Graph())
    with ts.Graph().as_default() as g:
        b = ts.constant(2.0)
        with pytest.raises(ValueError, match="another graph"):
            a + b
        with pytest.raises(ValueError, match="another graph"):
            ts.add(b, 5.0, name="mixed") + a
    assert [n.name for n in g.nodes] == ["constant", "constant_1", "mixed"]
    with pytest.raises(ValueError, match="another graph"):
        g.add_node("negative", [a])
    with pytest.raises(KeyError):
        g.connect(a, "mixed", 0)


def test_add_node_makes_every_kind():
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [2], "dtype": "float32"},
                   value=[1, 2], ui={"pos": [1, 2]})
    v = g.add_node("variable", name="v", attrs={"trainable": False}, value=[3.0, 4.0])
    c = g.add_node("constant", value=5)
    s = g.add_node("reduce_sum", [x], attrs={"axis": 0})
    loose = g.add_node("add")
    assert isinstance(x, ts.Placeholder) and x.shape == (2,) and x.dtype == "float32"
    assert x.default.dtype == np.float32 and x.ui == {"pos": [1, 2]}
    assert isinstance(v, ts.Variable) and not v.trainable
    assert isinstance(c, ts.Constant) and c.value == 5
    assert s.attrs == {"axis": 0, "keepdims": False}
    assert loose.input_nodes == [None, None]
    with pytest.raises(KeyError, match="unknown op type 'nope'"):
        g.add_node("nope")
    with pytest.raises(ValueError, match="no attribute"):
        g.add_node("add", attrs={"axis": 1})
    assert len(g) == 5


def test_connect_disconnect_and_replace_a_wire():
    g = ts.Graph()
    a, b, c = (g.add_node("constant", name=n, value=i) for i, n in enumerate("abc"))
    add = g.add_node("add", name="sum")
    g.connect(a, add, 0)
    g.connect("b", "sum", "y")
    assert add.input_nodes == [a, b] and g.ports(b, add) == [1]
    g.connect(c, add, "y")  # replaces b
    assert add.input_nodes == [a, c] and not g.nx.has_edge(b, add)
    g.connect(a, add, 1)
    assert g.ports(a, add) == [0, 1] and not g.nx.has_edge(c, add)
    g.disconnect(add, 0)
    assert add.input_nodes == [None, a] and g.ports(a, add) == [1]
    assert list(g.wires()) == [(a, add, 1)]
    g.disconnect(add, 0)  # nothing there: nothing happens
    with pytest.raises(KeyError, match="no input 'z'"):
        g.connect(a, add, "z")
    with pytest.raises(IndexError, match="no input port 2"):
        g.connect(a, add, 2)


def test_remove_node_unwires_it():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(name="x")
        y = ts.negative(x, name="y")
        z = ts.add(y, y, name="z")
    g.remove_node("y")
    assert "y" not in g and y not in g.nx and z.input_nodes == [None, None]
    assert x.consumers == [] and list(g.nx.edges) == []


def test_set_attr_and_set_value_validate():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[2], name="x", default=[1.0, 2.0])
        v = ts.Variable([1.0], name="v")
        s = ts.reduce_sum(v, name="s")
    g.set_attr(s, "keepdims", True)
    assert s.attrs["keepdims"] is True
    with pytest.raises(ValueError, match="keepdims"):
        g.set_attr(s, "keepdims", "yes")
    with pytest.raises(ValueError, match="does not fit"):
        g.set_attr(x, "shape", [3])  # the default would no longer fit
    assert x.shape == (2,)
    with pytest.raises(ValueError, match="does not fit"):
        g.set_value(x, [1.0, 2.0, 3.0])
    g.set_value(x, None)
    assert x.default is None
    v.value = [[5.0]]
    assert v.value.shape == (1, 1)
    with pytest.raises(TypeError, match="no value"):
        g.set_value(s, 1.0)


def test_listeners_hear_every_change_and_are_held_weakly():
    class Recorder:
        def __init__(self):
            self.events = []

        def __call__(self, event):
            self.events.append((event.kind, event.node.name, event.port))

        def method(self, event):
            self.__call__(event)

    g = ts.Graph()
    recorder = Recorder()
    g.subscribe(recorder.method)
    x = g.add_node("placeholder", name="x")
    n = g.add_node("negative", [x], name="n")
    version = g.version
    g.set_value(x, [1.0])
    g.set_ui(n, pos=[1, 2])
    g.rename(n, "m")
    assert g.version == version  # values, positions and names do not change what runs
    g.disconnect(n, 0)
    assert g.version == version + 1
    assert recorder.events == [
        ("node_added", "x", None), ("node_added", "n", None), ("edge_added", "n", 0),
        ("value_changed", "x", None), ("ui_changed", "n", None), ("renamed", "m", None),
        ("edge_removed", "m", 0),
    ]
    alive = weakref.ref(recorder)
    del recorder
    assert alive() is None  # the graph does not keep its listeners alive
    g.set_ui(n, pos=[0, 0])


def test_unsubscribed_listeners_hear_nothing_more():
    class Recorder:
        def __init__(self):
            self.kinds = []

        def method(self, event):
            self.kinds.append(event.kind)

    g = ts.Graph()
    first, second, heard = Recorder(), Recorder(), []

    def function(event):
        heard.append(event.kind)

    for listener in (first.method, second.method, function):
        g.subscribe(listener)
    g.add_node("placeholder", name="x")
    g.unsubscribe(first.method)
    g.unsubscribe(function)
    g.set_ui("x", pos=[1, 2])
    assert first.kinds == ["node_added"] and second.kinds == ["node_added", "ui_changed"]
    assert heard == ["node_added"]


def test_assign_many_sets_every_value_before_listeners_hear_of_each():
    g = ts.Graph()
    a = g.add_node("variable", name="a", value=[1.0, 2.0])
    b = g.add_node("variable", name="b", value=3.0)
    total = g.add_node("reduce_sum", [g.add_node("multiply", [a, b])], name="total")
    session = ts.Session(g)
    assert session.run(total) == 9.0
    assert g.shape_of(total) == ()
    heard = []

    def listener(event):
        heard.append((event.kind, event.node.name, a.value.tolist(), b.value.tolist()))

    g.subscribe(listener)
    version = g.version
    g.assign_many([(a, np.array([2.0, 4.0])), (b, np.array(0.5))])
    assert heard == [("value_changed", "a", [2.0, 4.0], 0.5),
                     ("value_changed", "b", [2.0, 4.0], 0.5)]
    assert g.version == version
    assert session.run(total) == 3.0  # both cones were invalidated
    g.assign_many([(a, np.array([1.0, 1.0, 1.0]))])  # a new shape: shapes are inferred again
    assert g.shape_of(a) == (3,) and session.run(total) == 1.5


def test_rename_keeps_the_node_in_its_place_and_removed_nodes_go_back_to_theirs():
    g = ts.Graph()
    for name in "abcde":
        g.add_node("constant", name=name, value=0.0)
    g.rename("b", "B")
    assert [n.name for n in g.nodes] == ["a", "B", "c", "d", "e"]
    places = g.places_of(["a", "d"])
    assert places == {"a": 0, "d": 3}
    g.remove_node("a")
    g.remove_node("d")
    g.add_node("constant", name="d", value=0.0)
    g.add_node("constant", name="a", value=0.0)
    g.restore_places(places)
    assert [n.name for n in g.nodes] == ["a", "B", "c", "d", "e"]
