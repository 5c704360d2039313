"""Shared test setup: Qt renders offscreen (set before Qt is imported anywhere), and qtbot's
waits are hang guards with a generous default timeout."""

import functools
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HANG_GUARD_MS = 60_000
"""qtbot's default timeout here, instead of pytest-qt's 5 s: a wait is never what a test
asserts, only a guard against hanging, and a loaded machine may take long to get there."""


@pytest.fixture
def qtbot(qtbot):
    """pytest-qt's qtbot, its waits given :data:`HANG_GUARD_MS` unless a test says otherwise."""
    for name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback", "waitExposed",
                 "waitActive"):
        setattr(qtbot, name, functools.partial(getattr(qtbot, name), timeout=HANG_GUARD_MS))
    return qtbot
