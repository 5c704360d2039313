"""Start the editor: ``python main.py [FILE]`` or ``python main.py --screenshot OUT.png [FILE]``."""

from __future__ import annotations

import argparse
import os
import sys

# numpy and networkx before Qt: PySide6 reads the source of every module imported after it
# (looking for its own name), which took a quarter of the start
import engine  # noqa: F401

# isort: split
from editor.app.preferences import THEMES, Preferences, apply_blas_threads


def prepare_environment() -> None:
    """Apply the preferences' BLAS thread limit: to this process now (threadpoolctl) and,
    through the environment, to the processes it starts (training's worker)."""
    threads = Preferences.load().blas_threads
    if threads > 0:
        apply_blas_threads(threads)


def parser() -> argparse.ArgumentParser:
    from engine.cli import COMMANDS

    commands = ", ".join(COMMANDS)
    p = argparse.ArgumentParser(
        prog="python main.py",
        description="Tensor Canvas: build computational graphs by mouse.",
        epilog=f"Without a GUI: python main.py {{{commands}}} ... (see python main.py run --help); "
               "python main.py export-image FILE OUT.png|OUT.svg draws a picture.",
    )
    p.add_argument("file", nargs="?", help="a graph file to open (default: the affine example)")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="render the window offscreen to a PNG and exit")
    p.add_argument("--select", metavar="NAMES",
                   help="select these nodes (comma-separated) and show their values")
    p.add_argument("--theme", choices=list(THEMES),
                   help="the theme this time (default: the preferences'; screenshots: dark)")
    return p


def main(argv: list[str] | None = None) -> int:
    prepare_environment()
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    from editor.canvas import capacity
    from engine.errors import FileFormatError
    from engine.io import load_graph

    if args.screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        if args.file:
            try:  # refused here, in words, rather than by a dialog nobody sees
                load_graph(args.file, limits=capacity.limits())
            except (FileFormatError, ValueError) as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
    from PySide6.QtWidgets import QApplication

    from editor import style
    from editor.app.preferences import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication([APPLICATION])
    assert isinstance(app, QApplication)  # ours, or the one the tests made
    from editor.app.collector import GuiThreadCollector

    GuiThreadCollector(app)  # garbage collected on this thread only (Qt objects in it)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    style.apply_theme(app, args.theme or ("dark" if args.screenshot else Preferences.load().theme))
    from editor.app.window import DEFAULT_EXAMPLE, MainWindow  # its plots take the theme's colours

    window = MainWindow(persist=not args.screenshot)
    if args.file:
        window.open_file(args.file)
    else:
        window.open_file(DEFAULT_EXAMPLE, example=True)
    if args.select:
        window.select_names(args.select.split(","))
    if args.screenshot:
        return screenshot(window, args.screenshot)
    from editor.app.crash import ErrorReporter

    ErrorReporter(window, window.autosave).install()  # an unexpected error: a dialog, not a
    window.show()  # traceback, and the work written to the recovery file
    window.view.frame_all()
    if os.environ.get(EXIT_WHEN_SHOWN):
        exit_when_painted(window.view.viewport())
    return app.exec()


EXIT_WHEN_SHOWN = "TENSORCANVAS_EXIT_WHEN_SHOWN"
"""Set (by bench/bench_start.py), the editor prints the wall-clock time (``time.time()``) at
which the canvas is first painted, and quits."""


def exit_when_painted(widget) -> None:  # noqa: ANN001 — a QWidget
    """Print the time ``widget`` is first painted at, then quit the application."""
    import time

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                widget.removeEventFilter(self)
                QTimer.singleShot(0, self.painted)  # after this paint is done
            return False

        def painted(self) -> None:
            print(f"shown at {time.time():.6f}", flush=True)
            QApplication.quit()

    widget.installEventFilter(FirstPaint(widget))


def screenshot(window, path: str) -> int:
    """Render ``window`` at 1280×800 to ``path`` once the values shown are evaluated."""
    import time

    from PySide6.QtWidgets import QApplication

    window.resize(1280, 800)
    window.show()
    QApplication.processEvents()
    window.view.frame_all()
    deadline = time.monotonic() + 10
    while window.compute.busy and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()
    saved = window.grab().save(path)
    window.live.close()
    if not saved:
        print(f"error: cannot write {path}", file=sys.stderr)
        return 1
    return 0
