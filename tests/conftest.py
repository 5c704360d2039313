"""Shared test setup: Qt renders offscreen (set before Qt is imported anywhere), qtbot's
waits are hang guards with a generous default timeout, and garbage is collected on the main
thread only, between tests (as the editor does on its GUI thread: editor/app/collector.py)."""

import functools
import gc
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HANG_GUARD_MS = 60_000
"""qtbot's default timeout here, instead of pytest-qt's 5 s: a wait is never what a test
asserts, only a guard against hanging, and a loaded machine may take long to get there."""


@pytest.fixture(autouse=True)
def collect_on_the_main_thread():
    """No automatic collection during a test — one in a worker thread that frees a cycle
    holding a Qt object (an earlier test's widget) deletes it off its thread and crashes Qt —
    and, after it, the collection that would have been due."""
    from editor.app.collector import collect_due

    gc.disable()
    yield
    delete_windows()
    collect_due()


def delete_windows() -> None:
    """Delete the windows a test left (closed by qtbot by now): a window's children that hold
    it in Python make a cycle through Qt's ownership, which no collection sees, so each would
    stay alive for the rest of the run, and every later test would pay for the thousands of
    widgets (an application-wide style change repolishes them all)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    for widget in app.topLevelWidgets():
        if widget.parent() is None:
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def qtbot(qtbot):
    """pytest-qt's qtbot, its waits given :data:`HANG_GUARD_MS` unless a test says otherwise."""
    for name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback", "waitExposed",
                 "waitActive"):
        setattr(qtbot, name, functools.partial(getattr(qtbot, name), timeout=HANG_GUARD_MS))
    return qtbot
