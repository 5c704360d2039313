"""Automatic layout: columns by topological generation, left to right."""

from __future__ import annotations

from typing import TypeGuard

import networkx as nx

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
