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


def test_a_fed_negative_zero_is_a_new_feed():
    """Feeds are compared bit for bit: 1 ÷ -0.0 is -inf, as a fresh session computes it."""
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [2], "dtype": "float64"})
    y = g.add_node("reciprocal", [x], name="y")
    s = ts.Session(g)
    assert s.run(y, {x: [0.0, 1.0]}).tolist() == [np.inf, 1.0]
    assert s.run(y, {x: [-0.0, 1.0]}).tolist() == [-np.inf, 1.0]


def test_a_big_feed_repeated_is_the_same_feed_and_one_bit_changed_is_not(computed):
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [None, 3], "dtype": "float64"})
    y = g.add_node("count_neg", [x], name="y")
    s = ts.Session(g)
    big = np.zeros((1000, 3))
    s.run(y, {x: big})
    s.run(y, {x: big.copy()})
    s.run(y, {x: np.asfortranarray(big)})  # (the same values, laid out otherwise)
    assert take(computed) == {"y"}
    big[999, 2] = -0.0
    assert not np.signbit(s.run(y, {x: big})[999, 2])  # -1 · -0.0 is 0.0, computed anew
    assert take(computed) == {"y"}


def _bits(value) -> tuple:
    """A value's dtype, shape and bytes: equal only when every bit is."""
    array = np.asarray(value)
    return array.dtype, array.shape, array.tobytes()


def _fresh(g, fetches, feeds):
    """What a new, interpreted session computes (or the message it fails with)."""
    try:
        return [_bits(v) for v in ts.Session(g, compiled=False).run(fetches, feeds)]
    except ts.EngineError as error:
        return str(error)


def _run(s, fetches, feeds):
    """What session ``s`` computes now (or the message it fails with)."""
    try:
        return [_bits(v) for v in s.run(fetches, feeds)]
    except ts.EngineError as error:
        return str(error)


def test_a_change_repeated_takes_its_kept_steps_until_an_edit_changes_them(computed):
    """A variable changed again and again recomputes its cone each time (from the second time
    by the steps kept for it, compiled); the values dropped, a new wire, an attribute, a removed
    node or a refused run between two changes leaves the next run as a fresh session computes
    it."""
    g = ts.Graph()
    v = g.add_node("variable", name="v", value=[1.0, 2.0])
    w = g.add_node("variable", name="w", value=[3.0, 4.0])
    a = g.add_node("count_neg", [v], name="a")
    b = g.add_node("count_add", [a, w], name="b")
    c = g.add_node("count_neg", [b], name="c")
    d = g.add_node("count_neg", [w], name="d")
    s = ts.Session(g)
    fetches = [c, d]
    s.run(fetches)
    take(computed)

    def change(value, cone):
        g.set_value(v, value)
        got = _run(s, fetches, {})
        assert take(computed) == cone
        assert got == _fresh(g, fetches, {})
        computed.clear()

    for i in range(4):
        change([float(i), 1.0], {"a", "b", "c"})
    s.close()  # every value dropped
    change([4.0, 1.0], {"a", "b", "c", "d"})
    g.connect(d, b, 1)  # b = a + d
    change([5.0, 5.0], {"a", "b", "c"})
    g.set_attr(a, "k", 3.0)
    change([6.0, 6.0], {"a", "b", "c"})
    g.remove_node(d)
    fetches = [c]
    change([7.0, 7.0], set())  # b's input is gone: refused as a fresh session refuses it
    g.connect(w, b, 1)
    change([8.0, 8.0], {"a", "b", "c"})
    g.set_value(w, [np.inf, 1.0])
    change([-np.inf, 1.0], {"a", "b", "c"})  # inf - inf: nan, as a fresh session has it


@pytest.mark.parametrize("seed", range(3))
def test_random_edits_leave_every_run_as_a_fresh_session_computes_it(seed, computed):
    """Random graphs, random edits (values, feeds, wires, attributes, nodes added and removed)
    and after each, runs of a few fetch lists: every value bit for bit as a new interpreted
    session's, every failure with its message."""
    rng = np.random.default_rng(seed)
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [3], "dtype": "float64"})
    sources = [x] + [g.add_node("variable", name=f"w{i}", value=rng.normal(size=3))
                     for i in range(3)]
    nodes = list(sources)
    unary, binary = ("tanh", "sigmoid", "count_neg", "negative"), ("add", "multiply", "count_add")

    def add_node():
        if rng.random() < 0.5:
            op, args = unary[rng.integers(4)], [nodes[rng.integers(len(nodes))]]
        else:
            op = binary[rng.integers(3)]
            args = [nodes[rng.integers(len(nodes))], nodes[rng.integers(max(0, len(nodes) - 6),
                                                                      len(nodes))]]
        nodes.append(g.add_node(op, args, name=f"n{len(nodes)}"))

    for _ in range(25):
        add_node()
    s = ts.Session(g)
    feeds = {x: rng.normal(size=3)}
    for _ in range(60):
        kind = rng.integers(8)
        made = nodes[len(sources):]
        if kind <= 2:  # most often: a variable changed (often the same one again)
            g.set_value(sources[1 + min(rng.integers(5), 2)], rng.normal(size=3))
        elif kind == 3:
            feeds = {x: rng.choice([rng.normal(size=3), np.array([-0.0, 0.0, 1.0]),
                                    np.array([0.0, 0.0, 1.0]), feeds[x]])}
        elif kind == 4 and made:  # a new wire from an earlier node (no cycle)
            node = made[rng.integers(len(made))]
            port = int(rng.integers(len(node.inputs)))
            g.connect(nodes[rng.integers(nodes.index(node))], node, port)
        elif kind == 5 and made:
            node = made[rng.integers(len(made))]
            if node.type == "count_neg":
                g.set_attr(node, "k", float(rng.integers(1, 4)))
            elif rng.random() < 0.3:  # removed: its consumers fail until rewired
                g.remove_node(node)
                nodes.remove(node)
        elif kind == 6:
            add_node()
        last = nodes[-1]
        for fetches in ([last], [nodes[len(nodes) // 2], last], [nodes[len(nodes) // 3]]):
            for _ in range(2):
                assert _run(s, fetches, feeds) == _fresh(g, fetches, feeds)


def test_a_run_that_failed_midway_is_followed_by_a_whole_one():
    """x + w fails for a feed of another length, before tanh(x) is computed; w changed to fit
    (a change seen before), the next run computes every step the failed one left, as a fresh
    session does."""
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [None], "dtype": "float64"})
    w = g.add_node("variable", name="w", value=[1.0, 2.0])
    p = g.add_node("add", [x, w], name="p")
    out = g.add_node("add", [p, g.add_node("tanh", [x], name="q")], name="out")
    s = ts.Session(g)
    for value in ([1.0, 2.0], [2.0, 3.0], [3.0, 4.0]):  # w's steps kept (and compiled)
        g.set_value(w, value)
        s.run(out, {x: [0.0, 1.0]})
    with pytest.raises(ts.EvaluationError) as error:
        s.run(out, {x: [0.0, 1.0, 2.0]})
    assert error.value.node == "p"
    g.set_value(w, [1.0, 2.0, 3.0])
    assert _run(s, [out], {x: [0.0, 1.0, 2.0]}) == _fresh(g, [out], {x: [0.0, 1.0, 2.0]})


def test_a_long_cone_among_other_slots_is_recomputed_whole(computed):
    """A chain of 120 ops from x, every 40th also reading a variable (whose slot lies between
    the chain's: the cone's slots make ranges): changing x recomputes all 120, changing a
    variable the ops after it — each time as a fresh session computes them."""
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [2], "dtype": "float64"})
    node, variables = x, []
    for i in range(120):
        if i % 40 == 20:
            variables.append(g.add_node("variable", name=f"w{i}", value=[1.0, -1.0]))
            node = g.add_node("count_add", [node, variables[-1]], name=f"n{i}")
        else:
            node = g.add_node("count_neg", [node], name=f"n{i}", attrs={"k": 0.5})
    s = ts.Session(g)
    for value in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]):
        got = _run(s, [node], {x: value})
        assert len(take(computed)) == 120
        assert got == _fresh(g, [node], {x: value})
        computed.clear()
    g.set_value(variables[1], [2.0, 2.0])
    got = _run(s, [node], {x: [5.0, 6.0]})
    assert take(computed) == {f"n{i}" for i in range(60, 120)}
    assert got == _fresh(g, [node], {x: [5.0, 6.0]})
