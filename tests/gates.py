"""Slow work the test decides the end of: no sleeps, no clocks.

A test op that should take long calls :meth:`Gate.wait` instead of sleeping: the thread that
runs it is held until the test opens the gate (or lets a number of calls through), and the
test can wait until a call is being held — "the worker is inside the slow op now" — to do
what it checks meanwhile. What a test asserts is then order and outcome, never time; the only
timeouts are hang guards.
"""

from __future__ import annotations

import threading

HANG_GUARD = 60.0
"""Seconds a held call waits for a test that never opens the gate, before it fails."""


class Gate:
    """Holds the threads that reach it until the test lets them through."""

    def __init__(self, open: bool = False) -> None:
        self._changed = threading.Condition()
        self._open = open
        self._permits = 0
        self.held = 0
        """Calls held at the gate now."""

    def wait(self) -> None:
        """Called by the slow op: return once the gate is open or a call is let through."""
        with self._changed:
            self.held += 1
            self._changed.notify_all()
            ok = self._changed.wait_for(lambda: self._open or self._permits > 0, HANG_GUARD)
            self.held -= 1
            if not ok:
                raise TimeoutError("the test never opened the gate")
            if not self._open:
                self._permits -= 1

    def open(self) -> None:
        """Let every call through, now and later."""
        with self._changed:
            self._open = True
            self._changed.notify_all()

    def close(self) -> None:
        """Hold the calls that arrive from now on."""
        with self._changed:
            self._open, self._permits = False, 0

    def let_through(self, calls: int = 1) -> None:
        """Let ``calls`` more calls through while the gate stays closed."""
        with self._changed:
            self._permits += calls
            self._changed.notify_all()
