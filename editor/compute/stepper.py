"""Step through an evaluation: the nodes a Session computes, one at a time, in its order.

:func:`trace` (no Qt) runs a Session and lists each node of the plan with the value it produced,
inputs before their consumers. :class:`Stepper` walks such a list — next, back, run to end,
reset — and plays it on a timer.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import networkx as nx
from PySide6.QtCore import QObject, QTimer, Signal

from editor.tensor_stats import preview, value_preview
from engine.errors import EngineError
from engine.registry import get_op
from engine.session import Session


class Step(NamedTuple):
    """One node of an evaluation: its value, or why it has none."""

    name: str
    op: str
    inputs: tuple[str | None, ...]
    value: Any = None
    error: str | None = None
    """The engine's message, on the node whose op failed."""
    blocked_by: str | None = None
    """The failed node this one waits on."""

    def value_text(self) -> str:
        """The value as the node shows it (a variable's written out while small)."""
        return (value_preview if get_op(self.op).is_source else preview)(self.value)


def trace(session: Session, fetch: Any, feeds: dict[Any, Any] | None = None) -> list[Step]:
    """The steps ``session`` takes to compute ``fetch`` (with ``feeds``), each with the value
    it produced.

    When a node fails, the nodes downstream of it are listed as blocked by it, and every other
    node still gets its value.
    """
    graph = session.graph
    order = session.evaluation_order(fetch)
    errors: dict[str, str] = {}
    blocker: dict[str, str] = {}
    pending = order
    values: dict[str, Any] = {}
    while pending:
        try:
            values = dict(zip((n.name for n in pending), session.run(pending, feeds), strict=True))
            break
        except EngineError as error:
            culprit = (graph.get_node(error.node)
                       if error.node is not None and error.node in graph else None)
            if culprit is None or culprit not in pending:
                raise
            errors[culprit.name] = str(error)
            cone = nx.descendants(graph.nx, culprit)
            blocker.update((n.name, culprit.name) for n in pending if n in cone)
            pending = [n for n in pending if n is not culprit and n not in cone]
    return [
        Step(n.name, n.type, tuple(s.name if s is not None else None for s in n.inputs),
             values.get(n.name), errors.get(n.name), blocker.get(n.name))
        for n in order
    ]


class Stepper(QObject):
    """Walks a list of steps. ``position`` is how many steps are shown (0 … ``len(steps)``);
    the current step is the last one shown. ``play()`` advances every ``interval`` ms."""

    position_changed = Signal(int)
    playing_changed = Signal(bool)

    def __init__(self, steps: list[Step] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: list[Step] = list(steps or [])
        self._position = 0
        self._timer = QTimer(self, interval=600)
        self._timer.timeout.connect(self._tick)

    @property
    def steps(self) -> list[Step]:
        return list(self._steps)

    @property
    def position(self) -> int:
        return self._position

    @property
    def current(self) -> Step | None:
        return self._steps[self._position - 1] if self._position else None

    @property
    def shown(self) -> list[Step]:
        """The steps done so far, in order."""
        return self._steps[: self._position]

    @property
    def at_end(self) -> bool:
        return self._position == len(self._steps)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def interval(self) -> int:
        """Milliseconds between steps while playing."""
        return self._timer.interval()

    def set_interval(self, ms: int) -> None:
        self._timer.setInterval(max(1, int(ms)))

    def set_steps(self, steps: list[Step]) -> None:
        """Start over with new steps."""
        self.pause()
        self._steps = list(steps)
        self._go(0, force=True)

    def next(self) -> None:
        self._go(self._position + 1)

    def go_to(self, position: int) -> None:
        """Show the first ``position`` steps (clamped to the steps there are)."""
        self._go(position)

    def back(self) -> None:
        self.pause()
        self._go(self._position - 1)

    def run_to_end(self) -> None:
        self.pause()
        self._go(len(self._steps))

    def reset(self) -> None:
        self.pause()
        self._go(0)

    def play(self) -> None:
        """Advance on the timer until the end (from the start if already at the end)."""
        if self.at_end:
            self._go(0)
        if self._steps and not self.playing:
            self._timer.start()
            self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self.playing_changed.emit(False)

    def _tick(self) -> None:
        self.next()
        if self.at_end:
            self.pause()

    def _go(self, position: int, force: bool = False) -> None:
        position = min(max(position, 0), len(self._steps))
        if position != self._position or force:
            self._position = position
            self.position_changed.emit(position)
