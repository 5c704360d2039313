"""Where a node of the chain's bytes go (bench_chain.py measures the million-node whole):
Python's allocations by source line, per node, while building ``x → negative → …`` and while
running it once, then what one node's parts take (``sys.getsizeof``).

    python bench/chain_bytes.py [NODES] [LINES]    # defaults: 100,000 nodes, the top 12 lines

Memory, not time: nothing is alternated. (tracemalloc counts what Python allocates; the
process's resident memory adds the allocator's slack, a few percent.)
"""

from __future__ import annotations

import linecache
import sys
import tracemalloc

from setup_bench import ROOT, load  # first: one BLAS thread, the project on the import path

# isort: split
import numpy as np  # noqa: E402

import engine as ts  # noqa: E402


def top(after: tracemalloc.Snapshot, before: tracemalloc.Snapshot, nodes: int,
        lines: int) -> None:
    """The source lines that allocated most between the snapshots, in bytes per node."""
    for stat in after.compare_to(before, "lineno")[:lines]:
        if stat.size_diff >= nodes:  # a byte a node or more
            frame = stat.traceback[0]
            where = f"{frame.filename.rsplit('site-packages/', 1)[-1]}:{frame.lineno}"
            code = linecache.getline(frame.filename, frame.lineno).strip()[:56]
            print(f"  {stat.size_diff / nodes:6.1f} B {stat.count_diff / nodes:5.2f} blocks  "
                  f"{where.removeprefix(str(ROOT) + '/')}  {code}")


def main() -> None:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    print(f"chain of {nodes:,} nodes; load average {load()}")
    ts.Session(ts.Graph()).run([])  # (what a first run imports is not the chain's)
    tracemalloc.start()
    start = tracemalloc.take_snapshot()
    with ts.Graph().as_default() as graph:
        x = ts.placeholder(shape=[2], name="x")
        last: ts.Node = x
        for _ in range(nodes):
            last = ts.negative(last)
    built, _ = tracemalloc.get_traced_memory()
    after_build = tracemalloc.take_snapshot()
    tracemalloc.reset_peak()
    session = ts.Session(graph)
    session.run(last, {x: np.ones(2)})
    ran, peak = tracemalloc.get_traced_memory()
    after_run = tracemalloc.take_snapshot()
    tracemalloc.stop()
    print(f"build: {built / nodes:.0f} bytes a node")
    top(after_build, start, nodes, lines)
    print(f"first run: {(ran - built) / nodes:.0f} bytes a node more "
          f"(its peak: {(peak - built) / nodes:.0f})")
    top(after_run, after_build, nodes, lines)
    size, edges = sys.getsizeof, graph.nx
    source = last.inputs[0]
    assert source is not None  # (each node of the chain reads the one before)
    parts = {"the Node": last, "its inputs": last.inputs, "its name": last.name,
             # (the dictionaries behind networkx's views)
             "its successors (networkx)": edges.succ[source]._atlas,  # type: ignore[attr-defined]
             "its predecessors (networkx)": edges.pred[last]._atlas,  # type: ignore[attr-defined]
             "its value (in the session)": session.run(last, {x: np.ones(2)})}
    print("one node's parts (sys.getsizeof; a dict's or a list's own, not what it holds):")
    for name, part in parts.items():
        print(f"  {size(part):7d} B  {name} ({type(part).__name__})")


if __name__ == "__main__":
    main()
