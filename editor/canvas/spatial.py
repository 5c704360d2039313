"""Where a graph's nodes and wires are on the canvas, without an item for each: a uniform
grid of cells, each holding the nodes and wires whose bounds cross it.

The scene keeps it in step with the document (nodes added, removed, moved; wires made and
undone) and asks it what lies in the area the view shows, to make items only for that; the
overview, framing, the rubber band and free spots ask it too.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from editor.canvas import layout
from editor.canvas.items.edge import wire_ends, wire_extent
from editor.canvas.items.node import NodeItem
from engine.graph import Node

CELL = 1024.0
"""A cell's side, in scene units (a few nodes wide)."""
LONG = 64
"""A wire crossing more cells than this is kept apart and tested at every query."""

Box = tuple[float, float, float, float]
"""Left, top, right, bottom (scene coordinates)."""
WireKey = tuple[Node, int]
"""A wire, by the node it feeds and the port."""


def position(node: Node) -> tuple[float, float]:
    """Where ``node`` is drawn: its position, or (0, 0) without a valid one."""
    pos = node.ui.get("pos")
    return (float(pos[0]), float(pos[1])) if layout.valid_pos(pos) else (0.0, 0.0)


def _cells(box: Box) -> Iterator[tuple[int, int]]:
    left, top, right, bottom = box
    for cx in range(int(left // CELL), int(right // CELL) + 1):
        for cy in range(int(top // CELL), int(bottom // CELL) + 1):
            yield cx, cy


def _span(box: Box) -> int:
    left, top, right, bottom = box
    columns = int(right // CELL) - int(left // CELL) + 1
    return columns * (int(bottom // CELL) - int(top // CELL) + 1)


def _meets(a: Box, b: Box) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def bounds(boxes: list[Box]) -> Box | None:
    """The bounds of ``boxes`` (None if there are none), for many at once."""
    if not boxes:
        return None
    table = np.array(boxes)
    return (float(table[:, 0].min()), float(table[:, 1].min()),
            float(table[:, 2].max()), float(table[:, 3].max()))


class SpatialIndex:
    """The nodes' and wires' bounds by grid cell (see the module's doc)."""

    def __init__(self) -> None:
        self.boxes: dict[Node, Box] = {}
        """Each node's bounds, with its ports (as its item's ``extent``)."""
        self.wires: dict[WireKey, tuple[Node, tuple[float, float, float, float, float | None],
                                        Box]] = {}
        """Each wire's source, ends and lane (as :func:`wire_ends` gives them), and bounds."""
        self._node_cells: dict[tuple[int, int], set[Node]] = {}
        self._wire_cells: dict[tuple[int, int], set[WireKey]] = {}
        self._long: set[WireKey] = set()

    def __len__(self) -> int:
        return len(self.boxes)

    # ---- nodes ----------------------------------------------------------------------------

    def place(self, node: Node) -> None:
        """Index ``node`` where it is now (added, or moved: its wires follow)."""
        if node in self.boxes:
            self._unplace(node)
        x, y = position(node)
        left, top, right, bottom = NodeItem.reach_for(node)
        box = (x + left, y + top, x + right, y + bottom)
        self.boxes[node] = box
        cells = self._node_cells
        for cell in _cells(box):
            held = cells.get(cell)
            if held is None:
                cells[cell] = {node}
            else:
                held.add(node)

    def remove(self, node: Node) -> None:
        self._unplace(node)
        del self.boxes[node]

    def _unplace(self, node: Node) -> None:
        cells = self._node_cells
        for cell in _cells(self.boxes[node]):
            held = cells[cell]
            held.discard(node)
            if not held:
                del cells[cell]

    def nodes_in(self, area: Box) -> list[Node]:
        """The nodes whose bounds meet ``area``."""
        boxes, found = self.boxes, set()
        if _span(area) > len(self._node_cells):  # bigger than the graph: test each node
            return [node for node, box in boxes.items() if _meets(box, area)]
        for cell in _cells(area):
            held = self._node_cells.get(cell)
            if held:
                found.update(held)
        return [node for node in found if _meets(boxes[node], area)]

    def extent(self) -> Box | None:
        """The bounds of every node and wire (None if there are none)."""
        return bounds([*self.boxes.values(), *(box for _, _, box in self.wires.values())])

    # ---- wires ----------------------------------------------------------------------------

    def wire(self, target: Node, port: int, source: Node) -> None:
        """Index the wire from ``source`` into ``port`` of ``target`` (made, or its ends
        moved)."""
        key = (target, port)
        if key in self.wires:
            self.unwire(target, port)
        sx, sy = position(source)
        tx, ty = position(target)
        ends = wire_ends(sx, sy, NodeItem.height_for(source), tx, ty,
                         NodeItem.height_for(target), port)
        box = wire_extent(*ends)
        self.wires[key] = (source, ends, box)
        if _span(box) > LONG:
            self._long.add(key)
            return
        cells = self._wire_cells
        for cell in _cells(box):
            held = cells.get(cell)
            if held is None:
                cells[cell] = {key}
            else:
                held.add(key)

    def unwire(self, target: Node, port: int) -> None:
        key = (target, port)
        _, _, box = self.wires.pop(key)
        if key in self._long:
            self._long.discard(key)
            return
        cells = self._wire_cells
        for cell in _cells(box):
            held = cells[cell]
            held.discard(key)
            if not held:
                del cells[cell]

    def rewire(self, node: Node) -> None:
        """Index again the wires into and out of ``node`` (it moved)."""
        for port, source in enumerate(node.inputs):
            if source is not None:
                self.wire(node, port, source)
        for target in node.graph.nx.successors(node):
            for port, source in enumerate(target.inputs):
                if source is node:
                    self.wire(target, port, node)

    def wires_in(self, area: Box) -> list[WireKey]:
        """The wires whose bounds meet ``area`` (a long one whose ends are both outside it
        too)."""
        wires, found = self.wires, set(self._long)
        if _span(area) > len(self._wire_cells):
            return [key for key, (_, _, box) in wires.items() if _meets(box, area)]
        for cell in _cells(area):
            held = self._wire_cells.get(cell)
            if held:
                found.update(held)
        return [key for key in found if _meets(wires[key][2], area)]
