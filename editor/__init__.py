"""Tensor Canvas's PySide6 editor."""

import ctypes
import sys


def _pin_none() -> None:
    """Make ``None`` immortal, as Python 3.12 does (PEP 683).

    PySide6 6.12's void methods return ``None`` without a new reference, which is only
    harmless where ``None`` is immortal: on Python 3.11 every call like ``painter.setPen(…)``
    takes one reference from ``None`` and the interpreter aborts ("deallocating None") after a
    few thousand calls. A huge reference count on ``None`` keeps it alive for good.
    """
    if sys.version_info < (3, 12) and sys.implementation.name == "cpython":
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48


_pin_none()
