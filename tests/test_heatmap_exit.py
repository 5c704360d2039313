"""A heatmap still alive when Python exits must not crash the process (PySide tears Qt
down after Python, and pyqtgraph's items then call into a finalised interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import numpy as np
from PySide6.QtWidgets import QApplication
app = QApplication([])
from editor.inspect.tensor_view import TensorView
view = TensorView()
view.show_value("m", np.arange(12.0).reshape(3, 4))
view.show()
app.processEvents()
"""


def test_exit_with_a_live_heatmap_is_clean():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
