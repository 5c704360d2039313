"""The GUI thread's time per edit in the editor's main window, on the series' MLP.

resources/examples/mlp.json opened in the real MainWindow (offscreen, in the editor's theme),
the loss J pinned in the Tensor dock and the variable b_output selected (the Properties dock
shows it; the canvas shows every value computed on the way to J). Each kind of edit is made
as the editor makes it:

- value (Properties): a new value typed into b_output's Value field, then Enter
  (``editingFinished``: the panel parses it and executes a ``SetValue``);
- value (SetValue): the same edit as a ``SetValue`` command executed by the document;
- move: b_output moved by 20 px (a ``MoveNodes`` command, what a drag leaves on release);
- wire: b_output's wire into add_1 disconnected, then connected again (``SetWires``; one or
  the other each time, so J alternates between failing and evaluated);
- rename: b_output renamed to b_out and back (``Rename``).

Each edit is measured in two layouts of the window, which take turns: the default (for
mlp.json the Training dock is in front, the Tensor dock behind its tab) and the Tensor dock in
front (as a user who pins J and watches it has it).

    python bench/bench_edit.py [REPEATS] [--only KIND]          # target: median ≤ 5 ms
    python bench/bench_edit.py --profile KIND [N] [--tensor]    # cProfile of N edits of one
                                                                # kind (--tensor: Tensor dock
                                                                # in front)

An edit is timed from issuing it until the event loop is idle again: its own work, the
evaluation it asks for delivered (the worker's answer waited for, as the document does for up
to a frame) and everything that posts, painted, processed. The layouts and kinds take turns (each
layout in turn, and in it A B C D E), so that all see the same conditions; each is repeated
REPEATS times (default 60), with a
pause of 100 ms between edits in which the work an edit defers (the History dock repaints a few
frames later) is done and measured apart, as the GUI thread's CPU time ("deferred"). Printed:
min and median wall time, the median of the GUI thread's CPU time in the timed span, and the
median deferred CPU time, per kind, and the load average and the machine's pace
(:func:`setup_bench.pace`: runs made at different times compare only beside it) before and
after. BLAS is pinned to
one thread (threadpoolctl if installed, else the environment variables, set before numpy is
imported), so the shared machine's other work does not compete with BLAS threads.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from setup_bench import ROOT, application, load, pace  # first: before numpy and Qt load

# isort: split
import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from editor import style  # noqa: E402
from editor.app.window import MainWindow  # noqa: E402
from editor.document.commands import MoveNodes, Rename, SetValue, SetWires  # noqa: E402
from engine.graph import Graph, Variable  # noqa: E402

MLP = ROOT / "resources" / "examples" / "mlp.json"
REPEATS = 60
PAUSE_MS = 100
"""Between two edits: for the work an edit defers (measured apart)."""
TARGET_MS = 5.0
VARIABLE, LOSS, CONSUMER = "b_output", "J", "add_1"


def settle(app: QApplication) -> None:
    """Process events until none are left: a pass leaves those posted during it for the
    next, and a layout done after a paint asks for another paint."""
    for _ in range(4):
        app.processEvents()


class Bench:
    """The window, and one function per kind of edit (each makes its next edit)."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.window = window = MainWindow(persist=False)
        window.resize(1280, 800)
        window.show()
        assert window.open_file(MLP, example=True)
        self.evaluator = window.live.compute
        self.name = VARIABLE
        self.count = 0
        self.wired = True
        window.select_names([LOSS])
        self.wait(300)  # the first evaluation, layout and paint
        window.tensor_view.panel(LOSS).pin_button.setChecked(True)
        window.select_names([VARIABLE])
        self.wait(300)
        self.base = np.array(value_of(window.doc.graph, VARIABLE))
        self.kinds: dict[str, Callable[[], None]] = {
            "value (Properties)": self.value_by_panel,
            "value (SetValue)": self.value_by_command,
            "move": self.move,
            "wire": self.wire,
            "rename": self.rename,
        }

    def layouts(self) -> dict[str, Callable[[], None]]:
        """Each layout by name, and what puts the window in it."""
        window = self.window
        return {"default": window.training.dock.raise_, "Tensor dock in front":
                window.tensor_dock.raise_}

    def wait(self, ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def idle(self) -> None:
        """Until the event loop is idle: the evaluation asked for delivered, all posted
        events processed."""
        settle(self.app)
        deadline = time.perf_counter() + 5
        while self.evaluator.busy and time.perf_counter() < deadline:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        settle(self.app)

    def next_value(self) -> np.ndarray:
        self.count += 1
        self.last = self.base + 0.001 * self.count
        return self.last

    def value_by_panel(self) -> None:
        field = self.window.properties.fields["value"].widget
        assert isinstance(field, QLineEdit)
        field.setText(np.array2string(self.next_value(), separator=", ", precision=17))
        field.setModified(True)
        self.start()
        field.editingFinished.emit()

    def value_by_command(self) -> None:
        doc, value = self.window.doc, self.next_value()
        self.start()
        assert doc.execute(SetValue(doc, self.name, value)) is None

    def move(self) -> None:
        doc = self.window.doc
        old = list(doc.graph.get_node(self.name).ui["pos"])
        new = [old[0], old[1] + (20 if self.count % 2 == 0 else -20)]
        self.count += 1
        self.start()
        assert doc.execute(MoveNodes(doc, {self.name: new})) is None

    def wire(self) -> None:
        doc = self.window.doc
        source, text = (None, "Disconnect") if self.wired else (self.name, "Connect")
        self.wired = not self.wired
        self.start()
        assert doc.execute(SetWires(doc, [(CONSUMER, 1, source)], text)) is None

    def rename(self) -> None:
        doc = self.window.doc
        new = "b_out" if self.name == VARIABLE else VARIABLE
        old, self.name = self.name, new
        self.start()
        assert doc.execute(Rename(doc, old, new)) is None

    def start(self) -> None:
        self.started = time.perf_counter()
        self.cpu_started = time.thread_time()

    def measure(self, kind: str) -> tuple[float, float, float]:
        """One edit of ``kind``: (wall seconds to idle, GUI thread CPU seconds meanwhile, GUI
        thread CPU seconds in the pause after it)."""
        self.kinds[kind]()
        self.idle()
        wall = time.perf_counter() - self.started
        cpu = time.thread_time() - self.cpu_started
        before = time.thread_time()
        self.wait(PAUSE_MS)
        return wall, cpu, time.thread_time() - before

    def close(self) -> None:
        self.window.doc.undo_stack.setClean()
        self.window.training.stop()
        self.window.live.close()
        self.window.close()


def run(bench: Bench, repeats: int, only: str | None) -> None:
    kinds = [only] if only else list(bench.kinds)
    layouts = bench.layouts()
    samples: dict[tuple[str, str], list[tuple[float, float, float]]] = {
        (layout, kind): [] for layout in layouts for kind in kinds}
    for round_ in range(repeats + 1):  # the first round untimed: first-time costs
        for layout, put in layouts.items():
            put()
            bench.wait(PAUSE_MS)
            for kind in kinds:
                sample = bench.measure(kind)
                if round_:
                    samples[layout, kind].append(sample)
    graph = bench.window.doc.graph
    assert only or np.array_equal(value_of(graph, bench.name), bench.last), "a lost edit"
    for layout in layouts:
        print(f"\n{layout}:")
        print(f"{'edit':22} {'min':>8} {'median':>8} {'GUI CPU':>8} {'deferred':>9}   (ms; "
              f"target: median ≤ {TARGET_MS:g} ms)")
        for kind in kinds:
            rows = samples[layout, kind]
            wall, cpu, deferred = ([row[i] * 1000 for row in rows] for i in range(3))
            median = statistics.median(wall)
            verdict = "met" if median <= TARGET_MS else "not met"
            print(f"{kind:22} {min(wall):8.2f} {median:8.2f} {statistics.median(cpu):8.2f} "
                  f"{statistics.median(deferred):9.2f}   {verdict}")


def profile(bench: Bench, kind: str, count: int) -> None:
    import cProfile
    import pstats

    for _ in range(3):
        bench.measure(kind)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        bench.kinds[kind]()
        bench.idle()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"cProfile of {count} edits '{kind}' (without the pauses), by own time:")
    stats.sort_stats("tottime").print_stats(25)
    print("by cumulative time:")
    stats.sort_stats("cumulative").print_stats(40)


def value_of(graph: Graph, name: str) -> np.ndarray:
    """The value of the variable ``name``."""
    variable = graph.get_node(name)
    assert isinstance(variable, Variable) and variable.value is not None
    return variable.value


def main() -> None:
    args = sys.argv[1:]
    kind = only = None
    tensor = "--tensor" in args
    args = [arg for arg in args if arg != "--tensor"]
    if args[:1] == ["--profile"]:
        kind, args = args[1], args[2:]
    if "--only" in args:
        at = args.index("--only")
        only, args = args[at + 1], args[:at] + args[at + 2:]
    repeats = int(args[0]) if args else (30 if kind else REPEATS)
    app = application()
    style.apply_dark_theme(app)  # as the editor looks (and paints) when it runs
    threadpool_limits(1)  # for the rest of the process
    print(f"load average {load()}; pace {pace()}; BLAS pinned to 1 thread (threadpoolctl)")
    bench = Bench(app)
    graph = bench.window.doc.graph
    print(f"{MLP.name}: {len(graph)} nodes; {LOSS} pinned, {VARIABLE} selected; "
          f"{repeats} edits of each kind in each layout")
    if kind is not None:
        layout = "Tensor dock in front" if tensor else "default"
        print(f"layout: {layout}")
        bench.layouts()[layout]()
        bench.wait(PAUSE_MS)
        profile(bench, kind, repeats)
    else:
        run(bench, repeats, only)
    bench.close()
    print(f"load average {load()}; pace {pace()}")


if __name__ == "__main__":
    main()
