"""Tensor Canvas's PySide6 editor."""

import ctypes
import sys


def _pin_singletons() -> None:
    """Make ``None``, ``True`` and ``False`` immortal, as Python 3.12 does (PEP 683).

    PySide6 6.12 returns these without a new reference (void methods return ``None``,
    ``Signal.emit`` returns ``True``), which is only harmless where they are immortal: on
    Python 3.11 every call like ``painter.setPen(…)`` takes one reference away, and the
    interpreter aborts ("deallocating None") after a few thousand calls. A huge reference
    count keeps them alive for good.
    """
    if sys.version_info < (3, 12) and sys.implementation.name == "cpython":
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 48


_pin_singletons()
