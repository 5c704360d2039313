"""Undo commands: one class per kind of edit, the only code that changes a document's graph.

Commands refer to nodes by name (names are restored exactly by undo, so they stay valid along
the stack). ``apply`` leaves the graph untouched when the engine refuses the edit.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from editor.document import Command, Document
from editor.tensor_stats import value_preview
from engine.graph import Constant, Graph, Node, Placeholder, Removal, Variable
from engine.replica import data_copy
from engine.tensors import format_shape

Wire = tuple[str, int, str | None]
"""``(target, port, source)``: the node feeding input ``port`` of ``target`` (None: no wire)."""


@dataclass
class NodeSpec:
    """Everything needed to re-create a node (its wires are kept apart)."""

    name: str
    op: str
    attrs: dict[str, Any] = field(default_factory=dict)
    value: np.ndarray | None = None
    ui: dict[str, Any] = field(default_factory=dict)
    inputs: list[str | None] = field(default_factory=list)
    state: dict[str, np.ndarray] = field(default_factory=dict)
    """What the node keeps between runs (a train node's optimizer state)."""

    @classmethod
    def of(cls, node: Node) -> NodeSpec:
        value = node.value if isinstance(node, (Placeholder, Variable, Constant)) else None
        return cls(node.name, node.type, dict(node.attrs),
                   None if value is None else np.array(value, copy=True),
                   data_copy(node.ui), [s.name if s is not None else None for s in node.inputs],
                   {key: np.array(array, copy=True) for key, array in node.state.items()})

    def create(self, graph: Graph) -> Node:
        """The node, unwired, with its value, ``ui`` and state."""
        node = graph.add_node(self.op, name=self.name, attrs=self.attrs, value=self.value,
                              ui=data_copy(self.ui))
        assert node.name == self.name, f"{self.name} was taken"
        if self.state:
            graph.set_state(node, self.state)
        return node


class NameAllocator:
    """Hands out node names free in ``graph`` and among those already handed out:
    the wanted name, or ``base_k`` with the first free k (a copy of ``add_1`` is ``add_2``)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.taken: set[str] = set()
        self._next: dict[str, int] = {}

    def fresh(self, wanted: str) -> str:
        name = wanted
        if name in self.graph or name in self.taken:
            base = re.sub(r"_\d+$", "", wanted)
            k = self._next.get(base, 1)
            while f"{base}_{k}" in self.graph or f"{base}_{k}" in self.taken:
                k += 1
            self._next[base] = k + 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


def _set_wires(graph: Graph, wires: Iterable[Wire]) -> None:
    """Apply wires in order; if one is refused, undo the ones applied and re-raise."""
    done: list[Wire] = []
    try:
        for target, port, source in wires:
            old = graph.get_node(target).inputs[port]
            if source is None:
                graph.disconnect(target, port)
            else:
                graph.connect(source, target, port)
            done.append((target, port, old.name if old is not None else None))
    except Exception:
        _set_wires(graph, reversed(done))
        raise


SHORT = 8
"""Values with more elements are named by shape and dtype in the history."""


def _short(value: Any) -> str:
    """An attribute value as the history shows it (cut to a few dozen characters)."""
    text = "null" if value is None else json.dumps(list(value) if isinstance(value, tuple)
                                                    else value, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


def _nodes_text(names: list[str]) -> str:
    """``J`` for one node, ``3 nodes`` for more."""
    return names[0] if len(names) == 1 else f"{len(names)} nodes"


def _wire_text(doc: Document, source: str | None, target: str, port: int) -> str:
    """``x → matmul.b`` (``matmul.b`` alone without a source)."""
    end = f"{target}.{doc.graph.get_node(target).op.inputs[port]}"
    return end if source is None else f"{source} → {end}"


class AddNodes(Command):
    """Add nodes (a new node, a paste, a duplicate) and the wires among them; the history
    says ``Add J``, or ``Paste 3 nodes`` for ``verb`` "Paste"."""

    def __init__(self, doc: Document, specs: list[NodeSpec], verb: str = "Add") -> None:
        super().__init__(doc, f"{verb} {_nodes_text([s.name for s in specs])}")
        self.specs = specs

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def apply(self) -> None:
        made: list[str] = []
        try:
            for spec in self.specs:
                made.append(spec.create(self.graph).name)
            wires = [(s.name, port, src) for s in self.specs for port, src in enumerate(s.inputs)
                     if src is not None]
            _set_wires(self.graph, wires)
        except BaseException:
            for name in reversed(made):  # all or nothing: a refused node leaves none behind
                self.graph.remove_node(name)
            raise

    def revert(self) -> None:
        for spec in reversed(self.specs):
            self.graph.remove_node(spec.name)


class RemoveItems(Command):
    """Delete nodes with every wire touching them, and wires given as (target, port)."""

    def __init__(self, doc: Document, nodes: Iterable[str], wires: Iterable[tuple[str, int]] = (),
                 verb: str = "Delete") -> None:
        self.node_names = list(nodes)
        self.wire_ends = list(wires)
        said = [_nodes_text(self.node_names)] if self.node_names else []
        if len(self.wire_ends) == 1 and not said:
            target, port = self.wire_ends[0]
            source = doc.graph.get_node(target).inputs[port]
            said.append(_wire_text(doc, source.name if source else None, target, port))
        elif self.wire_ends:
            said.append(f"{len(self.wire_ends)} wire" + "s" * (len(self.wire_ends) != 1))
        super().__init__(doc, f"{verb} {' and '.join(said)}")
        self.removal: Removal | None = None
        """The nodes removed (the very objects: an undo puts them back as they were)."""
        self.unwired: list[Wire] = []
        """The wires given, as they were."""

    def apply(self) -> None:
        graph = self.graph
        nodes = [graph.get_node(name) for name in self.node_names]
        unwired = []
        for target, port in self.wire_ends:
            source = graph.get_node(target).inputs[port]
            unwired.append((target, port, source.name if source is not None else None))
        _set_wires(graph, [(target, port, None) for target, port, _ in unwired])
        self.removal, self.unwired = graph.remove_nodes(nodes), unwired

    def revert(self) -> None:
        assert self.removal is not None  # (applied first)
        self.graph.reinsert(self.removal)
        _set_wires(self.graph, reversed(self.unwired))


class SetWires(Command):
    """Connect, replace, move or disconnect wires: each entry sets one input port. The
    history says what: ``Connect x → matmul.b``, ``Disconnect matmul.b``."""

    def __init__(self, doc: Document, wires: list[Wire], verb: str = "Connect") -> None:
        connected = [w for w in wires if w[2] is not None]
        shown = connected[0] if connected else wires[0]
        text = _wire_text(doc, shown[2], shown[0], shown[1])
        if len(connected) > 1:
            text += f" and {len(connected) - 1} more"
        super().__init__(doc, f"{verb} {text}")
        self.wires = wires
        self.old: list[Wire] = []

    def apply(self) -> None:
        old = []
        for target, port, _ in self.wires:
            source = self.graph.get_node(target).inputs[port]
            old.append((target, port, source.name if source is not None else None))
        _set_wires(self.graph, self.wires)
        self.old = old

    def revert(self) -> None:
        _set_wires(self.graph, reversed(self.old))


class MoveNodes(Command):
    """Set node positions (one drag of a selection, or an arrangement) as one step; undo
    puts back each position as it was (``[0, 0]`` stays whole numbers), or none."""

    def __init__(self, doc: Document, moves: dict[str, list[float]], verb: str = "Move") -> None:
        super().__init__(doc, f"{verb} {_nodes_text(list(moves))}")
        self.moves = moves
        self.old: dict[str, Any] = {}

    def apply(self) -> None:
        self.old = {name: data_copy(self.graph.get_node(name).ui.get("pos"))
                    for name in self.moves}
        for name, new in self.moves.items():
            self.graph.set_ui(name, pos=list(new))

    def revert(self) -> None:
        for name, old in self.old.items():
            self.graph.set_ui(name, pos=data_copy(old))


class Rename(Command):
    def __init__(self, doc: Document, old: str, new: str) -> None:
        super().__init__(doc, f"Rename {old} to {new}")
        self.old, self.new = old, new

    def apply(self) -> None:
        self.graph.rename(self.old, self.new)

    def revert(self) -> None:
        self.graph.rename(self.new, self.old)


class SetAttr(Command):
    """Set one attribute. A placeholder's default follows a new dtype; undo gives back the
    default as it was, not a cast back (float32 and back again loses digits)."""

    def __init__(self, doc: Document, node: str, attr: str, value: Any) -> None:
        super().__init__(doc, f"Set {node}.{attr} = {_short(value)}")
        self.node, self.attr, self.value = node, attr, value
        source = doc.graph.get_node(node)
        self.old = source.attrs[attr]
        default = source.value if isinstance(source, Placeholder) else None
        self.old_default = None if default is None else np.array(default, copy=True)

    def apply(self) -> None:
        self.graph.set_attr(self.node, self.attr, self.value)

    def revert(self) -> None:
        self.graph.set_attr(self.node, self.attr, self.old)
        if self.old_default is not None:
            self.graph.set_value(self.node, self.old_default)


class SetInitializer(Command):
    """Give a variable an initializer (``None``: none) and, with one, the value it draws now
    (drawn once: redo restores the same values)."""

    def __init__(self, doc: Document, node: str, spec: dict[str, Any] | None) -> None:
        super().__init__(doc, f"Set {node}'s initializer")
        variable = doc.graph.get_node(node)
        assert isinstance(variable, Variable)  # only variables have initializers
        self.node, self.spec = node, spec
        self.old_spec = variable.attrs["initializer"]
        self.old_value = np.array(variable.value, copy=True)
        self.value: np.ndarray | None = None

    def apply(self) -> None:
        self.graph.set_attr(self.node, "initializer", self.spec)
        variable = self.graph.get_node(self.node)
        initializer = variable.attrs["initializer"]
        try:
            if initializer is not None:
                if self.value is None:
                    self.value = draw(initializer, self.node)
                self.graph.set_value(variable, self.value)
        except ValueError:
            self.graph.set_attr(self.node, "initializer", self.old_spec)
            raise

    def revert(self) -> None:
        self.graph.set_value(self.node, self.old_value)
        self.graph.set_attr(self.node, "initializer", self.old_spec)


MAX_DIMENSIONS = 64
"""numpy's limit on a tensor's dimensions."""


def draw(initializer: Any, node: str) -> np.ndarray:
    """The value ``node``'s initializer draws; ``ValueError`` naming the node if it cannot be
    drawn: too many dimensions, or more bytes than the machine's memory (both checked before
    anything is allocated), or an allocation that fails all the same."""
    shape = tuple(initializer["shape"])
    refused = f"{node}: cannot draw a value of shape {format_shape(shape)}"
    if len(shape) > MAX_DIMENSIONS:
        raise ValueError(f"{refused}: a tensor has at most {MAX_DIMENSIONS} dimensions")
    size = math.prod(shape) * np.dtype(initializer["dtype"]).itemsize
    memory = _memory()
    if memory is not None and size > memory:
        raise ValueError(f"{refused}: it needs {size / 2**30:,.0f} GiB, more than this "
                         f"machine's {memory / 2**30:,.0f} GiB of memory")
    try:
        value: np.ndarray = initializer()
    except MemoryError:
        raise ValueError(f"{refused}: it does not fit in memory") from None
    except ValueError as error:  # numpy's, or the engine's limits
        raise ValueError(f"{refused}: {error}") from None
    return value


def _memory() -> int | None:
    """The machine's memory in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


class SetValue(Command):
    """Set a variable's or constant's value, or a placeholder's default (None clears it)."""

    def __init__(self, doc: Document, node: str, value: Any) -> None:
        shown = "nothing" if value is None else value_preview(np.asarray(value), SHORT)
        super().__init__(doc, f"Set {node} = {shown}")
        self.node, self.value = node, value
        source = doc.graph.get_node(node)
        assert isinstance(source, (Placeholder, Variable, Constant))  # a node with a value
        old = source.value
        self.old = None if old is None else np.array(old, copy=True)

    def apply(self) -> None:
        self.graph.set_value(self.node, self.value)

    def revert(self) -> None:
        self.graph.set_value(self.node, self.old)
