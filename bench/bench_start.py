"""Start-up: ``python main.py`` from the process's start to the canvas's first paint, against
a bare PySide6 window (a QMainWindow with a QGraphicsView) started the same way; the two
alternate (app, bare, app, …), each a fresh process, offscreen.

    python bench/bench_start.py [ROUNDS]       # target: the app under 0.8 s

The app is started with ``TENSORCANVAS_EXIT_WHEN_SHOWN`` set: it prints the wall-clock time of
its first paint and quits (editor/app/main.py); the time is taken from just before the
process is started. Python writes its bytecode caches as it normally does
(``PYTHONDONTWRITEBYTECODE`` is dropped), and each side runs once untimed first. Printed: min
and median of each, and the load average.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from setup_bench import ROOT, load

BARE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
view = QGraphicsView(QGraphicsScene())
window.setCentralWidget(view)
class First(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            view.viewport().removeEventFilter(self)
            QTimer.singleShot(0, lambda: (print(f"shown at {time.time():.6f}", flush=True),
                                          app.quit()))
        return False
first = First()
view.viewport().installEventFilter(first)
window.show()
app.exec()
"""
TARGET = 0.8


def started(command: list[str]) -> float:
    """Seconds from starting ``command`` to the first paint it prints."""
    env = {**os.environ, "TENSORCANVAS_EXIT_WHEN_SHOWN": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.time()
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("shown at "))
    return float(line.split()[-1]) - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    sides = {"python main.py": [sys.executable, "main.py"],
             "bare PySide6 window": [sys.executable, "-c", BARE]}
    times: dict[str, list[float]] = {name: [] for name in sides}
    print(f"load {load()}")
    for command in sides.values():
        started(command)
    for _ in range(rounds):
        for name, command in sides.items():
            times[name].append(started(command))
    for name, values in times.items():
        print(f"  {name:<22} min {min(values):6.3f} s   median {statistics.median(values):6.3f} s")
    app = times["python main.py"]
    print(f"target: python main.py under {TARGET} s — "
          f"{'met' if min(app) < TARGET else 'NOT met'} (min); load {load()}")


if __name__ == "__main__":
    main()
