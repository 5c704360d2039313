"""The error hierarchy: each error class, its message naming the node, and clean recovery."""

import numpy as np
import pytest

import engine as ts


@pytest.mark.parametrize(
    "cls", [ts.CycleError, ts.ShapeError, ts.FeedError, ts.EvaluationError, ts.FileFormatError]
)
def test_every_error_is_an_engine_error_carrying_a_node(cls):
    error = cls("something broke", node="n")
    assert isinstance(error, ts.EngineError) and error.node == "n"
    assert str(error) == "something broke" and cls("x").node is None


def chain():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(name="x")
        a = ts.negative(x, name="a")
        b = ts.exp(a, name="b")
        c = ts.add(a, b, name="c")
    return g, x, a, b, c


def test_a_wire_closing_a_cycle_is_refused_naming_the_loop():
    g, x, a, b, c = chain()
    with pytest.raises(ts.CycleError) as info:
        g.connect(c, a, 0)
    assert str(info.value) == "wiring c into a would close a cycle: c → a → c"
    assert info.value.node == "a"
    with pytest.raises(ts.CycleError, match="b → a → b"):
        g.connect(b, a, "x")
    assert a.input_nodes == [x] and not g.nx.has_edge(c, a)  # nothing changed


def test_a_self_loop_is_a_cycle():
    g, x, a, b, c = chain()
    with pytest.raises(ts.CycleError, match="wiring b into b would close a cycle: b → b"):
        g.connect(b, b, 0)
    assert b.input_nodes == [a]


def test_a_shape_error_names_node_and_input_shapes():
    with ts.Graph().as_default() as g:
        p = ts.matmul(ts.placeholder(shape=[2, 3]), ts.placeholder(shape=[2, 3]), name="p")
    with pytest.raises(ts.ShapeError, match=r"^p: shapes \(2,3\) and \(2,3\) not aligned$") as info:
        g.shape_of(p)
    assert info.value.node == "p"


def feed_error(feeds, fetch="c") -> ts.FeedError:
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[2], name="x")
        i = ts.placeholder(shape=[None], dtype="int32", name="i")
        ts.add(x, ts.negative(x, name="a"), name="c")
        ts.add(i, 1, name="j")
    with pytest.raises(ts.FeedError) as info:
        ts.Session(g).run(fetch, {g.get_node(k) if k in "xi" else k: v for k, v in feeds.items()})
    return info.value


@pytest.mark.parametrize(
    "feeds, fetch, message, node",
    [
        ({}, "c", "placeholder 'x' needs a value: feed it or give it a default", "x"),
        ({"x": [1.0, 2.0, 3.0]}, "c",
         "cannot feed x: a value of shape (3,) does not fit shape (2,)", "x"),
        ({"x": [[1.0, 2.0]]}, "c", "cannot feed x: a value of shape (1,2) does not fit shape (2,)",
         "x"),
        ({"i": [1.5]}, "j", "cannot feed i: a float64 value does not convert to int32", "i"),
        ({"i": ["one"]}, "j", "cannot feed i: not a numeric tensor", "i"),
        ({"x": [1.0, 2.0], "a": [0.0, 0.0]}, "c", "cannot feed a (negative): only placeholders "
         "are fed", "a"),
        ({"nope": 1}, "c", "cannot feed 'nope': no node named 'nope' in the graph", None),
    ],
)
def test_feed_errors_name_the_placeholder(feeds, fetch, message, node):
    error = feed_error(feeds, fetch)
    assert str(error).startswith(message)
    assert error.node == node


def test_int_feeds_fit_float_placeholders_but_not_the_reverse():
    with ts.Graph().as_default() as g:
        f = ts.placeholder(dtype="float32", name="f")
        i = ts.placeholder(dtype="int32", name="i")
    s = ts.Session(g)
    assert s.run(f, {f: [1, 2]}).dtype == np.float32
    assert s.run(i, {i: np.array([1, 2], dtype=np.int64)}).dtype == np.int32
    with pytest.raises(ts.FeedError, match="float32 value does not convert to int32"):
        s.run(i, {i: np.float32(1)})


def test_a_failing_op_names_itself_its_type_and_its_input_shapes():
    with ts.Graph().as_default() as g:
        a = ts.placeholder(name="a")
        b = ts.placeholder(name="b")
        p = ts.matmul(a, b, name="product")
        out = ts.tanh(p, name="out")
    with pytest.raises(ts.EvaluationError) as info:
        ts.Session(g).run(out, {a: np.ones((2, 3)), b: np.ones((2, 3))})
    assert str(info.value).startswith("product (matmul) failed on inputs of shape (2,3), (2,3): ")
    assert info.value.node == "product"
    assert isinstance(info.value.__cause__, ValueError)


def test_an_unwired_input_is_an_evaluation_error():
    g = ts.Graph()
    half = g.add_node("add", [g.add_node("constant", value=1.0)], name="half")
    with pytest.raises(ts.EvaluationError, match="half: input 'y' is not connected") as info:
        ts.Session(g).run(half)
    assert info.value.node == "half"


def test_a_file_format_error_names_the_place(tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{"format": "tensor-canvas-graph", "format_version": 1,\n'
                    ' "nodes": [{"name": 3}]}')
    with pytest.raises(ts.FileFormatError, match=r"g\.json: nodes\[0\]\.name: expected a string"):
        ts.load_graph(path)


def test_a_failed_run_leaves_nothing_half_updated():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(name="x", default=[1.0, 1.0])
        w = ts.Variable([[1.0, 2.0]], name="w")
        h = ts.negative(x, name="h")
        y = ts.matmul(w, h, name="y")
        z = ts.add(y, h, name="z")
    s = ts.Session(g)
    assert np.array_equal(s.run(z), [-4.0, -4.0])
    w.value = [[1.0, 2.0, 3.0]]
    with pytest.raises(ts.EvaluationError, match="y \\(matmul\\)"):
        s.run(z, {x: [2.0, 3.0]})  # h is recomputed with the new feed before y fails
    w.value = [[1.0, 1.0]]
    assert np.array_equal(s.run(z, {x: [2.0, 3.0]}), [-7.0, -8.0])
    assert np.array_equal(s.run(z), [-3.0, -3.0])  # back to the default
    with pytest.raises(ts.FeedError):
        s.run(z, {x: [1.0, 2.0, 3.0, 4.0], "w": 1})
    assert np.array_equal(s.run([h, z]), [[-1.0, -1.0], [-3.0, -3.0]])


def test_a_failed_run_keeps_deferred_side_effects_back():
    calls = []

    def compute(ctx, x):
        ctx.defer(lambda: calls.append(ctx.node.name))
        return x

    ts.register(ts.OpDef(type="test_defer", inputs=("x",), compute=compute, shape=None,
                         category="Test", doc="Test op with a deferred side effect.",
                         context=True))
    try:
        g = ts.Graph()
        x = g.add_node("placeholder", name="x")
        marked = g.add_node("test_defer", [x], name="marked")
        bad = g.add_node("log", [marked], name="bad")
        out = g.add_node("matmul", [bad, marked], name="out")
        s = ts.Session(g)
        with pytest.raises(ts.EvaluationError):
            s.run(out, {x: [[1.0, 2.0]]})
        assert calls == []
        s.run(out, {x: [1.0, 2.0]})
        assert calls == ["marked"]
    finally:
        ts.registry.unregister("test_defer")
