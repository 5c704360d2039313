"""Tensor Canvas's PySide6 editor.

Qt's raster painter hands fills of more than a few dozen lines to a pool of threads and waits
for them (``QT_NO_GUI_THREADPOOL`` turns that off; Qt reads it at the first such fill). Here
the fills are small — a node, a wire, the strip of background an edit uncovers — and the
cores are wanted by the compute service and training's worker: waking the pool cost more than
it saved (bench/bench_edit.py: 0.4–0.8 ms of a 4–7 ms wire edit; bench/bench_canvas.py: a
repaint at 100 % 2.2 → 0.9 ms, a whole 1754 × 1387 canvas 3.0 → 1.9 ms, on two cores).
"""

import os

os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
