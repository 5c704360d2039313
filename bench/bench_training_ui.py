"""Training in the editor's main window (Training dock, worker process, progress, live loss
curve or decision boundary, live values and gradient badges on the canvas, the result applied
as an undo step; offscreen) ÷ ``python main.py train`` on the same file, in one run.

    python bench/bench_training_ui.py [STEPS]  # target: ≥ 0.9 of the command line's steps/s

Both train resources/examples/mlp.json for STEPS (default 3000) steps from the same start;
each figure is the best of five alternating repeats. The command line is run in-process (output
captured), timed from the call to its return (loading and saving the small file included); the
window from the click on Train to the run applied on the document's undo stack, the click
made once the opened example has been drawn (as a user's would be) and the worker process,
which the window starts when it opens a graph that trains, is up (one untimed run first). Also: the
time from new variable values to one decision boundary drawn with them (a 100 × 100 grid
through the MLP, predicted by the compute service off the GUI thread).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import engine as ts  # noqa: E402
from editor import style  # noqa: E402
from editor.app.window import MainWindow  # noqa: E402
from editor.training.dock import TrainingDock  # noqa: E402
from engine.cli import main as cli  # noqa: E402

MLP = ROOT / "resources" / "examples" / "mlp.json"
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
REPEATS = 5
SETTLE_MS = 100
"""Time to draw the opened example before clicking Train."""


def command_line(out: Path) -> float:
    """Seconds for ``python main.py train mlp.json --steps 3000`` (in-process)."""
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        code = cli(["train", str(MLP), "--fetch", "train", "--steps", str(STEPS),
                    "--out", str(out)])
        seconds = time.perf_counter() - start
    assert code == 0
    return seconds


def window_training(window: MainWindow, tab: int) -> float:
    """Seconds from the click on Train to the run applied, ``tab`` shown, in a freshly opened
    copy of the example."""
    window.doc.undo_stack.setClean()  # nothing to ask about
    window.open_file(MLP, example=True)
    QTest.qWait(SETTLE_MS)
    dock = window.training.training
    dock.steps.setValue(STEPS)
    dock.tabs.setCurrentIndex(tab)
    loop = QEventLoop()
    results = []
    dock.training_finished.connect(results.append)
    dock.training_finished.connect(loop.quit, Qt.QueuedConnection)  # after it is applied
    start = time.perf_counter()
    QTest.mouseClick(dock.train_button, Qt.MouseButton.LeftButton)
    loop.exec()
    seconds = time.perf_counter() - start
    dock.training_finished.disconnect(results.append)
    dock.training_finished.disconnect(loop.quit)
    assert results[0].reason == "done" and len(results[0].losses) == STEPS
    assert dock.loss_curve.count == STEPS and window.doc.undo_stack.count() == 1
    return seconds


def boundary_update(dock: TrainingDock) -> float:
    """Milliseconds from new variable values (a training snapshot's) to the decision boundary
    drawn with them (median): the compute service predicts the grid off the GUI thread."""
    view = dock.boundary
    variables = [n for n in dock.graph.nodes if isinstance(n, ts.Variable)]
    loop = QEventLoop()
    view.updated.connect(loop.quit)
    times = []
    for i in range(50):
        values = {n.name: n.value + 0.01 * (i + 1) for n in variables}
        start = time.perf_counter()
        dock.compute.assume(values)
        dock.show_assumed_values()
        loop.exec()
        times.append(time.perf_counter() - start)
    dock.compute.stop_assuming()
    return 1000 * sorted(times)[len(times) // 2]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    style.apply_dark_theme(app)
    window = MainWindow(persist=False)
    window.resize(1280, 800)
    window.show()
    window.training.show_gradients_action.setChecked(True)
    window_training(window, 0)  # untimed: the worker process starts
    times: dict[str, list[float]] = {"cli": [], "loss": [], "boundary": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(REPEATS):
            times["cli"].append(command_line(Path(tmp) / "trained.json"))
            times["loss"].append(window_training(window, 0))
            times["boundary"].append(window_training(window, 1))
    update_ms = boundary_update(window.training.training)
    window.doc.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    rate = {name: STEPS / min(values) for name, values in times.items()}
    print(f"python main.py train: {rate['cli']:,.0f} steps/s")
    for name, label in (("loss", "loss curve shown"), ("boundary", "decision boundary shown")):
        print(f"Main window, {label}: {rate[name]:,.0f} steps/s — "
              f"{rate[name] / rate['cli']:.2f} of the command line's (target ≥ 0.9)")
    print(f"one decision boundary update (100 × 100 grid, asked to drawn): {update_ms:.2f} ms")


if __name__ == "__main__":
    main()
