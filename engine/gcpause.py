"""Pausing Python's cyclic garbage collector around bulk work."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
"""How many :func:`gc_paused` blocks are running now, in any thread."""
_resume = False
"""Whether the collector was enabled when the first of them began."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large structure.

    The collector runs after every few hundred new containers, and now and then scans the whole
    heap: building a million-entry plan would scan a large heap again and again for garbage that
    such a build does not make. Reference counting still frees everything as usual.

    Pauses in several threads overlap: the collector resumes when the last one ends (one
    thread's end must not let it scan another's half-made graph, holding the GIL 100 ms and
    more).
    """
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
