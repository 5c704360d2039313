"""Each node computed once per run, and after a change only the downstream cone is recomputed.

Computes are counted with test-only op types registered for the duration of a test.
"""

from collections import Counter

import numpy as np
import pytest

import engine as ts
from engine import registry, shapes
from engine import session as session_module
from engine.builders import builder
from engine.ops import attrs


@pytest.fixture
def computed():
    """A Counter of computes by node name, filled by the op types ``count_add``, ``count_neg``
    (attribute ``k``: it returns ``-k·x``) and the stateful ``count_tick``."""
    counts = Counter()

    def add(ctx, x, y):
        counts[ctx.node.name] += 1
        return x + y

    def neg(ctx, x, k=1.0):
        counts[ctx.node.name] += 1
        return -k * x

    defs = [
        ts.OpDef(type="count_add", inputs=("x", "y"), compute=add, shape=shapes.broadcast,
                 category="Test", doc="x + y, counted.", context=True),
        ts.OpDef(type="count_neg", inputs=("x",), compute=neg, shape=shapes.same,
                 category="Test", doc="-k·x, counted.", context=True,
                 attrs={"k": ts.Attr(1.0, attrs.number)}),
        ts.OpDef(type="count_tick", inputs=("x",), compute=neg, shape=shapes.same,
                 category="Test", doc="-x, counted, run every time.", context=True,
                 stateful=True),
    ]
    for opdef in defs:
        registry.register(opdef)
    yield counts
    for opdef in defs:
        registry.unregister(opdef.type)


def take(counts: Counter) -> set[str]:
    """The names computed since the last call."""
    names = set(counts)
    assert all(n == 1 for n in counts.values()), counts  # each node at most once per run
    counts.clear()
    return names


def test_a_diamond_forty_levels_deep_computes_each_node_once(computed):
    g = ts.Graph()
    node = x = g.add_node("placeholder", name="x", value=1.0)
    for _ in range(40):
        node = g.add_node("count_add", [node, node])
    s = ts.Session(g)
    assert s.run(node) == 2.0**40
    assert len(computed) == 40 and take(computed) == {n.name for n in g.nodes} - {"x"}
    assert s.run(node, {x: 3.0}) == 3 * 2.0**40
    assert len(take(computed)) == 40


def test_builders_of_registered_ops_work_too(computed):
    """A node of a test op built through the generic builder takes the op's attributes."""
    count_neg = builder(registry.get_op("count_neg"))
    with ts.Graph().as_default() as g:
        node = count_neg(ts.constant(2.0), k=3.0, name="n")
    assert ts.Session(g).run(node) == -6.0 and take(computed) == {"n"}


@pytest.fixture
def network(computed):
    """v ─ a ─┐
    p ─ b ─ c ─ e      w ─ d ─┘ (into e)"""
    g = ts.Graph()
    v = g.add_node("variable", name="v", value=[1.0, 2.0])
    p = g.add_node("placeholder", name="p", value=[10.0, 20.0])
    w = g.add_node("variable", name="w", value=[100.0, 200.0])
    a = g.add_node("count_neg", [v], name="a")
    b = g.add_node("count_neg", [p], name="b")
    c = g.add_node("count_add", [a, b], name="c")
    d = g.add_node("count_neg", [w], name="d")
    e = g.add_node("count_add", [c, d], name="e")
    s = ts.Session(g)
    assert np.array_equal(s.run(e), [-111.0, -222.0])
    assert take(computed) == {"a", "b", "c", "d", "e"}
    return g, s, computed


def test_running_again_computes_nothing(network):
    g, s, computed = network
    assert np.array_equal(s.run("e"), [-111.0, -222.0])
    assert np.array_equal(s.run(["c", "e", "a"])[0], [-11.0, -22.0])
    assert take(computed) == set()


def test_a_variable_change_recomputes_its_cone(network):
    g, s, computed = network
    g.set_value("v", [2.0, 3.0])
    assert np.array_equal(s.run("e"), [-112.0, -223.0])
    assert take(computed) == {"a", "c", "e"}
    g.assign(g.get_node("w"), np.array([0.0, 0.0]))
    assert np.array_equal(s.run("e"), [-12.0, -23.0])
    assert take(computed) == {"d", "e"}


def test_changes_to_several_nodes_recompute_their_cones_once(network, monkeypatch):
    g, s, computed = network
    g.set_value("v", [2.0, 3.0])
    g.assign(g.get_node("w"), np.array([0.0, 0.0]))
    assert np.array_equal(s.run("e"), [-12.0, -23.0])
    assert take(computed) == {"a", "c", "d", "e"}
    monkeypatch.setattr(session_module, "MAX_CONES", 2)  # a full cache starts afresh
    for name, value in [("v", [1.0, 1.0]), ("p", [0.0, 0.0]), ("w", [1.0, 1.0])]:
        g.set_value(name, value)
        g.set_value("v", [1.0, 2.0])
        assert np.array_equal(s.run("e"), ts.Session(g).run("e"))
    assert len(s._cones) <= 2


def test_a_placeholder_default_change_recomputes_its_cone(network):
    g, s, computed = network
    g.get_node("p").default = [0.0, 0.0]
    assert np.array_equal(s.run("e"), [-101.0, -202.0])
    assert take(computed) == {"b", "c", "e"}


def test_feeds_recompute_only_when_they_change(network):
    g, s, computed = network
    s.run("e", {"p": [0.0, 0.0]})
    assert take(computed) == {"b", "c", "e"}
    s.run("e", {"p": np.array([0.0, 0.0])})  # the same feed again
    assert take(computed) == set()
    s.run("e", {"p": [0.0, 1.0]})
    assert take(computed) == {"b", "c", "e"}
    s.run("e", {"p": [0.0, 1.0]})
    assert take(computed) == set()
    assert np.array_equal(s.run("e"), [-111.0, -222.0])  # unfed: back to the default
    assert take(computed) == {"b", "c", "e"}


def test_a_nan_feed_repeated_is_the_same_feed(network):
    g, s, computed = network
    s.run("e", {"p": [np.nan, 0.0]})
    take(computed)
    s.run("e", {"p": [np.nan, 0.0]})
    assert take(computed) == set()


def test_rewiring_recomputes_the_rewired_node_and_below(network):
    g, s, computed = network
    g.connect("d", "c", 1)  # c = a + d
    assert np.array_equal(s.run("e"), [-201.0, -402.0])
    assert take(computed) == {"c", "e"}
    g.disconnect("e", 1)
    g.connect("a", "e", 1)  # e = c + a
    assert np.array_equal(s.run("e"), [-102.0, -204.0])
    assert take(computed) == {"e"}


def test_an_attribute_change_recomputes_its_cone(network):
    g, s, computed = network
    g.set_attr("a", "k", 2.0)
    assert np.array_equal(s.run("e"), [-112.0, -224.0])
    assert take(computed) == {"a", "c", "e"}


def test_names_positions_and_new_nodes_recompute_nothing(network):
    g, s, computed = network
    g.rename("c", "sum")
    g.set_ui("e", pos=[10, 20])
    extra = g.add_node("count_neg", [g.get_node("e")], name="extra")
    assert np.array_equal(s.run("e"), [-111.0, -222.0])
    assert take(computed) == set()
    assert np.array_equal(s.run(extra), [111.0, 222.0])
    assert take(computed) == {"extra"}
    g.remove_node("extra")
    s.run("e")
    assert take(computed) == set()


def test_fetching_a_node_computes_only_its_ancestors(network):
    g, s, computed = network
    g.set_value("v", [0.0, 0.0])
    g.set_value("w", [0.0, 0.0])
    s.run("a")
    assert take(computed) == {"a"}
    s.run("e")
    assert take(computed) == {"c", "d", "e"}


def test_sessions_on_one_graph_keep_their_own_values(network):
    g, s, computed = network
    other = ts.Session(g)
    other.run("e", {"p": [0.0, 0.0]})
    assert take(computed) == {"a", "b", "c", "d", "e"}
    g.set_value("w", [0.0, 0.0])
    assert np.array_equal(s.run("e"), [-11.0, -22.0])
    assert take(computed) == {"d", "e"}
    assert np.array_equal(other.run("e", {"p": [0.0, 0.0]}), [-1.0, -2.0])
    assert take(computed) == {"d", "e"}


def test_a_stateful_op_runs_every_time(computed):
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", value=1.0)
    tick = g.add_node("count_tick", [x], name="tick")
    after = g.add_node("count_neg", [tick], name="after")
    s = ts.Session(g)
    for _ in range(3):
        assert s.run(after) == 1.0
        assert take(computed) == {"tick", "after"}
