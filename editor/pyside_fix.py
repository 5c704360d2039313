"""A workaround for PySide6 6.12 on Python < 3.12: every call of a Python override of a void
virtual (``paintEvent``, ``QGraphicsItem.paint``…) drops one reference to ``None``. ``None``
starts with a few thousand references, so after a few thousand repaints Python aborts with
"Fatal Python error: none_dealloc". Python 3.12 made ``None`` immortal; on older versions we
give it references enough to never run out."""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 60


def make_none_immortal() -> None:
    """Give ``None`` references for ~10^18 override calls (nothing to do on Python ≥ 3.12)."""
    if sys.version_info >= (3, 12):
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < HEADROOM:
        refcount.value += HEADROOM
