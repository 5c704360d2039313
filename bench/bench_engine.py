"""Engine benchmark: each figure is measured against a baseline in the same run, the two
alternating (A B A B …; one BLAS thread for both), with min and median and the load average.

    python bench/bench_engine.py          # every part
    python bench/bench_engine.py a c      # only the parts named

(a) Session.run on a 10,000-node graph of small ops, fed a fresh value each run so that every
    node is recomputed, ÷ the same ops as straight-line numpy code (generated once, then exec'd);
(b) building and running a chain of 1,000,000 nodes;
(c) re-running after a change to a variable that feeds 1% of a 10,000-node graph ÷ a full run;
(d) saving and loading a 10,000-node graph.
Ratios are of the two sides' minimum times; the medians are printed beside them.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from setup_bench import alternate, load  # first: pins BLAS before numpy loads

# isort: split
import numpy as np

import engine as ts
from engine.ops.nn import sigmoid

OPS = ["add", "multiply", "subtract", "tanh", "sigmoid"]
NUMPY = {"add": "np.add", "multiply": "np.multiply", "subtract": "np.subtract",
         "tanh": "np.tanh", "sigmoid": "sigmoid"}
SIZE = 4  # elements per vector


def best(run: Callable[[], object], repeats: int = 7) -> float:
    """The fastest of ``repeats`` timed calls, in seconds (for a figure with no other side)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def side_by_side(a: Callable[[], object], b: Callable[[], object], rounds: int = 7
                 ) -> tuple[list[float], list[float]]:
    """Seconds per call of ``a`` and ``b``, alternated round by round."""
    times = alternate({"a": a, "b": b}, number=1, rounds=rounds)
    return times["a"], times["b"]


def ms(times: list[float]) -> str:
    return f"{min(times) * 1e3:.2f} ms (median {statistics.median(times) * 1e3:.2f})"


def random_graph(
    n: int, ops: list[str] = OPS, seed: int = 0
) -> tuple[ts.Graph, ts.Node, ts.Node, list[str]]:
    """``n`` nodes of small ops that all depend on the placeholder ``x``: node i reads node i-1
    and, for a binary op, an earlier node or one of 8 weight variables. Returns the graph, x,
    the last node and the straight-line numpy source computing the same."""
    rng = np.random.default_rng(seed)
    g = ts.Graph()
    x = g.add_node("placeholder", name="x", attrs={"shape": [SIZE], "dtype": "float64"})
    weights = [g.add_node("variable", name=f"w{i}", value=rng.uniform(0.5, 1.0, SIZE))
               for i in range(8)]
    nodes: list[ts.Node] = [x]
    lines = []
    while len(g) < n:
        op = ops[rng.integers(len(ops))]
        first = nodes[-1]
        args = [first]
        if op in ("add", "multiply", "subtract"):
            if rng.random() < 0.5:
                args.append(weights[rng.integers(len(weights))])
            else:
                args.append(nodes[rng.integers(max(0, len(nodes) - 50), len(nodes))])
        node = g.add_node(op, args, name=f"n{len(nodes)}")
        lines.append(f"    {node.name} = {NUMPY[op]}({', '.join(a.name for a in args)})")
        nodes.append(node)
    return g, x, nodes[-1], lines


def straight_line(g: ts.Graph, last: ts.Node, lines: list[str]) -> Callable[[np.ndarray], Any]:
    """Compile the generated numpy source into a function of x (weights bound as defaults)."""
    weights = [n for n in g.nodes if isinstance(n, ts.Variable)]
    params = ", ".join(f"{w.name}={w.name}" for w in weights)
    source = f"def f(x, {params}):\n" + "\n".join(lines) + f"\n    return {last.name}\n"
    namespace: dict[str, Any] = {"np": np, "sigmoid": sigmoid,
                                 **{w.name: w.value for w in weights}}
    exec(compile(source, "<straight-line numpy>", "exec"), namespace)
    return namespace["f"]


def fresh_feeds(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.uniform(-1.0, 1.0, SIZE) for _ in range(count)]


def bench_full_run(rows: list[tuple[str, str, str]], ops: list[str] = OPS, label: str = "") -> None:
    g, x, last, lines = random_graph(10_000, ops)
    session = ts.Session(g)
    numpy_f = straight_line(g, last, lines)
    feeds = iter(fresh_feeds(100))
    value = next(feeds)
    assert np.array_equal(session.run(last, {x: value}), numpy_f(value))
    engine, numpy = side_by_side(lambda: session.run(last, {x: next(feeds)}),
                                 lambda: numpy_f(next(feeds)))
    rows.append((f"(a) Session.run, 10,000 small ops{label}, all recomputed", "", ms(engine)))
    rows.append(("    the same as straight-line numpy", "", ms(numpy)))
    rows.append(("    ratio engine ÷ numpy", "≤ 1.5", f"{min(engine) / min(numpy):.2f}"))


def bench_cheap_ops(rows: list[tuple[str, str, str]]) -> None:
    """(a) again without sigmoid, the costliest op: the engine's own overhead shows most."""
    bench_full_run(rows, OPS[:4], " (no sigmoid)")


def bench_chain(rows: list[tuple[str, str, str]]) -> None:
    n = 1_000_000
    start = time.perf_counter()
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[SIZE], name="x")
        node: ts.Node = x
        for _ in range(n):
            node = ts.negative(node)
    build = time.perf_counter() - start
    session = ts.Session(g)
    start = time.perf_counter()
    session.run(node, {x: np.ones(SIZE)})
    first = time.perf_counter() - start
    feeds = iter(fresh_feeds(10))

    def numpy_loop(v: np.ndarray) -> np.ndarray:
        for _ in range(n):
            v = np.negative(v)
        return v

    again, numpy = side_by_side(lambda: session.run(node, {x: next(feeds)}),
                                lambda: numpy_loop(np.ones(SIZE)), rounds=3)
    rows.append(("(b) chain of 1,000,000 nodes: build", "< 10 s", f"{build:.1f} s"))
    rows.append(("    first run (plan + compute)", "", f"{first:.1f} s"))
    rows.append(("    re-run with a new feed", "", ms(again)))
    rows.append(("    numpy loop doing the same", "", ms(numpy)))
    rows.append(("    ratio re-run ÷ numpy loop", "", f"{min(again) / min(numpy):.2f}"))


def bench_incremental(rows: list[tuple[str, str, str]]) -> None:
    g, x, last, _ = random_graph(9_898)
    v = g.add_node("variable", name="v", value=np.ones(SIZE))
    node = v
    for i in range(100):  # v feeds 100 nodes of 10,000: a side branch joining at the end
        node = g.add_node(OPS[i % len(OPS)], [node, node][: 1 + (i % len(OPS) < 3)])
    out = g.add_node("add", [last, node], name="out")
    assert len(g) == 10_000
    session = ts.Session(g)
    feeds = iter(fresh_feeds(100))
    session.run(out, {x: next(feeds)})
    values = iter(fresh_feeds(100))
    value = next(feeds)

    def full_run() -> None:
        session.run(out, {x: next(feeds)})

    def change_v() -> None:
        session.run(out, {x: value})  # (after a full run: the feed is back to ``value``)
        g.set_value(v, next(values))
        start = time.perf_counter()
        session.run(out, {x: value})
        took.append(time.perf_counter() - start)

    took: list[float] = []
    full, _ = side_by_side(full_run, change_v, rounds=21)
    incremental = took[1:]  # (the first call was untimed by the harness: a warm-up)
    rows.append(("(c) full run of 10,000 nodes", "", ms(full)))
    rows.append(("    re-run after a variable feeding 1% changed", "", ms(incremental)))
    ratio = min(incremental) / min(full)
    rows.append(("    ratio incremental ÷ full", "≤ 1/50 = 0.020",
                 f"{ratio:.3f} (1/{1 / ratio:.0f})"))


def bench_files(rows: list[tuple[str, str, str]]) -> None:
    g, *_ = random_graph(10_000)
    for node in g.nodes[:500]:
        g.set_ui(node, pos=[float(len(node.name)), 2.0])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.json"
        save = best(lambda: ts.save_graph(g, path), repeats=5)
        loaded = best(lambda: ts.load_graph(path), repeats=5)
        size = path.stat().st_size
    rows.append(("(d) save a 10,000-node graph", "< 0.5 s", f"{save:.3f} s ({size // 1024} KiB)"))
    rows.append(("    load it", "< 0.5 s", f"{loaded:.3f} s"))


PARTS = {"a": (bench_full_run, bench_cheap_ops), "b": (bench_chain,), "c": (bench_incremental,),
         "d": (bench_files,)}
"""The benches of each part, by its letter."""


def main() -> None:
    print(f"load average {load()}")
    rows: list[tuple[str, str, str]] = []
    chosen = sys.argv[1:] or list(PARTS)
    for bench in [bench for part in chosen for bench in PARTS[part]]:
        bench(rows)
        gc.collect()
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'target':<15}  measured")
    for figure, target, measured in rows:
        print(f"{figure:<{width}}  {target:<15}  {measured}")
    print(f"load average {load()}")


if __name__ == "__main__":
    main()
