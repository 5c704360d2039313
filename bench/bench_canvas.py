"""Canvas speed: open, repaint (zoomed to fit and at 100%), zoom out a wheel notch at a time
(each a scale not drawn before) and move a node in generated graphs of 1,000 and 10,000 nodes,
offscreen.

Each figure is printed with a baseline measured in the same run: the same number of plain
C++ Qt items (QGraphicsRectItem per node, QGraphicsPathItem per wire) in a bare
QGraphicsView — the least any QGraphicsView canvas can cost. The two sides alternate (editor,
plain, editor, …; ROUNDS of each, default 3); printed: min and median of each, the ratio of
the mins, and the load average. The editor opens the file as File › Open does (read in a
thread, the canvas indexed in slices from the event loop): timed until the new document is
shown and painted — when a user can work with every node (the canvas makes the items of what
it shows, far out none: the overview draws the graph; the rest when shown or needed).

Also, each in a fresh process: the window's memory for the 10,000-node file (the resident set
before and after the open, and its peak), and the event loop's longest gap while a 40,000-node
file opens (a zero-interval timer's ticks; the read, the slices and the swap) — and, apart,
once it is shown until the first evaluation's values are (at least 0.5 s).

    python bench/bench_canvas.py [SIZES...] [--rounds N]     # open at 10,000: ≤ 1.3 × plain
    python bench/bench_canvas.py [SIZES...] --scale 2        # on a screen scaled to 200 %
    python bench/bench_canvas.py --memory [NODES]            # default 10,000
    python bench/bench_canvas.py --gap [NODES]               # default 40,000
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from setup_bench import application, load, per_call  # first: Qt offscreen, one BLAS thread

# isort: split
from PySide6.QtCore import QEventLoop, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainterPath, QPen, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
)

import engine as ts
from editor.app.window import MainWindow
from editor.canvas.view import wheel_zoom

TARGETS_10K = {"open": 2000, "fit": 100, "full": 16, "zoom": 16, "move": 5}  # ms
OPEN_RATIO = 1.3
"""Target at 10,000 nodes: opening in the editor ÷ the plain Qt items."""
LEFT, NO_KEYS = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def generate(n: int, path: Path) -> None:
    """A graph of ``n`` nodes: parallel chains of tanh(h + v), each step with a variable v
    (written by the engine API, so it has no positions: opening lays it out)."""
    chains = max(int((n / 3) ** 0.5 / 1.2), 1)
    with ts.Graph().as_default() as g:
        heads: list[ts.Node] = [ts.placeholder(shape=[4], name=f"x{c}") for c in range(chains)]
        step = 0
        while len(g) < n:
            for c in range(chains):
                if len(g) >= n:
                    break
                v = ts.Variable([0.1] * 4, name=f"v{c}_{step}")
                heads[c] = ts.add(heads[c], v) if len(g) < n else heads[c]
                heads[c] = ts.tanh(heads[c]) if len(g) < n else heads[c]
            step += 1
    ts.save_graph(g, path)


def timed(fn, repeat: int = 5) -> float:
    """Best wall time of ``fn`` in ms."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def open_by_menu(window: MainWindow, path: Path) -> None:
    """Open ``path`` as File › Open does, and return once it is the window's document."""
    loop = QEventLoop()
    window.undo_group.activeStackChanged.connect(loop.quit)  # the new document is shown
    window.opener.open(path)
    loop.exec()  # (returns once the step that showed it, and all before, are done)
    window.undo_group.activeStackChanged.disconnect(loop.quit)
    assert window.doc.path == path and not window.opener.busy, "the file did not open"


def resident_kib() -> int:
    """The process's resident set now, in KiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def new_window() -> MainWindow:
    window = MainWindow(persist=False)
    window.resize(1300 + 500, 900 + 60)  # a canvas of about 1300 × 900 beside the docks
    window.show()
    QApplication.processEvents()
    return window


def measure_memory(path: Path) -> dict[str, float]:
    """The window's memory for ``path`` (in this process: run it in a fresh one)."""
    window = new_window()
    before, peak_before = resident_kib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    open_by_menu(window, path)
    window.view.viewport().repaint()
    window.view.set_zoom(1.0)  # at 100 %: the items shown cache their drawing
    window.view.viewport().repaint()
    QApplication.processEvents()
    return {"file": path.stat().st_size / 2**20, "after": (resident_kib() - before) / 1024,
            "peak": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024}


def measure_gap(path: Path) -> dict[str, float]:
    """The event loop's longest gap while ``path`` opens, and the open's wall time."""
    window = new_window()
    ticks: list[float] = []
    ticker = QTimer(interval=0)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
    ticker.start()
    QApplication.processEvents()
    start = time.perf_counter()
    ticks.append(start)
    open_by_menu(window, path)
    window.view.viewport().repaint()
    ticks.append(shown := time.perf_counter())
    # then until the first values are shown (the evaluation's result, its previews in slices)
    deadline = shown + 20
    while (window.live.compute.busy or time.perf_counter() < shown + 0.5) \
            and time.perf_counter() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    ticks.append(time.perf_counter())
    ticker.stop()
    at = ticks.index(shown)
    gaps = sorted(b - a for a, b in zip(ticks[: at + 1], ticks[1 : at + 1], strict=False))
    after = max(b - a for a, b in zip(ticks[at:], ticks[at + 1 :], strict=False))
    return {"gap": gaps[-1] * 1000, "second": gaps[-2] * 1000, "open": shown - start,
            "after": after * 1000, "nodes": len(window.doc.graph)}


def in_fresh_process(kind: str, n: int, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, f"--{kind}-of", str(path)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure_editor(path: Path) -> dict[str, float]:
    window = new_window()
    view = window.view

    def open_and_show() -> None:
        open_by_menu(window, path)
        view.viewport().repaint()

    out = {"open": timed(open_and_show, repeat=1)}
    out["nodes"] = len(window.doc.graph)
    view.frame_all()
    out["fit"] = timed(view.viewport().repaint)
    view.set_zoom(1.0)
    item = window.scene.item_for(next(iter(window.doc.graph.nodes)))
    view.centerOn(item)
    QApplication.processEvents()
    out["full"] = timed(view.viewport().repaint)
    viewport = view.viewport()
    middle = QPointF(viewport.rect().center())

    def zoom_out() -> None:  # a wheel notch, as a user's: each a scale not drawn before
        QApplication.sendEvent(viewport, QWheelEvent(
            middle, viewport.mapToGlobal(middle), QPoint(), QPoint(0, -120),
            Qt.MouseButton.NoButton, NO_KEYS, Qt.ScrollPhase.NoScrollPhase, False))
        viewport.repaint()

    view.frame_all()
    view.set_zoom(1.0)  # (about the graph's middle)
    QApplication.processEvents()
    out["zoom"] = 1000 * per_call(zoom_out, 6)  # (the mean: each notch new work)
    view.set_zoom(1.0)
    view.centerOn(item)
    QApplication.processEvents()
    title = view.mapFromScene(item.mapToScene(QPointF(40, 10)))
    QTest.mousePress(viewport, LEFT, NO_KEYS, title)
    offset = [0]

    def move() -> None:
        offset[0] += 3
        QTest.mouseMove(viewport, title + QPoint(offset[0], offset[0]))
        QApplication.processEvents()  # the repaint of what changed

    out["move"] = timed(move, repeat=10)
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, title + QPoint(offset[0], offset[0]))
    window.doc.undo_stack.setClean()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    return out


def measure_plain(path: Path) -> dict[str, float]:
    """The baseline: plain Qt items at the editor's node positions."""
    from editor.app.window import prepare_graph

    view = QGraphicsView()
    view.resize(1300, 900)
    view.show()
    QApplication.processEvents()

    def build() -> QGraphicsScene:
        graph = prepare_graph(ts.load_graph(path))
        scene = QGraphicsScene()
        pen, brush = QPen(QColor("#888"), 2), QColor("#2a2d34")
        for node in graph.nodes:
            x, y = node.ui["pos"]
            rect = QGraphicsRectItem(0, 0, 156, 66)
            rect.setPos(x, y)
            rect.setBrush(brush)
            rect.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                          | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
            scene.addItem(rect)
        for source, target in graph.nx.edges:
            (x1, y1), (x2, y2) = source.ui["pos"], target.ui["pos"]
            curve = QPainterPath(QPointF(x1 + 156, y1 + 35))
            curve.cubicTo(x1 + 200, y1 + 35, x2 - 40, y2 + 35, x2, y2 + 35)
            scene.addPath(curve, pen)
        view.setScene(scene)
        view.viewport().repaint()
        return scene

    out = {"open": timed(build, repeat=1)}
    scene = view.scene()
    view.fitInView(scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
    out["fit"] = timed(view.viewport().repaint)
    view.resetTransform()
    item = next(i for i in scene.items() if isinstance(i, QGraphicsRectItem))
    view.centerOn(item)
    QApplication.processEvents()
    out["full"] = timed(view.viewport().repaint)
    notch = wheel_zoom(1.0, -1)

    def zoom_out() -> None:  # the editor's notch (what its wheel does)
        view.scale(notch, notch)
        view.viewport().repaint()

    view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)  # the middle
    view.centerOn(scene.itemsBoundingRect().center())
    QApplication.processEvents()
    out["zoom"] = 1000 * per_call(zoom_out, 6)  # (the mean: each notch new work)
    view.resetTransform()
    view.centerOn(item)
    QApplication.processEvents()
    title = view.mapFromScene(item.mapToScene(QPointF(40, 10)))
    QTest.mousePress(view.viewport(), LEFT, NO_KEYS, title)
    offset = [0]

    def move() -> None:
        offset[0] += 3
        QTest.mouseMove(view.viewport(), title + QPoint(offset[0], offset[0]))
        QApplication.processEvents()

    out["move"] = timed(move, repeat=10)
    QTest.mouseRelease(view.viewport(), LEFT, NO_KEYS, title)
    view.close()
    return out


def main(sizes: list[int], rounds: int) -> None:
    app = application()
    from editor import style

    style.apply_dark_theme(app)
    labels = {"open": "open and show the file", "fit": "repaint, zoomed to fit",
              "full": "repaint at 100% zoom", "zoom": "zoom out a notch + repaint (6, mean)",
              "move": "move one node (drag step + repaint)"}
    print(f"load {load()}; {rounds} rounds, alternated")
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            path = Path(folder) / f"graph{n}.json"
            generate(n, path)
            ours, plain = [], []
            for _ in range(rounds):
                ours.append(measure_editor(path))
                plain.append(measure_plain(path))
            print(f"\n{int(ours[0]['nodes'])} nodes (ms, min / median)")
            for key, label in labels.items():
                a, b = [r[key] for r in ours], [r[key] for r in plain]
                ratio = min(a) / min(b) if min(b) > 0 else float("nan")
                target = f"   (target < {TARGETS_10K[key]} ms)" if n >= 10_000 else ""
                print(f"  {label:38s} {min(a):8.1f} / {statistics.median(a):8.1f}   plain Qt "
                      f"{min(b):8.1f} / {statistics.median(b):8.1f}   ×{ratio:5.2f}{target}")
            if n >= 10_000:
                ratio = min(r["open"] for r in ours) / min(r["open"] for r in plain)
                print(f"  open ÷ plain {ratio:.2f}: target ≤ {OPEN_RATIO} — "
                      f"{'met' if ratio <= OPEN_RATIO else 'NOT met'}")
    print(f"load {load()}")


def main_once(kind: str, n: int) -> None:
    """``--memory`` or ``--gap``: three fresh processes each, alternating with nothing."""
    print(f"load {load()}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"graph{n}.json"
        generate(n, path)
        runs = [in_fresh_process(kind, n, path) for _ in range(3)]
    if kind == "memory":
        for key, label in (("after", "resident after the open"), ("peak", "peak during it")):
            values = [r[key] for r in runs]
            print(f"{n} nodes ({runs[0]['file']:.2f} MB file): {label} +{min(values):.0f} / "
                  f"{statistics.median(values):.0f} MB (min / median)")
    else:
        for key, label in (("gap", "longest event-loop gap"), ("second", "second longest"),
                           ("after", "longest gap once shown, until its values are")):
            values = [r[key] for r in runs]
            print(f"{int(runs[0]['nodes'])} nodes: {label} {min(values):.0f} / "
                  f"{statistics.median(values):.0f} ms (min / median)")
        opens = [r["open"] for r in runs]
        print(f"  open until shown {min(opens):.2f} / {statistics.median(opens):.2f} s")
    print(f"load {load()}")


if __name__ == "__main__":
    args = sys.argv[1:]
    for kind in ("memory", "gap"):
        if f"--{kind}-of" in args:  # one measurement, in this fresh process
            app = QApplication([])
            from editor import style

            style.apply_dark_theme(app)
            measure = measure_memory if kind == "memory" else measure_gap
            print(json.dumps(measure(Path(args[-1]))), flush=True)
            os._exit(0)  # at once: the window's threads are not waited for
        if f"--{kind}" in args:
            rest = [a for a in args if a != f"--{kind}"]
            main_once(kind, int(rest[0]) if rest else 10_000 if kind == "memory" else 40_000)
            sys.exit(0)
    rounds = 3
    if "--scale" in args:  # (QT_SCALE_FACTOR: read when the application is made)
        at = args.index("--scale")
        os.environ["QT_SCALE_FACTOR"] = args[at + 1]
        print(f"a screen scaled to {float(args[at + 1]):.0%}")
        del args[at : at + 2]
    if "--rounds" in args:
        at = args.index("--rounds")
        rounds = int(args[at + 1])
        del args[at : at + 2]
    main([int(a) for a in args] or [1_000, 10_000], rounds)
