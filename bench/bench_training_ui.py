"""Training in the editor's main window (Training dock, worker process, progress, live loss
curve or decision boundary, live values and gradient badges on the canvas, the result applied
as an undo step; offscreen) ÷ ``python main.py train`` on the same file, in one run.

    python bench/bench_training_ui.py [STEPS]  # target: ≥ 0.9 of the command line's steps/s

Both train resources/examples/mlp.json for STEPS steps from the same start, alternating (the
command line, the window with the loss curve, with the decision boundary) for eleven repeats.
The figure is the median, over the repeats, of the command line's time ÷ the window's in the
same repeat: runs made back to back see the same machine, whose pace drifts by a third within
minutes (the best and median steps/s of each side are printed too). The default, 10,000 steps
(≈ 0.45 s here), is a run as long as the one the target was set on (3,000 steps took ≈ 0.4 s
then; the engine has since become three times faster), so that the ratio measures the rate of
training in the window, not the fixed ≈ 14 ms around a run (printed apart below): at 3,000
steps that part alone is ≈ 10 % of the run. The command line is run in-process (output
captured), timed from the call to its return (loading and saving the small file included); the
window from the click on Train to the run applied on the document's undo stack, the click made
once the opened example has been drawn (as a user's would be) and the worker process, which the
window starts when it opens a graph that trains, is up (one untimed run first). Also: the time
from new variable values to one decision boundary drawn with them (a 100 × 100 grid through the
MLP, predicted by the compute service off the GUI thread).

Then the event loop while the window trains (the figures the tests no longer time): a 10 ms
timer's ticks over 2 s, (A) in the idle window and (B) while the MLP trains in it,
shown live (loss curve, values and gradient badges), alternating A B A B for five repeats;
per side, the longest and the median gap between ticks (min and median over the repeats), and
(B) how long Stop takes to end the run and apply it. BLAS runs on one thread for every side,
the worker process included (it inherits the setting); the load average is printed.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from setup_bench import (  # first: offscreen, one BLAS thread (the worker inherits it)
    ROOT,
    application,
    load,
    ratios,
)

# isort: split
import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

import engine as ts  # noqa: E402
from editor import style  # noqa: E402
from editor.app.window import MainWindow  # noqa: E402
from editor.compute.training_worker import TrainingResult  # noqa: E402
from editor.training.dock import TrainingDock  # noqa: E402
from engine.cli import main as cli  # noqa: E402

MLP = ROOT / "resources" / "examples" / "mlp.json"
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
REPEATS = 5
RATE_REPEATS = 11
SETTLE_MS = 100
"""Time to draw the opened example before clicking Train."""
GAP_SECONDS = 2.0
"""How long the event loop's ticks are recorded, idle or while training."""


def command_line(out: Path) -> float:
    """Seconds for ``python main.py train mlp.json --steps STEPS`` (in-process)."""
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        code = cli(["train", str(MLP), "--fetch", "train", "--steps", str(STEPS),
                    "--out", str(out)])
        seconds = time.perf_counter() - start
    assert code == 0
    return seconds


def window_training(window: MainWindow, tab: int) -> tuple[float, float]:
    """Seconds from the click on Train to the run applied, ``tab`` shown, in a freshly opened
    copy of the example; and of those, the seconds the worker's training loop took."""
    window.doc.undo_stack.setClean()  # nothing to ask about
    window.open_file(MLP, example=True)
    QTest.qWait(SETTLE_MS)
    dock = window.training.training
    dock.steps.setValue(STEPS)
    dock.tabs.setCurrentIndex(tab)
    loop = QEventLoop()
    results: list[TrainingResult] = []
    dock.training_finished.connect(results.append)
    dock.training_finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)  # applied
    start = time.perf_counter()
    QTest.mouseClick(dock.train_button, Qt.MouseButton.LeftButton)
    loop.exec()
    seconds = time.perf_counter() - start
    dock.training_finished.disconnect(results.append)
    dock.training_finished.disconnect(loop.quit)
    assert results[0].reason == "done" and len(results[0].losses) == STEPS
    assert dock.loss_curve.count == STEPS and window.doc.undo_stack.count() == 1
    return seconds, results[0].seconds


def boundary_update(dock: TrainingDock) -> float:
    """Milliseconds from new variable values (a training snapshot's) to the decision boundary
    drawn with them (median): the compute service predicts the grid off the GUI thread."""
    view = dock.boundary
    assert dock.graph is not None  # (the example is open)
    variables = [n for n in dock.graph.nodes if isinstance(n, ts.Variable)]
    loop = QEventLoop()
    view.updated.connect(loop.quit)
    times = []
    for i in range(50):
        values = {n.name: np.asarray(n.value) + 0.01 * (i + 1) for n in variables}
        start = time.perf_counter()
        dock.compute.assume(values)
        dock.show_assumed_values()
        loop.exec()
        times.append(time.perf_counter() - start)
    dock.compute.stop_assuming()
    return 1000 * sorted(times)[len(times) // 2]


def ticks_for(seconds: float) -> list[float]:
    """Run the event loop for ``seconds`` with a 10 ms timer; the times of its ticks."""
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    timer.start()
    loop.exec()
    timer.stop()
    return ticks


def gaps(ticks: list[float]) -> tuple[float, float]:
    """The longest and the median gap between ticks, in ms."""
    between = [1000 * (b - a) for a, b in zip(ticks, ticks[1:], strict=False)]
    return max(between), statistics.median(between)


def event_loop_idle(window: MainWindow) -> tuple[float, float]:
    """(A) the ticks in the idle window, the example open and drawn."""
    window.doc.undo_stack.setClean()
    window.open_file(MLP, example=True)
    QTest.qWait(SETTLE_MS)
    return gaps(ticks_for(GAP_SECONDS))


def event_loop_training(window: MainWindow) -> tuple[float, float, float]:
    """(B) the ticks while the MLP trains in the window (once its first progress has come),
    and the milliseconds from the click on Stop to the run applied."""
    window.doc.undo_stack.setClean()
    window.open_file(MLP, example=True)
    QTest.qWait(SETTLE_MS)
    dock = window.training.training
    dock.steps.setValue(100_000_000)
    dock.tabs.setCurrentIndex(0)
    loop = QEventLoop()
    dock.trainer.progress.connect(loop.quit)
    QTest.mouseClick(dock.train_button, Qt.MouseButton.LeftButton)
    loop.exec()  # training is under way
    dock.trainer.progress.disconnect(loop.quit)
    longest, median = gaps(ticks_for(GAP_SECONDS))
    results: list[TrainingResult] = []
    dock.training_finished.connect(results.append)
    dock.training_finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)  # applied
    start = time.perf_counter()
    QTest.mouseClick(dock.stop_button, Qt.MouseButton.LeftButton)
    loop.exec()
    stop_ms = 1000 * (time.perf_counter() - start)
    dock.training_finished.disconnect(results.append)
    dock.training_finished.disconnect(loop.quit)
    assert results[0].reason == "stopped"
    return longest, median, stop_ms


def main() -> None:
    app = application()
    style.apply_dark_theme(app)
    window = MainWindow(persist=False)
    window.resize(1280, 800)
    window.show()
    window.training.show_gradients_action.setChecked(True)
    window_training(window, 0)  # untimed: the worker process starts
    times: dict[str, list[float]] = {"cli": [], "loss": [], "boundary": []}
    around: list[float] = []  # a window run's seconds besides its training loop's
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RATE_REPEATS):
            times["cli"].append(command_line(Path(tmp) / "trained.json"))
            for name, tab in (("loss", 0), ("boundary", 1)):
                seconds, fitting = window_training(window, tab)
                times[name].append(seconds)
                around.append(seconds - fitting)
    update_ms = boundary_update(window.training.training)
    idle: list[tuple[float, float]] = []
    training: list[tuple[float, float, float]] = []
    load_before = load()
    for _ in range(REPEATS):  # A B A B: both see the same machine
        idle.append(event_loop_idle(window))
        training.append(event_loop_training(window))
    load_after = load()
    window.doc.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    rate = {name: STEPS / min(values) for name, values in times.items()}
    median = {name: STEPS / statistics.median(values) for name, values in times.items()}
    print(f"python main.py train: {rate['cli']:,.0f} steps/s (median {median['cli']:,.0f})")
    for name, label in (("loss", "loss curve shown"), ("boundary", "decision boundary shown")):
        paired = statistics.median(ratios(times, "cli", name))  # (times: cli ÷ window)
        print(f"Main window, {label}: {rate[name]:,.0f} steps/s (median {median[name]:,.0f}) — "
              f"{paired:.2f} of the command line's (target ≥ 0.9; the best ÷ the best "
              f"{rate[name] / rate['cli']:.2f})")
    print(f"  of a run in the window, besides the worker's training loop (the click, the job sent, "
          f"the result applied and painted): {1000 * min(around):.1f} / "
          f"{1000 * statistics.median(around):.1f} ms (min / median)")
    print(f"one decision boundary update (100 × 100 grid, asked to drawn): {update_ms:.2f} ms")
    print(f"event loop, a 10 ms timer over {GAP_SECONDS:g} s (min / median of {REPEATS}; "
          f"load average {load_before} before, {load_after} after):")
    for label, runs in (("(A) idle window", idle), ("(B) while the MLP trains", training)):
        longest = [run[0] for run in runs]
        middle = [run[1] for run in runs]
        print(f"  {label:<26} longest gap {min(longest):6.1f} / {statistics.median(longest):6.1f}"
              f" ms, median gap {min(middle):5.1f} / {statistics.median(middle):5.1f} ms")
    stops = [run[2] for run in training]
    print(f"  Stop → run ended and applied: {min(stops):.0f} / {statistics.median(stops):.0f} ms")


if __name__ == "__main__":
    main()
