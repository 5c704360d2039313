"""BLAS threads under load: a training step (the 128×64 → 64 → 10 MLP of bench_train) on an
idle machine and with another CPU-bound process running, alternated (idle, loaded, idle, …).

    python bench/bench_blas.py [ROUNDS]     # target: loaded ÷ idle ≤ 1.3 for the engine

BLAS starts with a thread per core, as it does in the app. The engine's session runs a plan
of small arrays on one BLAS thread (engine/blas.py); the same step written by hand in numpy,
on every core's thread, is shown beside it: a multi-threaded product of small matrices
stalls while another process holds a core.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

os.environ.setdefault("BENCH_BLAS_THREADS", str(len(os.sched_getaffinity(0))))

from setup_bench import THREADS, load, per_call  # first: the BLAS threads before numpy loads

# isort: split
from bench_train import engine_mlp, numpy_mlp

from engine import blas

STEPS = 200
HOG = "print('ready', flush=True)\nwhile True: pass"
"""A CPU-bound process; it says when it runs (its start-up is not timed with it)."""


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    sides = {"engine (session)": engine_mlp(), "numpy by hand, all cores": numpy_mlp()}
    setups = {"engine (session)": lambda: None,  # (its session sets the threads it needs)
              "numpy by hand, all cores": lambda: blas.set_limit(THREADS)}
    times: dict[tuple[str, bool], list[float]] = {(n, b): [] for n in sides for b in (False, True)}
    for run in sides.values():
        run()
    print(f"BLAS threads at start: {os.environ['BENCH_BLAS_THREADS']}; load {load()}")
    for _ in range(rounds):
        for busy in (False, True):
            hog = None
            if busy:
                hog = subprocess.Popen([sys.executable, "-c", HOG], stdout=subprocess.PIPE,
                                       text=True)
                assert hog.stdout is not None and hog.stdout.readline() == "ready\n"
            try:
                for name, run in sides.items():
                    setups[name]()
                    times[name, busy].append(per_call(run, STEPS))
            finally:
                if hog is not None:
                    hog.kill()
                    hog.wait()
    print(f"{'µs per step':<28} {'idle min':>9} {'median':>8} {'loaded min':>11} {'median':>8}"
          f" {'ratio':>6}")
    for name in sides:
        idle, loaded = times[name, False], times[name, True]
        ratio = statistics.median(b / a for a, b in zip(idle, loaded, strict=True))
        print(f"{name:<28} {min(idle) * 1e6:9.1f} {statistics.median(idle) * 1e6:8.1f} "
              f"{min(loaded) * 1e6:11.1f} {statistics.median(loaded) * 1e6:8.1f} {ratio:6.2f}")
    print(f"(ratio: loaded ÷ idle, median of the rounds; target ≤ 1.3 for the engine; "
          f"load {load()})")


if __name__ == "__main__":
    main()
