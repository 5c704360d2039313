"""Automatic layout: columns by topological generation, left to right; and where a new node
goes: the free spot nearest to where it was asked for."""

from __future__ import annotations

from typing import TypeGuard

import networkx as nx
import numpy as np

from editor.canvas.items.node import NodeItem
from engine.graph import Graph, Node

COLUMN_GAP = 90.0
ROW_GAP = 36.0


def columns(graph: Graph) -> list[list[Node]]:
    """Nodes by column: operations by ``networkx.topological_generations``; a source sits
    just left of its first consumer, not all sources in the first column."""
    column: dict[Node, int] = {}
    for k, generation in enumerate(nx.topological_generations(graph.nx)):
        for node in generation:
            column[node] = k
    succ = graph.nx.succ
    for node in column:
        if node.op.is_source and succ[node]:
            column[node] = max(min(column[c] for c in succ[node]) - 1, 0)
    out: list[list[Node]] = [[] for _ in range(max(column.values(), default=-1) + 1)]
    for node in graph.nodes:  # keeps the order nodes were added in
        out[column[node]].append(node)
    return [c for c in out if c]


def arrange(graph: Graph) -> dict[str, list[float]]:
    """Positions (top-left corners) for every node, left to right by :func:`columns`, each
    column centred vertically."""
    positions: dict[str, list[float]] = {}
    x = 0.0
    for column in columns(graph):
        heights = [NodeItem.height_for(node) for node in column]
        y = -(sum(heights) + ROW_GAP * (len(column) - 1)) / 2
        for node, height in zip(column, heights, strict=True):
            positions[node.name] = [x, round(y)]
            y += height + ROW_GAP
        x += NodeItem.WIDTH + COLUMN_GAP
    return positions


def has_positions(graph: Graph) -> bool:
    """Whether every node has a position stored in its ``ui``."""
    return all(valid_pos(node.ui.get("pos")) for node in graph.nodes)


def valid_pos(pos: object) -> TypeGuard[list[float] | tuple[float, float]]:
    """Whether ``pos`` (from a node's ``ui``) is an ``[x, y]`` pair of numbers."""
    return (isinstance(pos, (list, tuple)) and len(pos) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos))


MAX_CANDIDATES = 250_000
"""More crossings of the obstacles' edges than this are not all tried (see nearest_free)."""
WORK = 4_000_000
"""Candidate-obstacle pairs tested at a time (bounds the memory)."""


def nearest_free(x: float, y: float, width: float, height: float,
                 obstacles: np.ndarray) -> tuple[float, float] | None:
    """The top-left corner nearest ``(x, y)`` for a ``width`` × ``height`` rectangle that
    overlaps none of ``obstacles`` (rows of left, top, right, bottom; touching is allowed),
    or None if every spot among the obstacles' edges is taken.

    A corner inside obstacle ``o``'s forbidden zone — ``(o.left − width, o.right)`` ×
    ``(o.top − height, o.bottom)``, open intervals — makes the rectangle overlap ``o``; the
    nearest point outside every zone is ``(x, y)`` itself, the projection of ``(x, y)`` onto a
    zone's edge, or a corner where two zones' edges cross: so the candidates are the grid of
    ``x`` and the zones' left and right edges by ``y`` and their top and bottom edges, tested
    nearest first (of two as near, the lower, then the one further right). Among very many
    obstacles only the projections are tried: a free spot, if not always the nearest."""
    if len(obstacles) == 0:
        return x, y
    lefts, tops = obstacles[:, 0] - width, obstacles[:, 1] - height
    rights, bottoms = obstacles[:, 2], obstacles[:, 3]
    xs = np.unique(np.concatenate([[x], lefts, rights]))
    ys = np.unique(np.concatenate([[y], tops, bottoms]))
    if len(xs) * len(ys) <= MAX_CANDIDATES:
        grid_x, grid_y = (a.ravel() for a in np.meshgrid(xs, ys))
    else:
        grid_x = np.concatenate([xs, np.full(len(ys), x)])
        grid_y = np.concatenate([np.full(len(xs), y), ys])
    order = np.lexsort((-grid_x, -grid_y, (grid_x - x) ** 2 + (grid_y - y) ** 2))  # ties:
    # below before above, right before left
    chunk = max(WORK // len(obstacles), 1)
    for start in range(0, len(order), chunk):
        chosen = order[start:start + chunk]
        cx, cy = grid_x[chosen, None], grid_y[chosen, None]
        taken = ((cx > lefts) & (cx < rights) & (cy > tops) & (cy < bottoms)).any(axis=1)
        free = np.flatnonzero(~taken)
        if len(free):
            k = chosen[free[0]]
            return float(grid_x[k]), float(grid_y[k])
    return None
