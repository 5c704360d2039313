"""The wiring gesture: a wire dragged from a port, following the cursor, lighting up the ports
that can take it, and what dropping it means (connect, replace, move or disconnect)."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from PySide6.QtCore import QPointF

from editor.canvas.items import EdgeItem, NodeItem, WireItem
from editor.canvas.items.node import Port
from editor.document.commands import Wire
from engine.graph import Graph

Hit = tuple[NodeItem, Port]


class WireDrag:
    """A wire being dragged from ``port`` of ``item``.

    From an output, or from an input that has a wire (which is picked up: ``detached``), the
    loose end looks for an input; from a free input it looks for an output. Ports whose node
    would close a cycle are not lit up (dropping there still asks the engine, which explains).
    """

    def __init__(self, graph: Graph, item: NodeItem, port: Port, detached: EdgeItem | None,
                 items: Iterable[NodeItem]) -> None:
        self.detached = detached
        self.hover: Hit | None = None
        self.wire = WireItem()
        if port[0] == "out" or detached is not None:
            self.anchor = item if detached is None else detached.source
            self.anchor_port: Port = ("out", 0)
            self.wants = "in"
            forbidden = nx.ancestors(graph.nx, self.anchor.node) | {self.anchor.node}
            if detached is not None:
                detached.hide()
        else:
            self.anchor, self.anchor_port, self.wants = item, port, "out"
            forbidden = nx.descendants(graph.nx, item.node) | {item.node}
        self.items = list(items)
        for other in self.items:
            if other.node not in forbidden:
                other.highlight = ({("out", 0)} if self.wants == "out" else
                                   {("in", i) for i in range(len(other.node.inputs))})

    def move(self, pos: QPointF, hit: Hit | None) -> None:
        """Follow the cursor at ``pos``; snap to ``hit`` if it is a lit port."""
        if hit is not None and hit[1] not in hit[0].highlight:
            hit = None
        if self.hover != hit:
            if self.hover is not None:
                self.hover[0].hover_port = None
                self.hover[0].update()
            if hit is not None:
                hit[0].hover_port = hit[1]
                hit[0].update()
            self.hover = hit
        end = hit[0].port_scene_pos(hit[1]) if hit is not None else pos
        fixed = self.anchor.port_scene_pos(self.anchor_port)
        if self.wants == "in":
            self.wire.set_points(fixed, end)
        else:
            self.wire.set_points(end, fixed)

    def cancel(self) -> None:
        """End the gesture without an edit: the ports go dark, a picked-up wire returns."""
        for item in self.items:
            item.highlight = set()
            item.hover_port = None
        if self.detached is not None:
            self.detached.show()

    def finish(self, hit: Hit | None) -> tuple[list[Wire], str]:
        """End the gesture over ``hit`` (a port or None): the wires to set and the edit's
        name (no wires: nothing to do)."""
        self.cancel()
        if hit is not None and hit[1][0] != self.wants:
            hit = None
        anchor = self.anchor.node
        if self.wants == "out":
            if hit is None:
                return [], ""
            return [(anchor.name, self.anchor_port[1], hit[0].node.name)], "Connect"
        old = self.detached
        if hit is None:
            return ([(old.target.node.name, old.port, None)], "Disconnect") if old else ([], "")
        target, port = hit[0].node, hit[1][1]
        if old is not None:
            if (old.target.node, old.port) == (target, port):
                return [], ""
            return ([(target.name, port, anchor.name), (old.target.node.name, old.port, None)],
                    "Move wire")
        if target.inputs[port] is anchor:
            return [], ""
        return [(target.name, port, anchor.name)], "Connect"
