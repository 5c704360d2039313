"""A chain of a million nodes: build it, evaluate it, and what it costs in memory.

    python bench/bench_chain.py [REPEATS] [NODES]    # defaults: 3 repeats, 1,000,000 nodes

Each repeat runs in a fresh Python process (so that its peak memory is its own) and measures,
in order: (A) building ``x → negative → negative → …`` in a ``Graph``; the first
``Session.run`` of the last node (plan + compute); (A') a re-run on a new feed; and (B) a plain
numpy loop applying ``np.negative`` as many times, the baseline of the re-run — A and B
alternate across repeats as they do within one. The peak memory is the process's maximum
resident set size (``resource.getrusage``) while building and running, less what it held
before building.

BLAS is pinned to one thread for every side (as the other benches do); the load average is
printed before and after, since the machines are shared. Each figure: min and median.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from setup_bench import load  # first: one BLAS thread, here and in every repeat's process

SIZE = 2  # elements of the vector passed down the chain (as in tests/test_engine_session.py)


def one_repeat(nodes: int) -> dict[str, float]:
    """Build, run, re-run and the numpy loop, in this process."""
    import resource

    import numpy as np

    import engine as ts

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    def build() -> tuple[ts.Graph, ts.Node, ts.Node]:
        with ts.Graph().as_default() as g:
            x = ts.placeholder(shape=[SIZE], name="x")
            node: ts.Node = x
            for _ in range(nodes):
                node = ts.negative(node)
        return g, x, node

    start = time.perf_counter()
    g, x, last = build()
    build_s = time.perf_counter() - start
    session = ts.Session(g)
    start = time.perf_counter()
    first = session.run(last, {x: np.ones(SIZE)})
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    again = session.run(last, {x: np.full(SIZE, 3.0)})
    again_s = time.perf_counter() - start
    sign = -1.0 if nodes % 2 else 1.0
    assert np.array_equal(first, sign * np.ones(SIZE)), "the chain computed something else"
    assert np.array_equal(again, sign * np.full(SIZE, 3.0)), "the re-run is stale"

    def numpy_loop(v: np.ndarray) -> np.ndarray:
        for _ in range(nodes):
            v = np.negative(v)
        return v

    start = time.perf_counter()
    numpy_loop(np.ones(SIZE))
    numpy_s = time.perf_counter() - start
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"build": build_s, "first": first_s, "again": again_s, "numpy": numpy_s,
            "rss_mib": (rss_peak - rss_before) / 1024}


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    print(f"chain of {nodes:,} nodes, {repeats} repeats, each in a fresh process; "
          f"{os.cpu_count()} CPUs, load average {load()} (1, 5, 15 min)")
    env = dict(os.environ)  # (setup_bench's BLAS settings included)
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--one", str(nodes)], env=env,
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    rows = (("build the graph", "build", "s"),
            ("first run (plan + compute)", "first", "s"),
            ("re-run on a new feed (A)", "again", "s"),
            ("numpy loop doing the same (B)", "numpy", "s"),
            ("peak resident memory, above start", "rss_mib", "MiB"))
    print(f"{'figure':<36} {'min':>12} {'median':>12}   targets: build < 10 s, peak < 1024 MiB")
    for label, key, unit in rows:
        values = [run[key] for run in runs]
        print(f"{label:<36} {min(values):>8.2f} {unit:<3} {statistics.median(values):>8.2f} {unit}")
    ratios = [run["again"] / run["numpy"] for run in runs]
    print(f"{'ratio re-run ÷ numpy loop (A ÷ B)':<36} {min(ratios):>8.2f}     "
          f"{statistics.median(ratios):>8.2f}")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one_repeat(int(sys.argv[2]))))
    else:
        main()
