"""Where the window's memory for an opened file goes, by part: Python's allocations (tracemalloc)
made while File › Open reads ``bench_canvas``'s generated file, draws it at 100 % and the first
evaluation ends, still held after a collection, each put in the part its call stack went
through; then what a collection frees once ``gc.freeze`` is undone (garbage kept out of the
collector's sight). Qt's own memory outside Python is not counted (``bench_canvas --memory``
measures the resident set).

    python bench/memory_parts.py [NODES] [-v]     # default 10,000; -v: the top lines of each
"""

from __future__ import annotations

import collections
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from setup_bench import load  # first: Qt offscreen, one BLAS thread

# isort: split
from bench_canvas import generate, new_window, open_by_menu
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from editor import style

PARTS = [  # (a part, what its call stacks go through), the first that matches
    ("evaluation (sessions)", ("engine/session.py", "engine/compiler.py", "engine/fast_step")),
    ("compute service's copy", ("compute/service.py",)),
    ("graph as loaded", ("engine/io.py",)),
    ("graph: positions", ("canvas/layout.py",)),
    ("canvas", ("editor/canvas",)),
    ("graph: positions, shapes", ("app/opening.py",)),  # (the rest of what its thread made)
    ("live evaluation", ("compute/live.py",)),
    ("training and data docks", ("editor/training", "editor/data")),
    ("document", ("editor/document",)),
]


def part_of(frames: list[str]) -> str:
    for name, marks in PARTS:
        if any(mark in frame for frame in frames for mark in marks):
            return name
    return "other"


def main(nodes: int, verbose: bool) -> None:
    print(f"load {load()}")
    app = QApplication([])
    style.apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"graph{nodes}.json"
        generate(nodes, path)
        tracemalloc.start(40)
        window = new_window()
        gc.collect()
        before = tracemalloc.take_snapshot()
        open_by_menu(window, path)
        window.view.viewport().repaint()
        window.view.set_zoom(1.0)
        window.view.viewport().repaint()
        deadline = time.perf_counter() + 30
        while window.live.compute.busy and time.perf_counter() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        app.processEvents()
        gc.collect()
        after = tracemalloc.take_snapshot()
    sizes: collections.Counter[str] = collections.Counter()
    lines: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for stat in after.compare_to(before, "traceback"):
        frames = [str(frame) for frame in stat.traceback]
        part = part_of(frames)
        sizes[part] += stat.size_diff
        lines[part][frames[-1]] += stat.size_diff
    total = sum(sizes.values())
    print(f"{nodes:,} nodes: {total / 2**20:.2f} MB of Python objects "
          f"({total / nodes:.0f} B a node)")
    for part, size in sizes.most_common():
        print(f"  {part:28s} {size / 2**20:6.2f} MB  {size / nodes:5.0f} B a node")
        for line, line_size in lines[part].most_common(6 if verbose else 0):
            print(f"      {line_size / 1024:7.0f} KiB  {line}")
    held = tracemalloc.get_traced_memory()[0]
    gc.unfreeze()
    found = gc.collect()
    print(f"kept from the collector: {found} objects, "
          f"{(held - tracemalloc.get_traced_memory()[0]) / 2**20:.2f} MB")
    print(f"load {load()}")
    os._exit(0)  # at once: the window's threads are not waited for


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    main(int(args[0]) if args else 10_000, "-v" in sys.argv)
