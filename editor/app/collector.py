"""Python's cyclic garbage collector, run on the GUI thread only.

An automatic collection runs in whichever thread happens to allocate. One in a worker thread
(the compute service, an export, a data import, a training thread) that frees a cycle holding
a Qt object deletes that object off its thread, which crashes Qt (pyqtgraph's
``GarbageCollector`` exists for the same reason). So the editor turns automatic collection off
and collects on the GUI thread instead, by the collector's own thresholds, from a timer.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
"""How often the GUI thread looks whether a collection is due."""


def collect_due() -> None:
    """Collect the oldest generation whose count is past its threshold, as the automatic
    collector would have (nothing if none is)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return


class GuiThreadCollector(QObject):
    """Turns automatic collection off for the process and collects from a timer on the thread
    it lives on (the GUI thread), while it lives."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(collect_due)
        self._timer.start()
