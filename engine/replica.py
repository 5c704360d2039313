"""Keeping a copy of a graph in step with it: each change event becomes a :data:`Change`
record (node names and copies of values, nothing shared with the graph it came from) that
:func:`replay` applies to the copy — in another thread or process if need be.

    replica = graph.copy()
    graph.subscribe(lambda event: queue.append(change_of(event)))
    ...
    for change in queue: replay(replica, change)

(or, batched, ``graph.subscribe(lambda events: queue.extend(changes_of(events)), batched=True)``)
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .graph import Graph, GraphEvent, Node, _ValueNode

Change = tuple[str, tuple[Any, ...]]
"""An edit to replay: the name of a :class:`Graph` method and its arguments (by node name)."""


def change_of(event: GraphEvent) -> Change | None:
    """The change record of a graph event; ``None`` for one a replica does not need (a
    node's ``ui``)."""
    node, kind = event.node, event.kind
    if kind == "node_added":
        return "add_node", (node.type, node.name, data_copy(node.attrs), value_copy(node))
    if kind == "node_removed":
        return "remove_node", (node.name,)
    if kind == "edge_added":
        assert event.source is not None
        return "connect", (event.source.name, node.name, event.port)
    if kind == "edge_removed":
        return "disconnect", (node.name, event.port)
    if kind == "renamed":
        return "rename", (event.old_name, node.name)
    if kind == "attr_changed":
        return "set_attrs", (node.name, data_copy(node.attrs))
    if kind == "value_changed":
        return "assign", (node.name, value_copy(node))
    if kind == "state_changed":
        return "set_state", (node.name, {k: np.array(v, copy=True) for k, v in node.state.items()})
    return None


_REMOVALS = ("edge_removed", "node_removed")


def changes_of(events: Sequence[GraphEvent]) -> list[Change]:
    """The change records of a batch of events, in order — each run of removals (a deletion
    of thousands of nodes) as the disconnections its nodes' removal does not imply and one
    ``remove_nodes``."""
    changes: list[Change] = []
    i = 0
    while i < len(events):
        if events[i].kind not in _REMOVALS:
            change = change_of(events[i])
            if change is not None:
                changes.append(change)
            i += 1
            continue
        end = i
        while end < len(events) and events[end].kind in _REMOVALS:
            end += 1
        run = events[i:end]
        removed = [event.node for event in run if event.kind == "node_removed"]
        gone = set(removed)
        changes.extend(("disconnect", (e.node.name, e.port)) for e in run
                       if e.kind == "edge_removed" and e.node not in gone and e.source not in gone)
        if removed:
            changes.append(("remove_nodes", ([node.name for node in removed],)))
        i = end
    return changes


def replay(graph: Graph, change: Change) -> None:
    """Apply one change record to ``graph``. Raises ``KeyError`` (or the engine's error) if
    the graph is not the one the record was made for."""
    action, args = change
    if action == "add_node":
        op_type, name, attrs, value = args
        graph.add_node(op_type, name=name, attrs=attrs, value=value)
    elif action == "set_attrs":
        name, attrs = args
        node = graph.get_node(name)
        for key, value in attrs.items():
            if node.attrs.get(key) != value:
                graph.set_attr(node, key, value)
    elif action == "assign":
        name, value = args
        graph.assign(cast(_ValueNode, graph.get_node(name)), value)  # made from value_changed
    elif action in ("remove_node", "remove_nodes", "connect", "disconnect", "rename",
                    "set_state"):
        getattr(graph, action)(*args)
    else:
        raise ValueError(f"unknown change {action!r}")


_IMMUTABLE = (str, int, float, bool, type(None))


def data_copy(value: Any) -> Any:
    """A deep copy of ``value``, made directly for immutable scalars and the dicts, lists and
    tuples of them a node's attributes and ``ui`` mostly are (``copy.deepcopy`` for anything
    else): an edit of ten thousand nodes copies them all."""
    if isinstance(value, _IMMUTABLE):
        return value
    kind = type(value)
    if kind is dict:
        return {key: data_copy(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return kind(data_copy(item) for item in value)
    return copy.deepcopy(value)


def value_copy(node: Node) -> np.ndarray | None:
    """A copy of a source's value (``None`` for an operation or an empty default)."""
    value = getattr(node, "value", None)
    return None if value is None else np.array(value, copy=True)
