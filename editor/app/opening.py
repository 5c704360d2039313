"""Opening a file off the GUI thread: the window stays drawn and a progress dialog, shown once
the read takes a moment, offers Cancel — which leaves the open document as it is. What the
window then makes of the graph (the canvas of a big one) it may make in slices from the event
loop, under the same dialog and Cancel (:meth:`Opener.follow`)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from editor.canvas import capacity
from editor.document import freeze_if_many
from engine.errors import Cancelled, FileFormatError
from engine.gcpause import gc_paused
from engine.graph import Graph
from engine.io import load_graph

SHOW_AFTER_MS = 400
"""A read that takes longer than this shows the progress dialog (a small file opens without)."""
STEPS = 1000
"""The progress bar's resolution."""
BUILD_SLICE = 1000
"""Nodes and wires whose canvas items are made in one turn of the event loop (≈ 30 ms)."""
POLL_MS = 50
"""How often the dialog asks the read how far it is. The reading thread only writes it down:
a signal it emitted every few ms would release and retake the GIL each time, and a thread
waiting for the GIL asks for it only after 5 ms without a switch — the window would wait
hundreds of ms."""


class Opener(QObject):
    """Reads one graph file at a time in a thread: ``opened(path, graph)`` when it is read (and
    prepared by ``prepare``, in that thread too), ``failed(path, message)`` if it cannot be;
    nothing after Cancel. Both arrive on the GUI thread; a slot of ``opened`` may go on with
    the job there by :meth:`follow`."""

    opened = Signal(object, object)
    failed = Signal(object, str)
    _finished = Signal(int, object, object)  # job, path, a graph or a message

    def __init__(self, parent: QWidget, prepare: Callable[[Graph], Graph]) -> None:
        super().__init__(parent)
        self.prepare = prepare
        self.job = 0
        """The current read's number (0: none); a result of another is dropped."""
        self._jobs = 0
        self._cancelled = threading.Event()
        self._path = Path()
        self._fraction: float | None = None
        self._reported: tuple[int, float] = (0, 0.0)
        """The reading thread's last progress: its job and fraction (polled)."""
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self._poll)
        self._steps: Generator[float, None, None] | None = None
        """The work :meth:`follow` runs, a step a turn of the event loop."""
        self._step_timer = QTimer(self)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(self._step)
        self.dialog: QProgressDialog | None = None
        """The progress dialog, while it is shown."""
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.timeout.connect(self._show_dialog)
        self._finished.connect(self._done)

    @property
    def busy(self) -> bool:
        return self.job != 0

    def open(self, path: Path) -> None:
        """Start reading ``path`` (a read under way is abandoned)."""
        self.cancel()
        self._jobs += 1
        self.job = job = self._jobs
        self._cancelled = cancelled = threading.Event()
        self._path, self._fraction = path, None
        self._show_timer.start(SHOW_AFTER_MS)
        self._poll_timer.start()
        threading.Thread(target=self._read, args=(job, path, cancelled), daemon=True,
                         name=f"open {path.name}").start()

    def cancel(self) -> None:
        """Abandon the read under way, or the work :meth:`follow` runs: its result is
        dropped, nothing changes."""
        self._cancelled.set()
        self.job = 0
        self._stop_steps()
        self._close_dialog()

    def follow(self, steps: Generator[float, None, None]) -> None:
        """Go on with the job whose ``opened`` is being delivered: run ``steps`` one per turn
        of the event loop (each yields how far the work is, 0 to 1), under the progress
        dialog; Cancel closes the iterator where it stands (it drops what it made)."""
        self._poll_timer.stop()
        self._steps, self._fraction = steps, None
        if self.dialog is not None:
            self.dialog.setLabelText(f"Drawing {self._path.name}…")
        self._step_timer.start()

    def _step(self) -> None:
        steps = self._steps
        assert steps is not None  # the timer runs only while there are steps
        self._step_timer.stop()  # (a step may ask a question: no other step meanwhile)
        try:
            fraction = next(steps)
        except StopIteration:
            if self._steps is steps:
                self._steps = None
                self._finish()
            return
        except BaseException:  # a bug: the job ends (and the error is shown, see crash.py)
            self.cancel()
            raise
        if self._steps is steps:  # not cancelled meanwhile
            self._fraction = fraction
            self._show_fraction()
            self._step_timer.start()

    def _stop_steps(self) -> None:
        self._step_timer.stop()
        steps, self._steps = self._steps, None
        if steps is not None:
            steps.close()

    def _finish(self) -> None:
        self._step_timer.stop()
        self.job = 0
        self._close_dialog()

    def _show_dialog(self) -> None:
        verb = "Drawing" if self._steps is not None else "Opening"
        dialog = self.dialog = QProgressDialog(f"{verb} {self._path.name}…", "Cancel", 0, 0,
                                               cast(QWidget, self.parent()))
        dialog.setWindowTitle("Opening")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        self._show_fraction()
        dialog.show()

    def _close_dialog(self) -> None:
        self._show_timer.stop()
        self._poll_timer.stop()
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.hide()
            dialog.deleteLater()
            cast(QWidget, self.parent()).activateWindow()  # back to the window's shortcuts

    def _show_fraction(self) -> None:
        """Busy until the loader says how far it is, then how far."""
        if self.dialog is not None and self._fraction is not None:
            self.dialog.setRange(0, STEPS)
            self.dialog.setValue(round(self._fraction * STEPS))

    def _read(self, job: int, path: Path, cancelled: threading.Event) -> None:
        def go_on() -> None:
            """A cancelled read ends here (whatever a cancelled read raises is dropped)."""
            if cancelled.is_set():
                raise Cancelled

        def progress(fraction: float) -> None:  # the loader's hook
            go_on()
            self._reported = (job, fraction)  # (no signal: see POLL_MS)

        try:
            # the collector would hold the GIL for 100 ms and more at a time (the window
            # stutters): what the read makes stays out of its sight, as a document's does
            with gc_paused():
                go_on()
                graph = load_graph(path, progress=progress, limits=capacity.limits())
                go_on()
                result: Graph | str = self.prepare(graph)
                freeze_if_many(len(graph))
        except Cancelled:
            return
        except FileFormatError as error:
            result = str(error)
        except (OSError, ValueError, MemoryError) as error:  # a limit set wrongly, no memory
            result = f"{path}: cannot open it ({type(error).__name__}: {error})"
        if not cancelled.is_set():
            self._send(self._finished, job, path, result)

    @staticmethod
    def _send(signal: Any, *args: Any) -> None:
        """Emit ``signal`` from the reading thread — unless the window (and this opener with
        it) closed meanwhile: then no one waits for the read."""
        with contextlib.suppress(RuntimeError):  # its C++ object is deleted
            signal.emit(*args)

    def _poll(self) -> None:
        job, fraction = self._reported
        if job == self.job and self._steps is None and fraction != self._fraction:
            self._fraction = fraction
            self._show_fraction()

    def _done(self, job: int, path: Path, result: Graph | str) -> None:
        if job != self.job:
            return  # cancelled, or another read replaced it
        if isinstance(result, str):
            self._finish()
            self.failed.emit(path, result)
            return
        self.opened.emit(path, result)
        if self._steps is None and self.job == job:  # not followed (nor cancelled, replaced)
            self._finish()
