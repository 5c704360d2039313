"""The canvas scene: node and wire items following the document, and the gestures that edit
it (wiring by drag, moving, deleting, pasting) turned into undo commands.

Its items are a cache of what the view shows: the scene indexes where every node and wire is
(:class:`SpatialIndex`) and makes the items of the area the view asks for (:meth:`show_area`),
of a place an action needs (a click, :meth:`item_for`), none far out (the overview draws the
graph from the index). What the items show — the selection, evaluation marks, previews,
step-through marks — is kept by node, so that an item made later shows it too. Items once
made stay until their node goes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import TypeVar

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneHelpEvent,
    QGraphicsSceneMouseEvent,
    QToolTip,
)

from editor import style
from editor.canvas import capacity, layout
from editor.canvas.items import EdgeItem, NodeItem
from editor.canvas.items.edge import wire_ends
from editor.canvas.items.gradient_badge import GradientBadge
from editor.canvas.items.node import Port
from editor.canvas.items.overview import Line, Mark, Overview
from editor.canvas.spatial import Box, SpatialIndex, WireKey, bounds, position
from editor.canvas.wiring import WireDrag
from editor.document import ERROR, NODE_CHANGED, OK, Document
from editor.document.commands import (
    AddNodes,
    MoveNodes,
    NameAllocator,
    NodeSpec,
    RemoveItems,
    Rename,
    SetWires,
)
from engine.errors import EngineError
from engine.gcpause import gc_paused
from engine.graph import GraphEvent, Node
from engine.io import graph_from_text, graph_to_dict
from engine.registry import get_op

PASTE_OFFSET = QPointF(30, 30)
BULK_REMOVAL = 500
"""An edit that removes more items than this, and more than half of them, removes them with the
scene's index switched off."""
INDEX_DEPTH = 10
"""Depth of the scene's index (a BSP tree of 2¹⁰ cells). Qt's own grows with the item count
(15 for 10,000 nodes and their wires), and an item is kept in every cell it crosses: a long
wire in thousands, so the index of a 10,000-node chain took ≈ 90 MB; at 10 it takes ≈ 10 MB,
still a few dozen items a cell to test for a click."""
PLACE_GAP = 12.0
"""Scene units kept free around a new node's ports and body (beyond its neighbours')."""
EDGE_GAP = 12.0
"""Scene units a new node keeps from the edges of the view when it can."""
T = TypeVar("T")
"""What a node shows, kept for it (see :meth:`GraphScene._keep`)."""


def _node_rect(op_type: str) -> QRectF:
    """Where a new node of ``op_type`` would be, relative to its position: its body and its
    ports (as :class:`NodeItem` draws them)."""
    inputs = len(get_op(op_type).inputs)
    height = NodeItem.TITLE_H + max(1, inputs) * NodeItem.ROW_H + NodeItem.FOOTER_H
    return QRectF(-NodeItem.HIT_R, 0, NodeItem.WIDTH + 2 * NodeItem.HIT_R, height)


def _rect(box: Box | None) -> QRectF:
    """``box`` as a rectangle (a null one for None)."""
    if box is None:
        return QRectF()
    left, top, right, bottom = box
    return QRectF(QPointF(left, top), QPointF(right, bottom))


def _box(rect: QRectF) -> Box:
    return rect.left(), rect.top(), rect.right(), rect.bottom()


_ACTIVATION = (QEvent.Type.WindowActivate, QEvent.Type.WindowDeactivate)


def with_children(item: NodeItem) -> QRectF:
    """Where a node and what hangs on it (a gradient badge) are, in scene coordinates."""
    rect = item.sceneBoundingRect()
    if item.childItems():
        rect = rect.united(item.mapRectToScene(item.childrenBoundingRect()))
    return rect


def _shift_as_control(event: QGraphicsSceneMouseEvent) -> None:
    """Shift+click adds to the selection, as Ctrl+click does."""
    if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
        event.setModifiers(event.modifiers() | Qt.KeyboardModifier.ControlModifier)


class GraphScene(QGraphicsScene):
    """Shows a :class:`Document`'s graph and turns gestures into commands.

    ``message`` carries text for the status bar (a refused wire, a refused name…).
    """

    message = Signal(str)

    def __init__(self, doc: Document, build: bool = True) -> None:
        """Show ``doc``: its graph is indexed at once, or (``build`` false) by :meth:`build`."""
        super().__init__()
        self.setBspTreeDepth(INDEX_DEPTH)
        self.doc = doc
        self.index = SpatialIndex()
        """Where every node and wire is, made or not."""
        self.node_items: dict[Node, NodeItem] = {}
        """The node items made (see the module's doc): :meth:`item_for` makes one."""
        self.edge_items: dict[WireKey, EdgeItem] = {}
        self._spare_nodes: dict[Node, NodeItem] = {}
        self._spare_edges: dict[tuple[Node, int, Node], EdgeItem] = {}
        """The items the last edit removed: the next edit (its undo, as a rule) takes back
        those of the nodes and wires it brings back, instead of making them anew."""
        self._spare_flags = (False, True)
        """Whether the spare items were drawn in the overview, and movable."""
        self._doomed: set[QGraphicsItem] | None = None
        """The items an edit that removes most of them removes at its end, in one go."""
        self._wanted: Box | None = None
        """The area the view shows (and a margin): its nodes and wires have items."""
        self._selected: set[Node] = set()
        """The selected nodes (their items, those made, are selected too)."""
        self._band: set[Node] | None = None
        """While a rubber band is dragged: the selection it adds to."""
        self._replacing = False
        """While a click without Ctrl is handled: Qt's selection of items replaces ours."""
        self._syncing = False
        self._previews: dict[Node, str | np.ndarray] = {}
        self._marks: dict[Node, tuple[str, str]] = {}
        self._steps: dict[Node, tuple[str, str]] = {}
        """What the evaluation and the step-through show on each node (those without an
        item show it when one is made)."""
        self._drag: WireDrag | None = None
        self._press_positions: dict[NodeItem, QPointF] = {}
        self.selectionChanged.connect(self._items_selected)  # first: the rest ask for ours
        self.overview = Overview(self._overview_parts, self._chosen_marks, self._repaint, self)
        self.overview_mode = False
        self._selection_changed_quietly = False
        self.built_extent = QRectF()
        """Where the graph :meth:`build` indexed is drawn (framed when it is first shown)."""
        self._own_rect = False
        """Whether the scene's rectangle is the one :meth:`build` set (and :meth:`_cover`
        grows), not Qt's, which grows with the items."""
        self.selectionChanged.connect(self.overview.selection_changed)
        if build:
            for _ in self.build():
                pass
        doc.changed.connect(self._follow)
        doc.shapes_changed.connect(self._refresh_shapes)
        doc.batch_done.connect(self._announce_selection)
        doc.editable_changed.connect(self._editable_changed)

    def event(self, event: QEvent) -> bool:
        """The window's activation is not passed on to every item: Qt would sort all of them
        and tell each (at each dialog and each switch between windows), and no item cares
        (none takes the keyboard's focus, none looks different)."""
        if event.type() in _ACTIVATION:
            return True
        return super().event(event)

    # ---- following the document -----------------------------------------------------------

    def build(self, slice_size: int = 0,
              far_out: Callable[[QRectF], bool] | None = None) -> Iterator[float]:
        """Index the document's graph, ``slice_size`` nodes and wires at a time (0: all at
        once), yielding the fraction done after each slice — a big graph is indexed from the
        event loop, a slice a turn, and the window stays live. ``far_out`` says whether the
        graph's extent will be shown zoomed out to the overview: it is then drawn a slice at a
        time too. No item is made: the view asks for those it shows. The scene's rectangle
        is set to the graph's extent (:meth:`_cover` grows it later, over nodes placed
        beyond it: Qt re-indexes every item when it changes)."""
        graph, index = self.doc.graph, self.index
        with gc_paused():  # what the index holds lives as long as the scene
            nodes = graph.topological_order()  # (File › Open's thread sorted it)
            total = max(2 * len(nodes) + graph.nx.number_of_edges(), 1)
            step = slice_size or total
            if slice_size:
                yield 0.0
            done = 0
            for node in nodes:
                index.place(node)
                done += 1
                if done % step == 0:
                    yield done / total
            extent = _rect(index.extent())
            margin = NodeItem.WIDTH + 2 * NodeItem.HIT_R
            self.setSceneRect(extent.adjusted(-margin, -margin, margin, margin))
            self._own_rect = True
            if far_out is not None:
                self.set_overview(far_out(extent))
            marks: list[Node] = []
            if self.overview_mode:
                self.overview.start()  # drawn a slice at a time too
                for node in nodes:
                    marks.append(node)
                    done += 1
                    if done % step == 0:
                        yield self._slice_done(marks, [], done / total)
                self._slice_done(marks, [], done / total)
            done = len(nodes) * 2
            wires: list[WireKey] = []
            for source, target, port in graph.wires():
                index.wire(target, port, source)
                wires.append((target, port))
                done += 1
                if done % step == 0:
                    yield self._slice_done([], wires, min(done / total, 1.0))
            self._slice_done([], wires, 1.0)
            self.built_extent = _rect(index.extent())
        yield 1.0

    def _slice_done(self, nodes: list[Node], wires: list[WireKey], fraction: float) -> float:
        """``fraction``, once the nodes and wires just indexed are, far out, drawn in the
        overview (the lists of them are emptied for the next slice)."""
        if self.overview_mode:
            line = self.index.line
            self.overview.add(self._marks_of(nodes), (line(*key) for key in wires))
        nodes.clear()
        wires.clear()
        return fraction

    # ---- items: made for what is shown -----------------------------------------------------

    def show_area(self, area: QRectF | None) -> None:
        """Make the items of the nodes and wires in ``area`` (what the view shows, and a
        margin), and after each edit those that come into it; None: far out, none needed."""
        self._wanted = None if area is None else _box(area)
        self._make_in(self._wanted)

    def make_items_in(self, area: QRectF) -> None:
        """Make the items of the nodes and wires in ``area`` (that an action looks at)."""
        self._make_in(_box(area))

    def item_for(self, node: Node) -> NodeItem:
        """``node``'s item, made if it is not."""
        item = self.node_items.get(node)
        if item is None:
            blocked = self.blockSignals(True)
            try:
                item = self._make_node(node)
            finally:
                self.blockSignals(blocked)
        return item

    def items_for(self, nodes: Iterable[Node]) -> list[NodeItem]:
        """The items of ``nodes`` and of the wires among them, made if they are not (a
        picture of them is to be drawn)."""
        chosen = set(nodes)
        items = [self.item_for(node) for node in chosen]
        blocked = self.blockSignals(True)
        try:
            for target, port, source, *_ in list(self.index.wire_lines()):
                if (target, port) not in self.edge_items and target in chosen \
                        and source in chosen:
                    self._make_edge(target, port)
        finally:
            self.blockSignals(blocked)
        return items

    def _make_in(self, box: Box | None, spare_nodes: dict[Node, NodeItem] | None = None,
                 spare_edges: dict[tuple[Node, int, Node], EdgeItem] | None = None) -> None:
        if box is None:
            return
        made, wired = self.node_items, self.edge_items
        nodes = [node for node in self.index.nodes_in(box) if node not in made]
        wires = [key for key in self.index.wires_in(box) if key not in wired]
        if not nodes and not wires:
            return
        blocked = self.blockSignals(True)  # (selected items made announce nothing new)
        try:
            for node in nodes:
                self._make_node(node, spare_nodes)
            for target, port in wires:
                self._make_edge(target, port, spare_nodes, spare_edges)
        finally:
            self.blockSignals(blocked)

    def _make_node(self, node: Node, spare: dict[Node, NodeItem] | None = None) -> NodeItem:
        """``node``'s item: made, or taken from ``spare``, showing what is kept for it."""
        item = spare.pop(node, None) if spare else None
        if item is None:
            item = NodeItem(node)
            if self.overview_mode:
                item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
            if not self.doc.editable:
                item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, False)
        else:
            item.reset()
            if self._spare_flags != (self.overview_mode, self.doc.editable):
                item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, self.overview_mode)
                item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, self.doc.editable)
        item.setPos(*position(node))
        item.set_shape(*self.doc.shape_state(node))
        if node in self._previews:
            item.set_preview(self._previews[node])
        if node in self._marks:
            item.set_state(*self._marks[node])
        if node in self._steps:
            item.set_step(*self._steps[node])
        if node in self._selected:
            item.setSelected(True)
        self.node_items[node] = item
        self.addItem(item)
        return item

    def _make_edge(self, target: Node, port: int,
                   spare_nodes: dict[Node, NodeItem] | None = None,
                   spare: dict[tuple[Node, int, Node], EdgeItem] | None = None) -> EdgeItem:
        """The item of the wire into ``port`` of ``target`` (and of its ends, if need be)."""
        source = self.index.source(target, port)
        made = self.node_items
        source_item = made.get(source) or self._make_node(source, spare_nodes)
        target_item = made.get(target) or self._make_node(target, spare_nodes)
        edge = spare.pop((target, port, source), None) if spare else None
        if edge is not None and edge.source is source_item and edge.target is target_item:
            edge.setSelected(False)
            if self._spare_flags[0] != self.overview_mode:
                edge.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, self.overview_mode)
            edge.update_path()
        else:
            edge = EdgeItem(source_item, target_item, port)
            if self.overview_mode:
                edge.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.addItem(edge)
        source_item.edges.append(edge)
        target_item.edges.append(edge)
        self.edge_items[target, port] = edge
        return edge

    def _follow(self, events: list[GraphEvent]) -> None:
        """Follow an edit's events in one pass: the index first; the items made follow (the
        nodes at the ends of changed wires are repainted once), and those of what comes into
        the shown area are made at the end. Selected nodes that go are announced once, when
        the edit is done (deleting ten thousand selected nodes must not announce ten thousand
        selection changes)."""
        was_empty = not len(self.index)
        index, made, wired = self.index, self.node_items, self.edge_items
        ends: set[Node] = set()
        fresh: set[Node] = set()
        placed: list[Node] = []
        moved: set[Node] = set()
        spare_nodes, spare_edges = self._spare_nodes, self._spare_edges
        self._spare_nodes, self._spare_edges = {}, {}
        # Qt takes an item out of its index at once (slowly, for long wires); without the
        # index, thousands go in a blink, and the index is rebuilt when next needed (for what
        # remains: worth it when most items go)
        removals = sum(1 for event in events if (
            event.kind == "node_removed" and event.node in made) or (
            event.kind == "edge_removed" and (event.node, event.port) in wired))
        many = removals > max(BULK_REMOVAL, (len(made) + len(wired)) // 2)
        if many:
            self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
            # Qt looks for each item it removes in its list of them from the start: taken in
            # the order they were added (nodes, then wires, as a rule), each is found at once
            added: list[QGraphicsItem] = [*made.values(), *wired.values()]
            doomed: set[QGraphicsItem] = set()
            self._doomed = doomed
        self.blockSignals(True)
        try:
            for event in events:
                kind, node = event.kind, event.node
                if kind == "node_added":
                    index.place(node)
                    fresh.add(node)
                    placed.append(node)
                elif kind == "node_removed":
                    self._forget(node)
                elif kind in ("edge_added", "edge_removed"):
                    assert event.port is not None and event.source is not None  # an edge's
                    if kind == "edge_added":
                        index.wire(node, event.port, event.source)
                    else:
                        index.unwire(node, event.port)
                        if (node, event.port) in wired:
                            self._remove_edge_item(node, event.port)
                    ends.update((node, event.source))
                elif kind == "ui_changed" and node in index:
                    index.place(node)
                    moved.add(node)
                    if node in made:
                        self._move_node_item(node)
                    placed.append(node)
                elif kind in NODE_CHANGED and node in index:
                    self._node_changed(node)
        finally:
            if many:
                self._doomed = None
                for old in added:
                    if old in doomed:
                        self.removeItem(old)
                        doomed.discard(old)
                for old in doomed:  # (made by this edit too)
                    self.removeItem(old)
            self.blockSignals(False)
            if many:
                self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
                # a new index learns the area it divides only when the scene's rectangle
                # changes: without this, finding the item under the cursor tested every item
                self.setSceneRect(self.sceneRect())
                self.setSceneRect(QRectF())  # and the rectangle grows with the items again
                self._own_rect = False
            else:
                self._cover(placed)
            graph = self.doc.graph
            index.rewire([node for node in moved if node in graph])
            index.settle()
            self._make_in(self._wanted, spare_nodes, spare_edges)
            self._spare_flags = (self.overview_mode, self.doc.editable)
        for node in ends - fresh:  # their ports show whether they are wired (new ones do)
            item = made.get(node)
            if item is not None:
                item.update()
        self.overview.edited()
        if was_empty != (not len(self.index)):
            self.update()  # the view's hint for an empty canvas goes or comes

    def _forget(self, node: Node) -> None:
        """``node`` went: out of the index, the selection and what is kept for it; its item
        (if made) is spare."""
        self.index.remove(node)
        if node in self._selected:
            self._selected.discard(node)
            self._selection_changed_quietly = True
        self._previews.pop(node, None)
        self._marks.pop(node, None)
        self._steps.pop(node, None)
        if node in self.node_items:
            self._remove_node_item(node)

    def _cover(self, placed: list[Node]) -> None:
        """Grow the scene's rectangle (set by :meth:`build`) over the nodes ``placed`` beyond
        it — by a quarter more, as Qt's own grows: each change re-indexes every item."""
        if not placed or not self._own_rect:
            return
        rect, index = self.sceneRect(), self.index
        beyond = [box for box in (index.box(node) for node in placed if node in index)
                  if box[0] < rect.left() or box[1] < rect.top() or box[2] > rect.right()
                  or box[3] > rect.bottom()]
        if beyond:
            dx, dy = rect.width() / 4, rect.height() / 4
            self.setSceneRect(rect.united(_rect(bounds(beyond))).adjusted(-dx, -dy, dx, dy))

    def _editable_changed(self, editable: bool) -> None:
        """Nodes can be moved only while the document can be edited."""
        for item in self.node_items.values():
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, editable)

    def _repaint(self) -> None:
        if shiboken6.isValid(self):  # not while the scene is being destroyed
            self.update()

    def _remove_item(self, item: QGraphicsItem) -> None:
        """Remove ``item`` (or, in an edit that removes most items, mark it to be removed at
        its end); if it was selected, :meth:`_follow` has blocked the signal, and the
        selection change is announced when the edit is done."""
        if item.isSelected():
            self._selection_changed_quietly = True
        if self._doomed is None:
            self.removeItem(item)
        else:
            self._doomed.add(item)

    def _announce_selection(self) -> None:
        if self._selection_changed_quietly:
            self._selection_changed_quietly = False
            self._syncing = True
            try:
                self.selectionChanged.emit()
            finally:
                self._syncing = False

    def _node_changed(self, node: Node) -> None:
        item = self.node_items.get(node)
        if item is not None:
            item.refresh()
        if node.op.is_source:
            self.set_preview(node, None)  # recomputed when drawn

    def _remove_node_item(self, node: Node) -> None:
        item = self.node_items.pop(node)
        self._press_positions.pop(item, None)
        self._remove_item(item)
        self._spare_nodes[node] = item

    def _remove_edge_item(self, target: Node, port: int) -> None:
        edge = self.edge_items.pop((target, port))
        edge.source.edges.remove(edge)
        edge.target.edges.remove(edge)
        self._remove_item(edge)
        self._spare_edges[target, port, edge.source.node] = edge

    def _move_node_item(self, node: Node) -> None:
        x, y = position(node)
        item = self.node_items[node]
        if (item.pos().x(), item.pos().y()) != (x, y):
            item.setPos(x, y)
            item.update_edges()

    def _refresh_shapes(self, nodes: list[Node]) -> None:
        for node in nodes:
            item = self.node_items.get(node)
            if item is not None:
                item.set_shape(*self.doc.shape_state(node))
        self.overview.edited()

    # ---- what the nodes show -----------------------------------------------------------------

    def set_preview(self, node: Node, preview: str | np.ndarray | None) -> None:
        """Show ``preview`` on ``node`` (see :meth:`NodeItem.set_preview`; None: its
        default)."""
        item = self._keep(self._previews, node, preview)
        if item is not None:
            item.set_preview(preview)

    def previewed(self) -> list[Node]:
        """The nodes that show a preview (not their default)."""
        return list(self._previews)

    def set_state(self, node: Node, state: str, message: str = "") -> None:
        """Mark what the last evaluation found on ``node`` (:meth:`NodeItem.set_state`)."""
        item = self._keep(self._marks, node, None if state == OK else (state, message))
        if item is not None:
            item.set_state(state, message)

    def set_step(self, node: Node, step: str | None, preview: str = "") -> None:
        """Mark ``node`` for a step-through (:meth:`NodeItem.set_step`; None: no mark)."""
        item = self._keep(self._steps, node, None if step is None else (step, preview))
        if item is not None:
            item.set_step(step, preview)

    def _keep(self, kept: dict[Node, T], node: Node, shown: T | None) -> NodeItem | None:
        """Keep what ``node`` shows in ``kept`` (None: nothing, its default), for an item made
        later; ``node``'s item, if made (None too for a node gone from the graph)."""
        if node not in self.index:
            return None
        if shown is None:
            kept.pop(node, None)
        else:
            kept[node] = shown
        return self.node_items.get(node)

    def clear_steps(self) -> None:
        """No node marked for a step-through any more."""
        for node in list(self._steps):
            self.set_step(node, None)

    # ---- the overview ----------------------------------------------------------------------

    def set_overview(self, on: bool) -> None:
        """Show the whole graph as one :class:`Overview` picture (far zoomed out), or as
        node and wire items."""
        if on == self.overview_mode:
            return
        self.overview_mode = on
        flag = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents  # (looked up once: PySide's
        for item in (*self.node_items.values(), *self.edge_items.values()):  # enums are slow)
            item.setFlag(flag, on)
        self.overview.visible = on
        self.overview.invalidate()
        self.update()

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        if self.overview_mode:
            self.overview.paint(painter)

    def _overview_parts(self) -> tuple[Iterator[Mark], Iterator[Line]]:
        return self._marks_of(), self._lines_of(self.index.wire_lines())

    def _chosen_marks(self) -> Iterator[Mark]:
        return self._marks_of([node for node in self._selected if node in self.index])

    def _marks_of(self, nodes: list[Node] | None = None) -> Iterator[Mark]:
        """``nodes`` (default: all) as the overview draws them (where their items are, if
        made; red if their shape or their evaluation failed, as an item's title is)."""
        made, marks, graph = self.node_items, self._marks, self.doc.graph
        colors: dict[str, QColor] = {}  # (by op type)
        for node, x, y, height in self.index.places(nodes):
            item = made.get(node)
            if item is not None:
                yield item.x(), item.y(), item.height, item.title_color()
                continue
            if graph.shape_failed(node):  # (its own error, or blocked by another's)
                state = self.doc.shape_state(node)[1]
            else:
                state = marks[node][0] if node in marks else OK
            if state == ERROR:
                color = style.ERROR
            else:
                color = colors.get(node.type) or colors.setdefault(node.type,
                                                                   style.op_color(node.op))
            yield x, y, height, color

    def _lines_of(self, wires: Iterable[tuple[Node, int, Node, float, float, float, float]]
                  ) -> Iterator[Line]:
        """``wires`` (as :meth:`SpatialIndex.wire_lines` gives them) as the overview draws
        them: following the items made, which a drag moves before the document knows."""
        made = self.node_items
        for target, port, source, x1, y1, x2, y2 in wires:
            if source in made or target in made:
                sx, sy = self._at(source)
                tx, ty = self._at(target)
                x1, y1, x2, y2, _ = wire_ends(sx, sy, NodeItem.height_for(source), tx, ty,
                                              NodeItem.height_for(target), port)
            yield x1, y1, x2, y2

    def _at(self, node: Node) -> tuple[float, float]:
        item = self.node_items.get(node)
        return (item.x(), item.y()) if item is not None else position(node)

    # ---- queries ---------------------------------------------------------------------------

    def node_item(self, name: str) -> NodeItem:
        """Node ``name``'s item (made if it is not)."""
        return self.item_for(self.doc.graph.get_node(name))

    def node_rect(self, node: Node) -> QRectF:
        """Where ``node`` is drawn, with its ports (its item need not be made)."""
        return _rect(self.index.box(node))

    def extent(self) -> QRectF:
        """Where every node, wire and badge is."""
        rect = _rect(self.index.extent())
        for item in self.node_items.values():
            if item.childItems():  # a badge hangs on it
                rect = rect.united(with_children(item))
        return rect

    def selection_extent(self) -> QRectF:
        """Where the selected nodes (and their badges) are (null if none is)."""
        rect = _rect(bounds([self.index.box(node) for node in self._selected]))
        for item in self.selected_node_items():
            if item.childItems():
                rect = rect.united(with_children(item))
        return rect

    def node_item_at(self, pos: QPointF) -> NodeItem | None:
        self._make_at(pos)
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return item
        return None

    def port_at(self, pos: QPointF) -> tuple[NodeItem, Port] | None:
        self._make_at(pos)
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                port = item.port_at(item.mapFromScene(pos))
                if port is not None:
                    return item, port
        return None

    def _make_at(self, pos: QPointF) -> None:
        """Make the items at ``pos`` (far out, none are made till one is clicked)."""
        x, y = pos.x(), pos.y()
        self._make_in((x - 1, y - 1, x + 1, y + 1))

    # ---- the selection ---------------------------------------------------------------------

    def selected(self) -> AbstractSet[Node]:
        """The selected nodes (not to be changed: :meth:`select` does)."""
        return self._selected

    def selected_node_items(self) -> list[NodeItem]:
        """The items of the selected nodes that are made."""
        made = self.node_items
        return [made[node] for node in self._selected if node in made]

    def selected_nodes(self) -> list[Node]:
        """Selected nodes, in the graph's order."""
        chosen = self._selected
        if len(chosen) <= 1:
            return list(chosen)
        return [node for node in self.doc.graph.nodes if node in chosen]

    def select(self, nodes: Iterable[Node]) -> None:
        """Select exactly ``nodes``, and no wire (one ``selectionChanged``, however many
        they are)."""
        self._selected = {node for node in nodes if node in self.index}
        self._mirror(wires=False)
        self._syncing = True
        try:
            self.selectionChanged.emit()
        finally:
            self._syncing = False

    def _mirror(self, wires: bool) -> None:
        """Select the items of the selected nodes, and only those (and the wires selected,
        if ``wires``)."""
        chosen = self._selected
        blocked = self.blockSignals(True)
        try:
            for old in self.selectedItems():
                if isinstance(old, NodeItem) and old.node not in chosen or (
                        not wires and isinstance(old, EdgeItem)):
                    old.setSelected(False)
            made = self.node_items
            for node in chosen if len(chosen) < len(made) else [n for n in made if n in chosen]:
                item = made.get(node)
                if item is not None and not item.isSelected():
                    item.setSelected(True)
        finally:
            self.blockSignals(blocked)

    def _items_selected(self) -> None:
        """Qt changed which items are selected (a click, a rubber band): the selection
        follows — keeping the nodes without items unless a click without Ctrl replaced it."""
        if self._syncing:
            return
        if self._band is not None:  # the band chose from the index: the items follow it
            self._mirror(wires=True)
            return
        made = {item.node for item in self.selectedItems() if isinstance(item, NodeItem)}
        if not self._replacing:
            made.update(node for node in self._selected if node not in self.node_items)
        self._selected = made

    def begin_band(self, adding: bool) -> None:
        """A rubber band starts: it selects what it covers, added to the selection if
        ``adding`` (Ctrl), else instead of it."""
        self._band = set(self._selected) if adding else set()
        if not adding and (self._selected or self.selectedItems()):
            self.select([])

    def band_to(self, area: QRectF) -> None:
        """The rubber band covers ``area``: select the nodes it meets (from the index: far
        out, they have no items)."""
        if self._band is None:
            return
        chosen = self._band.union(self.index.nodes_in(_box(area)))
        if chosen != self._selected:
            self.select(chosen)

    def end_band(self) -> None:
        self._band = None

    # ---- edits -----------------------------------------------------------------------------

    def run(self, command) -> bool:
        """Execute a command; a refusal goes to the status bar."""
        error = self.doc.execute(command)
        if error is not None:
            self.message.emit(f"{command.text()}: {error}")
            return False
        return True

    def add_node(self, op_type: str, at: QPointF) -> Node | None:
        """Add a node of ``op_type`` with its title centred at ``at`` — or at the free spot
        nearest to that (:meth:`free_spot`) — and select it."""
        opdef = get_op(op_type)
        attrs = {"dtype": "float64"} if opdef.kind == "placeholder" else {}
        value = np.array(0.0) if opdef.kind in ("variable", "constant") else None
        pos = at - QPointF(NodeItem.WIDTH / 2, NodeItem.TITLE_H / 2)
        pos += self.free_spot(_node_rect(op_type).translated(pos))
        spec = NodeSpec(NameAllocator(self.doc.graph).fresh(op_type), op_type, attrs, value,
                        {"pos": [round(pos.x()), round(pos.y())]})
        if not self.run(AddNodes(self.doc, [spec])):
            return None
        node = self.doc.graph.get_node(spec.name)
        self.select([node])
        self._reveal(self.node_rect(node))
        return node

    def free_spot(self, rect: QRectF) -> QPointF:
        """How far to move ``rect`` (scene coordinates: new nodes where they were asked for)
        to the nearest spot where it keeps :data:`PLACE_GAP` from every node and badge — in
        the visible part of the canvas if there is room there. Nothing else moves."""
        visible = self._visible_area()
        if visible is not None and visible.width() >= rect.width() \
                and visible.height() >= rect.height():
            found = self._nearest_free(rect, visible)
            if found is not None:
                return found
        found = self._nearest_free(rect, None)
        assert found is not None  # without bounds, some spot is free
        return found

    def _reveal(self, rect: QRectF) -> None:
        """Scroll the views to ``rect`` (new nodes put out of view, for want of room in it)."""
        for view in self.views():
            view.ensureVisible(rect, int(EDGE_GAP), int(EDGE_GAP))

    def _visible_area(self) -> QRectF | None:
        """The part of the scene the (first) view shows, less :data:`EDGE_GAP`."""
        for view in self.views():
            shown = view.mapToScene(view.viewport().rect()).boundingRect()
            return shown.adjusted(EDGE_GAP, EDGE_GAP, -EDGE_GAP, -EDGE_GAP)
        return None

    def _nearest_free(self, rect: QRectF, within: QRectF | None) -> QPointF | None:
        """:meth:`free_spot` inside ``within`` (None if it has no room), or anywhere: looking
        at the nodes near ``rect`` first, then ever farther."""
        radius = max(rect.width(), rect.height())
        while True:
            area = rect.adjusted(-radius, -radius, radius, radius)
            if within is None:
                obstacles = self._obstacles(area)
            else:  # the nodes in it, and walls all around it
                far = area.united(within).adjusted(-1, -1, 1, 1)
                obstacles = self._obstacles(area.intersected(within)) + [
                    (far.left(), far.top(), within.left(), far.bottom()),
                    (within.right(), far.top(), far.right(), far.bottom()),
                    (far.left(), far.top(), far.right(), within.top()),
                    (far.left(), within.bottom(), far.right(), far.bottom())]
            shift = self._free_among(rect, obstacles)
            if shift is not None and max(abs(shift.x()), abs(shift.y())) <= radius:
                return shift  # (nothing farther than the radius can overlap it)
            if within is not None and area.contains(within):
                return None
            radius *= 2

    def _obstacles(self, area: QRectF) -> list[Box]:
        """What a new node must keep clear of in ``area``: the bodies, ports and badges of
        the nodes there, and a gap."""
        found = []
        for node in self.index.nodes_in(_box(area)):
            item = self.node_items.get(node)
            rect = with_children(item) if item is not None else self.node_rect(node)
            found.append(_box(rect.adjusted(-PLACE_GAP, -PLACE_GAP, PLACE_GAP, PLACE_GAP)))
        return found

    @staticmethod
    def _free_among(rect: QRectF, obstacles: list) -> QPointF | None:
        spot = layout.nearest_free(rect.x(), rect.y(), rect.width(), rect.height(),
                                   np.array(obstacles, dtype=float).reshape(-1, 4))
        return None if spot is None else QPointF(spot[0] - rect.x(), spot[1] - rect.y())

    def rename(self, node: Node, new_name: str) -> bool:
        if new_name == node.name:
            return True
        return self.run(Rename(self.doc, node.name, new_name))

    def delete_selection(self) -> None:
        nodes = self.selected_nodes()
        names = {n.name for n in nodes}
        wires = [(e.target.node.name, e.port) for e in self.selectedItems()
                 if isinstance(e, EdgeItem) and e.target.node.name not in names
                 and e.source.node.name not in names]
        if nodes or wires:
            self.run(RemoveItems(self.doc, [n.name for n in nodes], wires))

    def copy_text(self) -> str | None:
        """The selected nodes and the wires among them as file text (None if none)."""
        nodes = self.selected_nodes()
        return json.dumps(graph_to_dict(self.doc.graph, nodes)) if nodes else None

    def paste(self, text: str, at: QPointF | None = None, verb: str = "Paste") -> bool:
        """Add the nodes of file ``text`` (fresh names; the group's corner at ``at``, else
        offset from where they were) and select them; ``verb`` names the edit ("Duplicate")."""
        try:
            pasted = graph_from_text(text, "clipboard", limits=capacity.limits())
        except (ValueError, EngineError) as error:
            self.message.emit(f"Nothing to paste: {error}")
            return False
        specs = [NodeSpec.of(node) for node in pasted.nodes]
        if not specs:
            return False
        allocator = NameAllocator(self.doc.graph)
        names = {spec.name: allocator.fresh(spec.name) for spec in specs}
        corner = np.min([s.ui["pos"] for s in specs if layout.valid_pos(s.ui.get("pos"))]
                        or [[0, 0]], axis=0)
        shift = (at - QPointF(*corner)) if at is not None else PASTE_OFFSET
        group = QRectF()
        for spec in specs:
            x, y = spec.ui["pos"] if layout.valid_pos(spec.ui.get("pos")) else corner
            group = group.united(_node_rect(spec.op).translated(x, y))
        shift += self.free_spot(group.translated(shift))
        group.translate(shift)
        for spec in specs:
            spec.name = names[spec.name]
            spec.inputs = [names.get(s) if s is not None else None for s in spec.inputs]
            x, y = spec.ui["pos"] if layout.valid_pos(spec.ui.get("pos")) else corner
            spec.ui["pos"] = [round(x + shift.x()), round(y + shift.y())]
        if not self.run(AddNodes(self.doc, specs, verb)):
            return False
        self.select([self.doc.graph.get_node(spec.name) for spec in specs])
        self._reveal(group)
        return True

    def arrange(self) -> None:
        """Lay the graph out by topological generation (one undo step)."""
        moves = {}
        for name, new in layout.arrange(self.doc.graph).items():
            if self.doc.graph.get_node(name).ui.get("pos") != new:
                moves[name] = new
        if moves:
            self.run(MoveNodes(self.doc, moves, "Arrange"))

    # ---- gestures --------------------------------------------------------------------------

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self.port_at(event.scenePos())
            if hit is not None and self.doc.editable:
                self._start_wire(*hit, event.scenePos())
                event.accept()
                return
        _shift_as_control(event)
        self._qt_click(super().mousePressEvent, event)
        self._press_positions = {item: item.pos() for item in self.selected_node_items()}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None:
            self._drag.move(event.scenePos(), self.port_at(event.scenePos()))
            event.accept()
            return
        super().mouseMoveEvent(event)
        if event.buttons() & Qt.MouseButton.LeftButton and self._press_positions:
            for item in self._press_positions:
                item.update_edges()
            self.overview.invalidate()

    def helpEvent(self, event: QGraphicsSceneHelpEvent) -> None:
        """The tooltip of the node or gradient badge on top there, made when asked for."""
        self._make_at(event.scenePos())
        for item in self.items(event.scenePos()):
            if isinstance(item, (NodeItem, GradientBadge)):
                QToolTip.showText(event.screenPos(), item.tooltip(), event.widget())
                event.accept()
                return
        super().helpEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drop_wire(event.scenePos())
            event.accept()
            return
        _shift_as_control(event)
        self._qt_click(super().mouseReleaseEvent, event)
        moves: dict[str, list[float]] = {}
        for item, start in self._press_positions.items():
            if item.pos() != start:
                moves[item.node.name] = [item.pos().x(), item.pos().y()]
        if moves:  # the selected nodes without items (or made since) move as far
            item, start = next((i, s) for i, s in self._press_positions.items() if i.pos() != s)
            dx, dy = item.pos().x() - start.x(), item.pos().y() - start.y()
            for node in self._selected:
                if node.name not in moves:
                    x, y = position(node)
                    moves[node.name] = [x + dx, y + dy]
        self._press_positions = {}
        if moves:
            self.run(MoveNodes(self.doc, moves))

    def _qt_click(self, handle: Callable[[QGraphicsSceneMouseEvent], None],
                  event: QGraphicsSceneMouseEvent) -> None:
        """Let Qt ``handle`` a press or release: the items it selects without Ctrl are the
        whole selection."""
        self._replacing = not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        try:
            handle(event)
        finally:
            self._replacing = False

    def _start_wire(self, item: NodeItem, port: Port, pos: QPointF) -> None:
        detached = self.edge_items.get((item.node, port[1])) if port[0] == "in" else None
        self._drag = WireDrag(self.doc.graph, item, port, detached, self.node_items.values())
        self.addItem(self._drag.wire)
        self.update()
        self._drag.move(pos, self.port_at(pos))

    def cancel_wire(self) -> bool:
        """Drop the wire being dragged without changing anything (Escape)."""
        if self._drag is None:
            return False
        drag, self._drag = self._drag, None
        self.removeItem(drag.wire)
        drag.cancel()
        self.update()
        return True

    def _drop_wire(self, pos: QPointF) -> None:
        drag, self._drag = self._drag, None
        assert drag is not None  # called by mouseReleaseEvent while a wire is dragged
        self.removeItem(drag.wire)
        wires, text = drag.finish(self.port_at(pos))
        self.update()
        if wires:
            self.run(SetWires(self.doc, wires, text))
