"""How big a graph the canvas takes: a file of more nodes is refused when it is opened.

Each node costs the editor about 3.5 KB (its graph, the compute service's copy, the
evaluation's sessions, the canvas's index: the canvas makes items only for the nodes shown;
`bench/bench_canvas.py --memory`); a graph of 544,564 nodes once took
11.8 GB and ended in a crash. The command line runs and trains graphs of any size the engine
takes.
"""

from __future__ import annotations

from engine.limits import Limits

MAX_NODES = 50_000
"""The default limit on the nodes of a file opened in the editor."""
VARIABLE = "TENSOR_CANVAS_MAX_CANVAS_NODES"
"""The environment variable that raises (or lowers) it."""


def limits() -> Limits:
    """The limits a file opened in the editor must keep: the engine's tensor limit, and at
    most :data:`MAX_NODES` nodes (or what ``TENSOR_CANVAS_MAX_CANVAS_NODES`` says)."""
    return Limits.from_environment(VARIABLE, MAX_NODES)
