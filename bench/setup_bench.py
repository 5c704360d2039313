"""Imported first by every bench: ``--help`` (prints the bench's docstring), one BLAS thread
for every side of a comparison (set before numpy loads, and held with threadpoolctl; a bench
that needs another count sets ``BENCH_BLAS_THREADS`` before importing this), Qt offscreen, the
project's root on the import path; and the one way the benches compare two sides: alternated
A B A B … in one run, each side's min and median printed with the load average.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if {"-h", "--help"} & set(sys.argv[1:]):  # any bench: its docstring says how to run it
    print(sys.modules["__main__"].__doc__)
    sys.exit(0)

THREADS = int(os.environ.get("BENCH_BLAS_THREADS", "1"))
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402, F401 — loaded, so that threadpoolctl finds its BLAS
from threadpoolctl import threadpool_limits  # noqa: E402

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

BLAS = threadpool_limits(THREADS)
"""The BLAS threads, held for the whole process (both sides of every comparison)."""


def application() -> QApplication:
    """The process's QApplication (made if there is none yet)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    return app if isinstance(app, QApplication) else QApplication([])


def load() -> str:
    """The load average (1, 5 and 15 minutes), for the record beside the figures."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pace() -> str:
    """How fast the machine runs Python now: the time a fixed loop takes (the best of
    three). A shared virtual machine's pace drifts by a third within an hour (at the same load
    average): figures measured at different times compare only beside it."""
    best = min(per_call(lambda: sum(range(10**6)), 1) for _ in range(3))
    return f"{best * 1000:.1f} ms a million additions"


def per_call(run: Callable[[], object], number: int) -> float:
    """Seconds per call of ``run``, over ``number`` calls in a row."""
    start = time.perf_counter()
    for _ in range(number):
        run()
    return (time.perf_counter() - start) / number


def alternate(sides: dict[str, Callable[[], object]], number: int = 1,
              rounds: int = 7) -> dict[str, list[float]]:
    """Each side's seconds per call, one measurement of each per round, sides alternating
    (A B A B …) so that both see the same machine; every side is called once first."""
    for run in sides.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            times[name].append(per_call(run, number))
    return times


def ratios(times: dict[str, list[float]], side: str, baseline: str) -> list[float]:
    """Round by round, ``side`` ÷ ``baseline`` (measured next to each other)."""
    return [a / b for a, b in zip(times[side], times[baseline], strict=True)]


def report(title: str, times: dict[str, list[float]], unit: float = 1e-6,
           unit_name: str = "µs") -> float:
    """Print each side's min and median (and the first side ÷ the last: the ratio of the
    mins, and the median of the rounds' ratios); return the ratio of the mins."""
    names = list(times)
    print(f"{title}   (load {load()})")
    for name in names:
        values = times[name]
        print(f"  {name:<34} min {min(values) / unit:10.2f} {unit_name}   median "
              f"{statistics.median(values) / unit:10.2f} {unit_name}")
    first, last = names[0], names[-1]
    ratio = min(times[first]) / min(times[last])
    print(f"  {first} ÷ {last}: {ratio:.2f} (of the mins), "
          f"{statistics.median(ratios(times, first, last)):.2f} (median of the rounds)")
    return ratio
