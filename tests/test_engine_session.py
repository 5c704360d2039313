"""Session.run: fetch structures, feeds, read-only results, and a graph 100,000 nodes deep
(a million: bench/bench_chain.py)."""

import gc
import weakref

import numpy as np
import pytest

import engine as ts


@pytest.fixture
def affine():
    with ts.Graph().as_default() as g:
        A = ts.Variable([[1.0, 0.0], [0.0, -1.0]], name="A")
        b = ts.Variable([1.0, 1.0], name="b")
        x = ts.placeholder(shape=[2], name="x", default=[1.0, 2.0])
        y = ts.matmul(A, x, name="y")
        z = ts.add(y, b, name="z")
    return g, x, y, z


def same(a, b):
    """Equal structures of equal arrays."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return np.array_equal(a, b)


def test_fetches_keep_their_structure(affine):
    g, x, y, z = affine
    s = ts.Session(g)
    Y, Z = np.array([1.0, -2.0]), np.array([2.0, -1.0])
    assert same(s.run(z), Z) and same(s.run("y"), Y)
    assert same(s.run([z, "y"]), [Z, Y])
    assert same(s.run((y,)), (Y,))
    assert same(s.run({"out": z, "mid": [y, (x,)]}), {"out": Z, "mid": [Y, (x.default,)]})
    assert same(s.run([[z, z], {}]), [[Z, Z], {}])
    assert same(s.run([]), [])


def test_feeds_by_node_or_by_name(affine):
    g, x, y, z = affine
    s = ts.Session(g)
    assert same(s.run(z, {x: [3, 4]}), [4.0, -3.0])
    assert same(s.run(z, {"x": np.array([5.0, 6.0])}), [6.0, -5.0])
    assert same(s.run(z), [2.0, -1.0])  # unfed: the default again


def test_a_session_defaults_to_the_default_graph():
    with ts.Graph().as_default():
        node = ts.constant(3.0) * 2.0
        assert ts.Session().run(node) == 6.0


def test_results_are_read_only_and_the_cache_is_safe(affine):
    g, x, y, z = affine
    s = ts.Session(g)
    out = s.run(z)
    with pytest.raises(ValueError, match="read-only"):
        out[0] = 99.0
    fed = np.array([3.0, 4.0])
    assert same(s.run(z, {x: fed}), [4.0, -3.0])
    fed[:] = [0.0, 0.0]  # the session took a copy: changing the array is a new feed
    assert same(s.run(z, {x: fed}), [1.0, 1.0])
    assert same(s.run(x, {x: fed}), [0.0, 0.0]) and fed.flags.writeable


def test_fetching_something_else_is_a_clear_error(affine):
    g, *_ = affine
    with pytest.raises(KeyError, match="no node named 'nope'"):
        ts.Session(g).run("nope")
    with pytest.raises(TypeError, match="cannot fetch 3"):
        ts.Session(g).run(3)
    with pytest.raises(KeyError, match="not in this graph"):
        ts.Session(g).run(ts.constant(1.0, graph=ts.Graph()))


def test_an_op_with_three_inputs():
    ts.register(ts.OpDef(type="test_fma", inputs=("a", "b", "c"), compute=lambda a, b, c: a * b + c,
                         shape=None, category="Test", doc="a · b + c."))
    try:
        g = ts.Graph()
        nodes = [g.add_node("constant", value=v) for v in (2.0, 3.0, 4.0)]
        fma = g.add_node("test_fma", nodes)
        assert ts.Session(g).run(fma) == 10.0
        with g.as_default():  # registered after import, it has a builder as the others do
            built = ts.test_fma(*nodes, name="built")
        assert built.type == "test_fma" and ts.Session(g).run(built) == 10.0
    finally:
        ts.registry.unregister("test_fma")
    with pytest.raises(AttributeError, match="no attribute 'test_fma'"):
        ts.test_fma  # noqa: B018 — gone with its op type
    with pytest.raises(AttributeError, match="a variable is made with its class"):
        ts.variable  # noqa: B018 — ts.Variable


def test_closing_a_session_drops_its_values(affine):
    g, x, y, z = affine
    with ts.Session(g) as s:
        assert same(s.run(z), [2.0, -1.0])
    assert same(s.run(z, {x: [0.0, 0.0]}), [1.0, 1.0])


def test_planning_and_loading_leave_the_garbage_collector_as_it_was(tmp_path):
    g = ts.Graph()
    half = g.add_node("add", [g.add_node("constant", value=1.0)], name="half")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "tensor-canvas-graph", "format_version": 1, "nodes": [1]}')
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            with pytest.raises(ts.EvaluationError):
                ts.Session(g).run(half)  # fails while the plan is compiled
            with pytest.raises(ts.FileFormatError):
                ts.load_graph(broken)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()


def test_a_chain_of_100_000_nodes_evaluates():
    """No recursion anywhere: a chain 100 times deeper than Python's recursion limit builds
    and runs, and runs again on a new feed (bench/bench_chain.py times a million)."""
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[2], name="x")
        node = x
        for _ in range(100_000):
            node = ts.negative(node)
    assert node.name == "negative_99999"
    s = ts.Session(g)
    assert same(s.run(node, {x: [1.0, -2.0]}), [1.0, -2.0])
    assert same(s.run(node, {x: [3.0, 4.0]}), [3.0, 4.0])


def test_a_fetch_list_changed_since_its_last_run_gives_its_new_structure(affine):
    g, x, y, z = affine
    s = ts.Session(g)
    Y, Z = np.array([1.0, -2.0]), np.array([2.0, -1.0])
    fetches = [z, y]
    assert same(s.run(fetches), [Z, Y])
    fetches[1] = "x"
    assert same(s.run(fetches), [Z, x.default])
    fetches.append(y)
    assert same(s.run(fetches), [Z, x.default, Y])
    assert same(s.run(tuple(fetches)), (Z, x.default, Y))
    g.rename(y, "y_renamed")  # names are looked up again after a rename
    with pytest.raises(KeyError, match="no node named 'y'"):
        s.run([z, "y"])
    assert same(s.run([z, "y_renamed"]), [Z, Y])
    g.remove_node(z)
    with pytest.raises(KeyError, match="not in this graph"):
        s.run(fetches)


def test_an_array_fed_again_is_checked_again_after_it_or_its_placeholder_changes():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[2], dtype="float64", name="x")
        y = ts.multiply(x, 2, name="y")
    s = ts.Session(g)
    value = np.array([3.0, 4.0])
    for _ in range(2):  # the second run feeds an array seen before
        assert same(s.run(y, {x: value}), [6.0, 8.0])
    value[:] = [5.0, 6.0]  # changed in place: the new values count
    assert same(s.run(y, {x: value}), [10.0, 12.0])
    for other in (np.array([7.0, 8.0]), np.arange(4.0)[::2]):  # alike arrays (mini-batches)
        assert same(s.run(y, {x: other}), other * 2)
    with pytest.raises(ts.FeedError, match=r"cannot feed x: a value of shape \(3,\)"):
        s.run(y, {x: np.array([1.0, 2.0, 3.0])})
    value.shape = (2, 1)  # reshaped in place: refused
    with pytest.raises(ts.FeedError, match=r"cannot feed x: a value of shape \(2,1\)"):
        s.run(y, {x: value})
    value.shape = (2,)
    assert same(s.run(y, {"x": value}), [10.0, 12.0])
    value.dtype = np.int64  # the same memory read as integers: converted, not reused
    doubled = s.run(y, {"x": value})
    assert doubled.dtype == np.float64 and same(doubled, value.astype(np.float64) * 2)
    value.dtype = np.float64
    g.set_attr(x, "shape", [3])  # the placeholder no longer fits the array
    with pytest.raises(ts.FeedError, match=r"does not fit shape \(3,\)"):
        s.run(y, {x: value})
    g.set_attr(x, "shape", [2])
    assert same(s.run(y, {x: value}), [10.0, 12.0])
    g.set_attr(x, "dtype", "int32")
    with pytest.raises(ts.FeedError, match="float64 value does not convert to int32"):
        s.run(y, {x: value})


def test_a_dropped_session_is_freed_at_once_and_stops_hearing_the_graph():
    """A session that trained (its plans hold context ops' contexts, and compiled code) goes
    when its last reference does, without a garbage collection: it no longer hears of every
    value an optimizer step changes."""
    with ts.Graph().as_default() as g:
        w = ts.Variable([1.0, 2.0], name="w")
        loss = ts.reduce_sum(ts.multiply(w, w), name="loss")
        train = ts.train.GradientDescentOptimizer(0.1).minimize(loss)
    gc.disable()
    try:
        session = ts.Session(g)
        for _ in range(3):  # compiled from its second run
            session.run(train)
        gone = weakref.ref(session)
        del session
        assert gone() is None
    finally:
        gc.enable()
    ts.Session(g).run(train)
    np.testing.assert_allclose(w.value, np.array([1.0, 2.0]) * 0.8**4)  # w −= 0.1 · 2w, 4 times
