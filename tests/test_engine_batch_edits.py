"""Removing many nodes and putting them back in one go (what delete and its undo do)."""

import numpy as np
import pytest

import engine as ts
from engine.io import dumps, graph_to_dict


def example() -> ts.Graph:
    """x → y = W @ x + b → z = tanh(y), and t = train step on sum(z)."""
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [2], "dtype": "float64"},
                   value=[1.0, 2.0])
    W = g.add_node("variable", name="W", value=[[1.0, 0.0], [0.0, -1.0]])
    b = g.add_node("variable", name="b", value=[0.5, 0.5])
    y = g.add_node("add", [g.add_node("matmul", [W, x], name="Wx"), b], name="y")
    z = g.add_node("tanh", [y], name="z")
    loss = g.add_node("reduce_sum", [z], name="loss")
    g.add_node("minimize", [loss], name="t", attrs={"optimizer": "adam"})
    g.set_ui("Wx", pos=[10, 20])
    return g


def text(g: ts.Graph) -> str:
    return dumps(graph_to_dict(g))


def test_removed_nodes_go_back_as_they_were_with_their_wires_and_places():
    g = example()
    ts.Session(g).run("t")  # the train node keeps its optimizer state
    before, version = text(g), g.version
    session = ts.Session(g)
    value = session.run("z")
    assert g.shape_of("loss") == ()
    nodes = [g.get_node(n) for n in ("W", "y", "t")]
    removal = g.remove_nodes(nodes)
    assert [n.name for n in g] == ["x", "b", "Wx", "z", "loss"]
    assert g.get_node("z").inputs == [None] and g.get_node("Wx").inputs == [None, g.get_node("x")]
    assert g.version > version
    with pytest.raises(ts.ShapeError, match="not connected"):
        g.shape_of("loss")
    g.reinsert(removal)
    assert text(g) == before
    assert [g.get_node(n) for n in ("W", "y", "t")] == nodes  # the very nodes
    assert g.shape_of("loss") == () and np.allclose(session.run("z"), value)


def test_listeners_hear_a_batch_at_once_and_in_order():
    g = example()
    one_by_one, batches = [], []

    def each(event):  # (listeners are held weakly: these live as long as the test)
        one_by_one.append(event.kind)

    def batch(events):
        batches.append([(e.kind, e.node.name) for e in events])

    g.subscribe(each)
    g.subscribe(batch, batched=True)
    y = g.get_node("y")
    removal = g.remove_nodes([y])
    assert batches == [[("edge_removed", "z"), ("edge_removed", "y"), ("edge_removed", "y"),
                        ("node_removed", "y")]]
    assert one_by_one == [kind for kind, _ in batches[0]]
    batches.clear()
    g.reinsert(removal)
    assert batches == [[("node_added", "y"), ("edge_added", "z"), ("edge_added", "y"),
                        ("edge_added", "y")]]
    g.set_ui("x", pos=[1, 1])
    assert batches[-1] == [("ui_changed", "x")]  # a single change: a list of one


def test_what_cannot_go_back_is_refused_before_anything_changes():
    g = example()
    y = g.get_node("y")
    removal = g.remove_nodes([y])
    before = text(g)
    g.add_node("constant", name="y", value=1.0)  # its name is taken
    with pytest.raises(ValueError, match="a node named 'y' already exists"):
        g.reinsert(removal)
    g.remove_node("y")
    g.connect("x", "z", 0)  # a port it fed is wired again
    with pytest.raises(ValueError, match="input 0 of z .tanh. is not free"):
        g.reinsert(removal)
    g.disconnect("z", 0)
    other = example()
    with pytest.raises(ValueError, match="not a node removed from this graph"):
        g.reinsert(other.remove_nodes(["y"]))
    with pytest.raises(ValueError, match="a node named 'z' already exists"):
        g.reinsert(removal._replace(nodes=[g.get_node("z")], wires=[]))  # still in it
    assert text(g) == before
    g.reinsert(removal)
    assert g.get_node("z").inputs[0] is y


def test_shapes_after_a_reinsert_are_right_and_follow_later_changes():
    g = example()
    assert g.shape_of("loss") == ()
    removal = g.remove_nodes(["y", "loss"])  # z, between them, stays
    with pytest.raises(ts.ShapeError, match="not connected"):
        g.shape_of("z")
    g.reinsert(removal)
    assert g.take_reshaped() >= {g.get_node("z")}  # its shape is news again
    assert (g.shape_of("y"), g.shape_of("z"), g.shape_of("loss")) == ((2,), (2,), ())
    g.set_value("b", [0.5, 0.5, 0.5])  # below y, z and loss now: 2 and 3 do not fit
    for name in ("y", "z", "loss"):
        with pytest.raises(ts.ShapeError, match="y"):
            g.shape_of(name)


def test_a_change_between_removal_and_reinsert_is_seen_in_the_shapes():
    g = example()
    g.set_value("b", [0.5, 0.5, 0.5])
    with pytest.raises(ts.ShapeError, match=r"^y: shapes \(2,\) and \(3,\)"):
        g.shape_of("z")  # (z is blocked by y)
    removal = g.remove_nodes(["z"])
    g.rename("y", "h")
    g.reinsert(removal)
    with pytest.raises(ts.ShapeError, match=r"^h: shapes \(2,\) and \(3,\)"):
        g.shape_of("z")  # named as it is now
