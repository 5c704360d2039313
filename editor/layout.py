"""Automatic layout: columns by topological generation, left to right."""

from __future__ import annotations

import networkx as nx

from engine.graph import Graph

from .items.node import NodeItem

COLUMN_GAP = 90.0
ROW_GAP = 36.0


def arrange(graph: Graph) -> dict[str, list[float]]:
    """Positions (top-left corners) for every node: generation k of
    ``networkx.topological_generations`` is column k; each column is centred vertically and
    keeps the order the nodes were added in."""
    order = {node: i for i, node in enumerate(graph.nodes)}
    positions: dict[str, list[float]] = {}
    x = 0.0
    for generation in nx.topological_generations(graph.nx):
        column = sorted(generation, key=order.__getitem__)
        heights = [NodeItem.height_for(node) for node in column]
        y = -(sum(heights) + ROW_GAP * (len(column) - 1)) / 2
        for node, height in zip(column, heights, strict=True):
            positions[node.name] = [x, round(y)]
            y += height + ROW_GAP
        x += NodeItem.WIDTH + COLUMN_GAP
    return positions


def has_positions(graph: Graph) -> bool:
    """Whether every node has a position stored in its ``ui``."""
    return all(_valid_pos(node.ui.get("pos")) for node in graph.nodes)


def _valid_pos(pos: object) -> bool:
    return (isinstance(pos, (list, tuple)) and len(pos) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos))
