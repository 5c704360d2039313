"""Where a graph's nodes and wires are on the canvas, without an item for each: their bounds in
numpy arrays, a row per node and per wire, asked in one vectorised test (a few dozen µs for
ten thousand nodes: no Python object per node beyond its row number).

The scene keeps it in step with the document (nodes added, removed, moved; wires made and
undone) and asks it what lies in the area the view shows, to make items only for that; the
overview, framing, the rubber band and free spots ask it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from editor.canvas import layout
from editor.canvas.items.edge import wire_ends, wire_extent
from editor.canvas.items.node import NodeItem
from engine.graph import Node

Box = tuple[float, float, float, float]
"""Left, top, right, bottom (scene coordinates)."""
WireKey = tuple[Node, int]
"""A wire, by the node it feeds and the port."""
_PORTS = 1 << 16
"""A wire's code: its target's row × this + its port."""


def position(node: Node) -> tuple[float, float]:
    """Where ``node`` is drawn: its position, or (0, 0) without a valid one."""
    pos = node.ui.get("pos")
    return (float(pos[0]), float(pos[1])) if layout.valid_pos(pos) else (0.0, 0.0)


def bounds(boxes: list[Box]) -> Box | None:
    """The bounds of ``boxes`` (None if there are none), for many at once."""
    if not boxes:
        return None
    return _bounds(np.array(boxes))


def _bounds(table: np.ndarray) -> Box | None:
    table = table[~np.isnan(table[:, 0])]
    if not len(table):
        return None
    return (float(table[:, 0].min()), float(table[:, 1].min()),
            float(table[:, 2].max()), float(table[:, 3].max()))


def _meeting(table: np.ndarray, area: Box) -> np.ndarray:
    """The rows of ``table`` (boxes; NaN: none) that meet ``area``."""
    left, top, right, bottom = area
    with np.errstate(invalid="ignore"):
        return np.flatnonzero((table[:, 0] <= right) & (table[:, 2] >= left)
                              & (table[:, 1] <= bottom) & (table[:, 3] >= top))


class _Rows:
    """Rows of ``width`` floats (NaN while free), grown by doubling, freed rows reused."""

    def __init__(self, width: int) -> None:
        self.table = np.full((64, width), np.nan)
        self.used = 0
        self.free: list[int] = []

    def take(self) -> int:
        if self.free:
            return self.free.pop()
        if self.used == len(self.table):
            self.table = np.vstack([self.table, np.full_like(self.table, np.nan)])
        self.used += 1
        return self.used - 1

    def give_back(self, row: int) -> None:
        self.table[row] = np.nan
        self.free.append(row)


class SpatialIndex:
    """The nodes' and wires' bounds (see the module's doc)."""

    def __init__(self) -> None:
        self._row: dict[Node, int] = {}
        self._nodes: list[Node | None] = []
        self._boxes = _Rows(7)
        """Per node: its bounds, its position and its height."""
        self._dying: dict[Node, int] = {}
        """Nodes removed by the edit being followed: their rows are reused once it is done
        (:meth:`settle`), when the wires into and out of them are gone too."""
        self._wire_row: dict[int, int] = {}
        self._wires = _Rows(11)
        """Per wire: its bounds, its ends (x1, y1, x2, y2), its target's row, port and
        source's row."""

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, node: object) -> bool:
        return node in self._row

    def nodes(self) -> Iterator[Node]:
        """Every node, in the order they were indexed."""
        return iter(self._row)

    # ---- nodes ----------------------------------------------------------------------------

    def place(self, node: Node) -> None:
        """Index ``node`` where it is now (added, or moved)."""
        row = self._row.get(node)
        if row is None:
            row = self._dying.pop(node, None)
            if row is None:
                row = self._boxes.take()
                if row == len(self._nodes):
                    self._nodes.append(node)
                else:
                    self._nodes[row] = node
            self._row[node] = row
        x, y = position(node)
        left, top, right, bottom = NodeItem.reach_for(node)
        self._boxes.table[row] = (x + left, y + top, x + right, y + bottom, x, y,
                                  NodeItem.height_for(node))

    def remove(self, node: Node) -> None:
        row = self._row.pop(node)
        self._boxes.table[row] = np.nan
        self._dying[node] = row

    def settle(self) -> None:
        """The edit followed is done: the rows of the nodes it removed are free (and any wire
        left at them goes)."""
        if not self._dying:
            return
        rows = np.array(list(self._dying.values()))
        wires = self._wires.table[: self._wires.used]
        for row in np.flatnonzero(np.isin(wires[:, 8], rows) | np.isin(wires[:, 10], rows)):
            self._drop_wire(int(row))
        for row in rows.tolist():
            self._nodes[row] = None
            self._boxes.give_back(row)
        self._dying.clear()

    def box(self, node: Node) -> Box:
        """``node``'s bounds, with its ports (as its item's ``extent``)."""
        left, top, right, bottom = self._boxes.table[self._row[node], :4].tolist()
        return left, top, right, bottom

    def places(self, nodes: list[Node] | None = None
               ) -> Iterator[tuple[Node, float, float, float]]:
        """``nodes`` (default: all) with where they are and their height: x, y, height (as
        numbers from their rows, for many at once)."""
        if nodes is None:
            table = self._boxes.table[: self._boxes.used]
            rows = np.flatnonzero(~np.isnan(table[:, 0]))
            found = [self._nodes[row] for row in rows.tolist()]
        else:
            rows = np.array([self._row[node] for node in nodes], dtype=np.intp)
            found = list(nodes)
        xs, ys, heights = self._boxes.table[rows, 4:].T.tolist()
        return zip(found, xs, ys, heights, strict=True)  # type: ignore[arg-type]

    def nodes_in(self, area: Box) -> list[Node]:
        """The nodes whose bounds meet ``area``."""
        nodes = self._nodes
        return [nodes[row] for row in _meeting(self._boxes.table[: self._boxes.used, :4], area)
                .tolist()]  # type: ignore[misc]  # (a row that meets holds a node)

    def extent(self) -> Box | None:
        """The bounds of every node and wire (None if there are none)."""
        nodes = _bounds(self._boxes.table[: self._boxes.used, :4])
        wires = _bounds(self._wires.table[: self._wires.used, :4])
        return bounds([box for box in (nodes, wires) if box is not None])

    # ---- wires ----------------------------------------------------------------------------

    def wire(self, target: Node, port: int, source: Node) -> None:
        """Index the wire from ``source`` into ``port`` of ``target`` (made, or its ends
        moved)."""
        for end in (target, source):
            if end not in self._row:
                self.place(end)
        code = self._row[target] * _PORTS + port
        row = self._wire_row.get(code)
        if row is None:
            row = self._wire_row[code] = self._wires.take()
        sx, sy = position(source)
        tx, ty = position(target)
        ends = wire_ends(sx, sy, NodeItem.height_for(source), tx, ty,
                         NodeItem.height_for(target), port)
        self._wires.table[row] = (*wire_extent(*ends), *ends[:4], self._row[target], port,
                                  self._row[source])

    def unwire(self, target: Node, port: int) -> None:
        at = self._row.get(target, self._dying.get(target))
        row = None if at is None else self._wire_row.get(at * _PORTS + port)
        if row is not None:
            self._drop_wire(row)

    def _drop_wire(self, row: int) -> None:
        target, port = self._wires.table[row, 8:10]
        del self._wire_row[int(target) * _PORTS + int(port)]
        self._wires.give_back(row)

    def rewire(self, nodes: Iterable[Node]) -> None:
        """Index again the wires into and out of ``nodes`` (they moved), each once."""
        done: set[WireKey] = set()
        for node in nodes:
            wires = [(node, port, source) for port, source in enumerate(node.inputs)
                     if source is not None]
            for target in node.graph.nx.successors(node):
                wires += [(target, port, node) for port, source in enumerate(target.inputs)
                          if source is node]
            for target, port, source in wires:
                if (target, port) not in done:
                    done.add((target, port))
                    self.wire(target, port, source)

    def source(self, target: Node, port: int) -> Node:
        """The node that feeds ``port`` of ``target``."""
        row = self._wire_row[self._row[target] * _PORTS + port]
        node = self._nodes[int(self._wires.table[row, 10])]
        assert node is not None  # (a wire's rows are of nodes indexed)
        return node

    def wires_in(self, area: Box) -> list[WireKey]:
        """The wires whose bounds meet ``area`` (a long one whose ends are both outside it
        too)."""
        table = self._wires.table[: self._wires.used]
        nodes = self._nodes
        return [(nodes[int(target)], int(port))  # type: ignore[misc]  # (rows of nodes)
                for target, port in table[_meeting(table, area), 8:10].tolist()]

    def line(self, target: Node, port: int) -> tuple[float, float, float, float]:
        """The ends of the wire into ``port`` of ``target``: x1, y1, x2, y2."""
        row = self._wire_row[self._row[target] * _PORTS + port]
        x1, y1, x2, y2 = self._wires.table[row, 4:8].tolist()
        return x1, y1, x2, y2

    def wire_lines(self) -> Iterator[tuple[Node, int, Node, float, float, float, float]]:
        """Every wire: its target, port and source, and its ends (x1, y1, x2, y2)."""
        table = self._wires.table[: self._wires.used]
        nodes = self._nodes
        for x1, y1, x2, y2, target, port, source in table[~np.isnan(table[:, 0]), 4:].tolist():
            yield (nodes[int(target)], int(port), nodes[int(source)],  # type: ignore[misc]
                   x1, y1, x2, y2)
