"""A 10,000-node graph in the real editor window: selecting, deleting, undoing, the first
evaluation of its output, and how many wheel notches reach readable labels.

The graph (generated, written by the engine API without positions, so opening lays it out):
parallel chains of tanh(h + v), each step with its own variable v, joined by a tree of adds
into one node, ``output``. It is opened in the real MainWindow, offscreen, in the editor's
theme, with previews on (the default). Each figure is a gesture made as a user makes it, timed
from the gesture until the event loop is idle again (the evaluation it asks for delivered, what
it posts processed, the window painted):

- click-select: a real mouse click on a node's title at 100 % zoom; two neighbours, A and B,
  clicked in turn (each click moves the selection from one to the other);
- select all: Ctrl+A on the canvas; then a click on empty canvas (clear), timed apart;
- delete all / undo: Delete with everything selected, then Ctrl+Z, in turn (both sides);
- output after undo: then ``output`` clicked, until its value shows in the Tensor dock (the
  compute service first catches up with the deletion and its undo);
- first evaluation: the file opened and painted (its evaluation for the previews may still
  be running), then ``output`` clicked, until its value shows in the Tensor dock — first in
  the process (once), and with the file opened again (a few times);
- wheel notches: after Home (frame all), wheel notches over a node until the view reaches the
  zoom at which nodes draw their labels.

    python bench/bench_big_graph.py [REPEATS]          # min and median of REPEATS (default 5)
    python bench/bench_big_graph.py --profile KIND     # cProfile of one gesture: KIND is
                                                       # click-select, "select all",
                                                       # "delete all", undo, "output after
                                                       # undo" or "first evaluation"

Printed per gesture: min and median wall time, and the median CPU time of the process (the GUI
thread and the compute service's worker: less moved by other work on a shared machine than
the wall time). BLAS is pinned to one thread (threadpoolctl if installed, else the environment
variables, set before numpy is imported); the load average is printed before and after.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from setup_bench import (  # first: Qt offscreen, one BLAS thread (before numpy loads)
    application,
    load,
)

# isort: split
from PySide6.QtCore import QEventLoop, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import engine as ts  # noqa: E402
from editor import style  # noqa: E402
from editor.app.window import MainWindow  # noqa: E402
from editor.canvas.items.node import READABLE_ZOOM  # noqa: E402

NODES = 10_000
OUTPUT = "output"
A, B = "v10_50", "v11_50"
"""Two neighbours in one column in the middle of the graph (shown together at 100 %)."""
TARGETS_MS = {"click-select": 50, "select all": 500, "clear selection": 500,
              "delete all": 500, "undo": 500, "output after undo": 1000,
              "first evaluation, first in the process": 1000,
              "first evaluation, reopened": 1000}


def generate(n: int, path: Path) -> None:
    """About ``n`` nodes: parallel chains of tanh(h + v) joined by a tree of adds into
    ``output`` (no positions: opening lays it out)."""
    chains = max(int((n / 3) ** 0.5 / 1.2), 2)
    with ts.Graph().as_default() as g:
        heads: list[ts.Node] = [ts.Variable([0.1 * c] * 4, name=f"x{c}") for c in range(chains)]
        step, full = 0, False
        while not full:
            for c in range(chains):
                if len(g) + 3 + chains - 1 > n:  # the tree of adds takes chains - 1
                    full = True
                    break
                v = ts.Variable([0.01 * step] * 4, name=f"v{c}_{step}")
                heads[c] = ts.tanh(ts.add(heads[c], v))
            step += 1
        while len(heads) > 1:
            pairs = [heads[i : i + 2] for i in range(0, len(heads), 2)]
            heads = [ts.add(*pair) if len(pair) == 2 else pair[0] for pair in pairs]
        g.rename(heads[0], OUTPUT)
    ts.save_graph(g, path)


def load_average() -> str:
    return load()


class Bench:
    """The window with the graph open, and one function per gesture."""

    def __init__(self, app: QApplication, path: Path) -> None:
        self.app, self.path = app, path
        self.window = window = MainWindow(persist=False)
        window.resize(1800, 960)  # a canvas of about 1300 × 900 beside the docks
        window.show()
        self.open()
        self.nodes, self.wires = len(window.doc.graph), window.doc.graph.nx.number_of_edges()
        # two neighbours in one column in the middle of the graph (shown at 100 %)
        self.clicked = B
        self.cpu = 0.0
        """The process's CPU time in the last gesture (both threads), seconds."""
        self.gestures: dict[str, Callable[[], float]] = {
            "click-select": self.click_select,
            "select all": self.select_all,
            "delete all": self.delete_all,
            "undo": self.undo,
            "first evaluation": self.first_evaluation,
            "output after undo": self.evaluation_after_undo,
        }

    @property
    def a(self):  # noqa: ANN201
        return self.window.scene.node_item(A)

    @property
    def b(self):  # noqa: ANN201
        return self.window.scene.node_item(B)

    @property
    def view(self):  # noqa: ANN201
        return self.window.view

    def open(self) -> None:
        assert self.window.open_file(self.path)
        self.idle()

    def settle(self) -> None:
        for _ in range(4):
            self.app.processEvents()

    def idle(self) -> None:
        """Until the event loop is idle: the evaluation asked for delivered, all posted
        events processed (the window painted)."""
        compute = self.window.live.compute
        self.settle()
        deadline = time.perf_counter() + 60
        while compute.busy and time.perf_counter() < deadline:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
        self.settle()

    def timed(self, gesture: Callable[[], None]) -> float:
        start, cpu = time.perf_counter(), time.process_time()
        gesture()
        self.idle()
        self.cpu = time.process_time() - cpu
        return time.perf_counter() - start

    def at_100(self) -> None:
        self.view.set_zoom(1.0)
        self.view.centerOn(self.a.sceneBoundingRect().united(self.b.sceneBoundingRect()).center())
        self.idle()

    def title(self, item) -> QPoint:  # noqa: ANN001
        return self.view.mapFromScene(item.mapToScene(QPointF(item.WIDTH / 2 - 20,
                                                              item.TITLE_H / 2)))

    def empty_point(self) -> QPoint:
        """A point of the viewport with no item under it."""
        rect = self.view.viewport().rect()
        for y in range(rect.top() + 5, rect.bottom(), 7):
            for x in range(rect.left() + 5, rect.right(), 7):
                if not self.window.scene.items(self.view.mapToScene(QPoint(x, y))):
                    return QPoint(x, y)
        raise AssertionError("no empty point in view")

    def click(self, point: QPoint) -> None:
        QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, point)

    def key(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # noqa: ANN001
        QTest.keyClick(self.view, key, modifier)

    # ---- gestures (each returns its wall time in seconds) ---------------------------------

    def click_select(self) -> float:
        self.clicked = A if self.clicked == B else B
        item = self.window.scene.node_item(self.clicked)
        point = self.title(item)
        assert self.view.viewport().rect().contains(point)
        seconds = self.timed(lambda: self.click(point))
        assert self.window.scene.selected_node_items() == [item]
        return seconds

    def select_all(self) -> float:
        seconds = self.timed(lambda: self.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier))
        assert len(self.window.scene.selected()) == self.nodes
        return seconds

    def clear_selection(self) -> float:
        empty = self.empty_point()
        seconds = self.timed(lambda: self.click(empty))
        assert not self.window.scene.selected()
        return seconds

    def delete_all(self) -> float:
        self.key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.idle()
        seconds = self.timed(lambda: self.key(Qt.Key.Key_Delete))
        assert len(self.window.doc.graph) == 0 and not self.window.scene.items()
        return seconds

    def undo(self) -> float:
        seconds = self.timed(lambda: self.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
        graph = self.window.doc.graph
        assert (len(graph), graph.nx.number_of_edges()) == (self.nodes, self.wires)
        assert len(self.window.scene.index) == self.nodes  # (items: those shown)
        return seconds

    def first_evaluation(self) -> float:
        """The file opened afresh and painted (its evaluation for the previews may still be
        running, as when a user clicks at once), then ``output`` clicked: until its value
        shows in the Tensor dock."""
        assert self.window.open_file(self.path)
        return self.click_output()

    def evaluation_after_undo(self) -> float:
        """After Delete and Ctrl+Z of everything, ``output`` clicked: until its value shows
        in the Tensor dock (the compute service catches up with the edits first)."""
        return self.click_output()

    def click_output(self) -> float:
        window = self.window
        item = window.scene.node_item(OUTPUT)
        self.view.set_zoom(1.0)
        self.view.centerOn(item)
        self.settle()
        point = self.title(item)

        def shown() -> bool:
            return (OUTPUT in window.tensor_view.names
                    and window.tensor_view.panel(OUTPUT).value is not None)

        start, cpu = time.perf_counter(), time.process_time()
        self.click(point)
        deadline = start + 60
        while not shown() and time.perf_counter() < deadline:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)
        seconds = time.perf_counter() - start
        self.cpu = time.process_time() - cpu
        assert shown()
        self.idle()
        return seconds

    def wheel_notches(self, limit: int = 100) -> tuple[float, int]:
        """The zoom after Home, and the notches over a node from there to readable labels."""
        view = self.view
        self.key(Qt.Key.Key_Home)
        self.idle()
        start_zoom = view.zoom()
        notches = 0
        while view.zoom() < READABLE_ZOOM and notches < limit:
            at = QPointF(view.mapFromScene(self.a.sceneBoundingRect().center()))
            event = QWheelEvent(at, QPointF(view.viewport().mapToGlobal(at.toPoint())),
                                QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                                False)
            QApplication.sendEvent(view.viewport(), event)
            self.settle()
            notches += 1
        return start_zoom, notches

    def close(self) -> None:
        self.window.doc.undo_stack.setClean()
        self.window.live.close()
        self.window.close()


def run(bench: Bench, repeats: int) -> None:
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in TARGETS_MS}

    def take(kind: str, gesture: Callable[[], float]) -> None:
        samples[kind].append((gesture(), bench.cpu))

    take("first evaluation, first in the process", bench.first_evaluation)
    for _ in range(repeats):
        bench.at_100()
        for _ in range(2):  # A, then B: both sides
            take("click-select", bench.click_select)
        take("select all", bench.select_all)
        take("clear selection", bench.clear_selection)
        take("delete all", bench.delete_all)
        take("undo", bench.undo)
        take("output after undo", bench.evaluation_after_undo)
    for _ in range(max(repeats // 2, 2)):
        take("first evaluation, reopened", bench.first_evaluation)
    print(f"{'gesture':38} {'min':>6} {'median':>6} {'CPU':>6}   (ms; CPU: the process's, "
          "median)  target")
    for kind, values in samples.items():
        ms = [wall * 1000 for wall, _ in values]
        cpu = statistics.median(c * 1000 for _, c in values)
        target = TARGETS_MS[kind]
        median = statistics.median(ms)
        print(f"{kind:38} {min(ms):6.0f} {median:6.0f} {cpu:6.0f}   ≤ {target:4d}  "
              f"{'met' if median <= target else 'NOT met'}")
    zoom, notches = bench.wheel_notches()
    print(f"wheel: Home zooms to {zoom * 100:.1f} %; {notches} notches to {READABLE_ZOOM:.0%} "
          "(labels drawn)")


def profile(bench: Bench, kind: str) -> None:
    import cProfile
    import pstats

    bench.at_100()
    if kind == "click-select":
        bench.click_select()
    if kind == "undo":
        bench.delete_all()
    if kind == "output after undo":
        bench.delete_all()
        bench.undo()
    profiler = cProfile.Profile()
    gesture = bench.gestures[kind]
    profiler.enable()
    seconds = gesture()
    profiler.disable()
    print(f"{kind}: {seconds * 1000:.1f} ms (under cProfile)")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    args = sys.argv[1:]
    kind = None
    if args[:1] == ["--profile"]:
        kind, args = args[1], args[2:]
    repeats = int(args[0]) if args else 5
    app = application()
    style.apply_dark_theme(app)  # as the editor looks (and paints) when it runs
    threadpool_limits(1)  # for the rest of the process
    print(f"load average {load_average()}; BLAS pinned to 1 thread (threadpoolctl)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.json"
        generate(NODES, path)
        start = time.perf_counter()
        bench = Bench(app, path)
        print(f"{bench.nodes} nodes, {bench.wires} wires; opened in "
              f"{time.perf_counter() - start:.1f} s; {repeats} repeats")
        if kind is not None:
            profile(bench, kind)
        else:
            run(bench, repeats)
        bench.close()
    print(f"load average {load_average()}")


if __name__ == "__main__":
    main()
