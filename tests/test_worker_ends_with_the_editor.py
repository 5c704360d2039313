"""A training worker process, and the resource tracker that came with it, end when the
editor's process dies — also while a run is paused."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from training_helpers import MLP

ROOT = Path(__file__).resolve().parents[1]
GUARD = 60.0
"""Seconds a wait may take before the test gives up (a hang guard, not what is tested)."""
EDITOR = f"""
import multiprocessing, sys
from multiprocessing import resource_tracker
from PySide6.QtCore import QCoreApplication, QEventLoop
import engine as ts
from editor.compute.trainer import Trainer

app = QCoreApplication([])
trainer = Trainer()
loop = QEventLoop()
trainer.progress.connect(lambda *args: loop.quit())
trainer.start(ts.load_graph({str(MLP)!r}), "train", 10_000_000)
loop.exec()  # it trains
trainer.pause()
(worker,) = multiprocessing.active_children()
print(worker.pid, resource_tracker._resource_tracker._pid, flush=True)
sys.stdin.read()  # until killed
"""


def test_a_paused_worker_and_its_resource_tracker_end_when_the_editor_is_killed():
    editor = subprocess.Popen([sys.executable, "-c", EDITOR], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT),
                                   "QT_QPA_PLATFORM": "offscreen"})
    handles: list[int] = []
    pids: list[int] = []
    try:
        assert editor.stdout is not None
        assert select.select([editor.stdout], [], [], GUARD)[0], "the editor did not start"
        pids = [int(pid) for pid in editor.stdout.readline().split()]
        assert len(pids) == 2, "the editor did not start training"
        handles = [os.pidfd_open(pid) for pid in pids]  # the worker's, the tracker's
        editor.kill()
        editor.wait()
        for handle, what in zip(handles, ("worker", "resource tracker"), strict=True):
            assert select.select([handle], [], [], GUARD)[0], f"the {what} lives on"
    finally:
        editor.kill()
        editor.wait()
        for handle, pid in zip(handles, pids, strict=False):
            if not select.select([handle], [], [], 0)[0]:
                os.kill(pid, signal.SIGKILL)  # what the test started must not outlive it
            os.close(handle)
