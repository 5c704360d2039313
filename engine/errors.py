"""The engine's error hierarchy: every message names the node(s) involved."""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose.

    ``node`` is the name of the node responsible, when there is one; the editor uses it to
    mark that node on the canvas.
    """

    def __init__(self, message: str, node: str | None = None) -> None:
        super().__init__(message)
        self.node = node


class CycleError(EngineError):
    """A wire would close a cycle in the graph."""


class ShapeError(EngineError):
    """Static shapes do not fit an op, or a node's shape cannot be inferred."""


class FeedError(EngineError):
    """A placeholder has no value, or a fed value does not fit it."""


class EvaluationError(EngineError):
    """An op failed while it was being computed."""


class FileFormatError(EngineError):
    """A graph file is malformed; the message says where."""


class Cancelled(Exception):
    """A long operation was cancelled: a progress callback (``load_graph``'s ``progress``)
    raises it to stop the work, which then leaves nothing behind. Not an :class:`EngineError`:
    nothing is wrong with the input."""
