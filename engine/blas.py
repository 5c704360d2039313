"""BLAS threads that suit a run's size: a plan of small arrays computes on one thread (a
multi-threaded BLAS splits even a small product across cores, and stalls on it for whole time
slices when another process holds one of them), a plan of big ones on up to the limit.

Sessions call :func:`suit` before each run (a plan's first run by its inputs' size, later
ones by its largest value, so that a run's count never depends on what ran before); it
changes the BLAS libraries' thread count (through threadpoolctl, found on first use) only
when the count it needs differs from the present one. :func:`set_limit` is the most threads
(the editor's Preferences); by default, as many as BLAS started with.
"""

from __future__ import annotations

from typing import Any

SMALL = 1 << 16
"""Elements: a plan whose largest value has fewer runs on one BLAS thread (a 256 × 256 matrix
product gains little from a second thread, and loses much when that thread must wait)."""

_libraries: list[Any] | None = None
_limit = 0
"""The most threads (0: as many as BLAS started with)."""
_started = 1
_current = 0


def _found() -> list[Any]:
    """threadpoolctl's controllers of the loaded BLAS libraries (none without threadpoolctl)."""
    global _libraries, _started, _current
    if _libraries is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover — a dependency; without it nothing is limited
            _libraries = []
        else:
            _libraries = ThreadpoolController().select(user_api="blas").lib_controllers
        _started = max([lib.num_threads for lib in _libraries] or [1])
        _current = _started
    return _libraries


def most() -> int:
    """The most threads a big plan gets."""
    _found()
    return _limit or _started


def set_limit(threads: int) -> None:
    """At most ``threads`` BLAS threads (0: as many as BLAS started with), applied now."""
    global _limit
    _found()
    _limit = max(0, threads)
    _apply(most())  # (the next run of a small plan goes back to one)


def suit(largest: int) -> None:
    """Set the thread count for a plan whose largest value has ``largest`` elements (nothing
    to do when it is set already: the common case, a few hundred nanoseconds)."""
    threads = 1 if largest < SMALL else most()
    if threads != _current:
        _apply(threads)


def _apply(threads: int) -> None:
    global _current
    for library in _found():
        library.set_num_threads(threads)
    _current = threads
