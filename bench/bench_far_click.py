"""A click far out: the time from a mouse click on a node's title, zoomed out to the whole
graph (the overview), until the window is painted again — and the same for deleting that
node (Delete) and for undoing it (Ctrl+Z): edits far out.

The graph is bench_canvas's (generated, 40,000 nodes by default, laid out by opening), opened
in the real window as File › Open does and framed whole (Home). Two nodes far apart are
clicked in turn (each click moves the selection), deleted and restored; each ROUNDS times,
timed until the event loop is idle (the overview drawn again after an edit, a slice a turn,
and the window repainted). Printed: min and median of each gesture's wall time and of the
longest turn of the event loop in it (the window frozen), with the load average.

    python bench/bench_far_click.py [NODES] [--rounds N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from setup_bench import application, load  # first: Qt offscreen, one BLAS thread

# isort: split
from bench_canvas import generate, new_window, open_by_menu  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def settle(app: QApplication) -> None:
    for _ in range(4):
        app.processEvents()


def main() -> None:
    args = sys.argv[1:]
    rounds = 5
    if "--rounds" in args:
        at = args.index("--rounds")
        rounds = int(args[at + 1])
        del args[at : at + 2]
    n = int(args[0]) if args else 40_000
    app = application()
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        generate(n, path)
        window = new_window()
        open_by_menu(window, path)
        view, scene = window.view, window.scene
        view.frame_all()
        settle(app)
        view.viewport().repaint()
        assert scene.overview_mode, "not zoomed out to the overview"
        nodes = scene.doc.graph.topological_order()
        chosen = [nodes[len(nodes) // 4], nodes[3 * len(nodes) // 4]]

        def title(node: object) -> QPoint:
            rect = scene.node_rect(node)  # type: ignore[arg-type]
            return view.mapFromScene(QPointF(rect.center().x(), rect.top() + 8))

        def timed(gesture: object) -> tuple[float, float]:
            """The wall time of ``gesture`` until idle, and its longest turn."""
            start = time.perf_counter()
            gesture()  # type: ignore[operator]
            turns = [time.perf_counter() - start]
            for _ in range(1000):
                began = time.perf_counter()
                app.processEvents()
                turns.append(time.perf_counter() - began)
                if not scene.overview.redrawing and len(turns) > 4:
                    break
            began = time.perf_counter()
            view.viewport().repaint()
            turns.append(time.perf_counter() - began)
            return time.perf_counter() - start, max(turns)

        times: dict[str, list[tuple[float, float]]] = {
            "click far out": [], "delete far out": [], "undo far out": []}
        for i in range(rounds + 1):
            node = chosen[i % 2]
            point = title(node)
            seconds = timed(lambda p=point: QTest.mouseClick(
                view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p))
            assert list(scene.selected()) == [node], "the click did not select the node"
            deleted = timed(lambda: QTest.keyClick(view, Qt.Key.Key_Delete))
            assert node not in scene.doc.graph, "Delete did not delete the node"
            undone = timed(lambda: QTest.keyClick(view, Qt.Key.Key_Z,
                                                  Qt.KeyboardModifier.ControlModifier))
            assert node in scene.doc.graph, "Ctrl+Z did not restore the node"
            if i:  # the first of each: a warm-up
                for label, value in zip(times, (seconds, deleted, undone), strict=True):
                    times[label].append(value)
        for label, pairs in times.items():
            for what, ms in (("until idle", [wall * 1000 for wall, _ in pairs]),
                             ("longest turn", [turn * 1000 for _, turn in pairs])):
                print(f"{label:16} {what:13} min {min(ms):6.1f} ms  median "
                      f"{statistics.median(ms):6.1f} ms  ({len(ms)} rounds, {n} nodes)")
        window.doc.undo_stack.setClean()
        window.live.close()  # (its thread ended before Qt's objects go)
        window.close()
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
