"""The computational graph: nodes by name, their wiring in a ``networkx.DiGraph``.

Every change goes through a :class:`Graph` method, which keeps the networkx topology in step
with the nodes and tells listeners (sessions, the editor) what changed.
"""

from __future__ import annotations

import contextlib
import copy
import re
import weakref
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from functools import partial
from itertools import compress, filterfalse, repeat
from operator import eq
from typing import TYPE_CHECKING, Any, NamedTuple

import networkx as nx
import numpy as np

from .errors import CycleError, EngineError, ShapeError
from .gcpause import gc_paused
from .initializers import Initializer
from .registry import OpDef, Shape, get_op, op_for_operator
from .store import EMPTY, Frozen, Neighbours, Pos, lean_attrs, lean_ui
from .tensors import as_tensor, format_shape, shape_fits, short_repr

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*")

STRUCTURAL = frozenset({"node_added", "node_removed", "edge_added", "edge_removed", "attr_changed"})
"""Event kinds that change what a run computes (they bump :attr:`Graph.version`)."""


class GraphEvent(NamedTuple):
    """What changed: ``kind`` is one of ``node_added``, ``node_removed``, ``edge_added``,
    ``edge_removed`` (``node`` is the consumer, ``port`` its input, ``source`` the producer),
    ``renamed`` (``old_name``), ``attr_changed``, ``value_changed``, ``state_changed`` (what
    an op keeps between runs, set by :meth:`Graph.set_state`) or ``ui_changed``."""

    kind: str
    node: Node
    port: int | None = None
    source: Node | None = None
    old_name: str | None = None


class Node:
    """A node of a graph: a source (placeholder, variable, constant) or an operation.

    ``inputs`` has one entry per input port of the op: the producing node, or ``None`` while
    the port is not wired (a graph built in the editor can be incomplete).
    """

    __slots__ = ("op", "graph", "inputs", "attrs", "ui", "name", "state", "__weakref__")

    def __init__(
        self,
        op_type: str,
        inputs: Iterable[Node | None] = (),
        name: str | None = None,
        attrs: dict[str, Any] | None = None,
        ui: Mapping[str, Any] | None = None,
        graph: Graph | None = None,
    ) -> None:
        self.op: OpDef = get_op(op_type)
        inputs = list(inputs)
        if len(inputs) > len(self.op.inputs):
            raise TypeError(f"{op_type} takes {len(self.op.inputs)} inputs, got {len(inputs)}")
        self.graph: Graph = graph if graph is not None else _graph_of(inputs)
        self.inputs: list[Node | None] = [None] * len(self.op.inputs)
        self.attrs: dict[str, Any] = lean_attrs(
            self.op.parse_attrs(attrs) if attrs else self.op.default_attrs())
        self.ui: Mapping[str, Any] = lean_ui(ui)
        self.state: dict[str, np.ndarray] = EMPTY
        """Named tensors the op keeps between runs (an optimizer's moments); saved in files."""
        self.name: str = self.graph._claim_name(name, op_type)
        self.graph._add(self, inputs)

    @property
    def type(self) -> str:
        return self.op.type

    @property
    def label(self) -> str:
        """How messages name the node: ``z (add)`` — or ``matmul``, once, where the name is
        the op's."""
        return self.name if self.name == self.type else f"{self.name} ({self.type})"

    @property
    def input_nodes(self) -> list[Node | None]:
        return list(self.inputs)

    @property
    def consumers(self) -> list[Node]:
        return list(self.graph.nx.successors(self))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.name}' ({self.type})>"

    # Python operators build operations, as in TensorFlow: the registry says which.
    def __add__(self, other: Any) -> Operation:
        return _apply("+", self, other)

    def __radd__(self, other: Any) -> Operation:
        return _apply("+", other, self)

    def __sub__(self, other: Any) -> Operation:
        return _apply("-", self, other)

    def __rsub__(self, other: Any) -> Operation:
        return _apply("-", other, self)

    def __mul__(self, other: Any) -> Operation:
        return _apply("*", self, other)

    def __rmul__(self, other: Any) -> Operation:
        return _apply("*", other, self)

    def __truediv__(self, other: Any) -> Operation:
        return _apply("/", self, other)

    def __rtruediv__(self, other: Any) -> Operation:
        return _apply("/", other, self)

    def __matmul__(self, other: Any) -> Operation:
        return _apply("@", self, other)

    def __rmatmul__(self, other: Any) -> Operation:
        return _apply("@", other, self)

    def __neg__(self) -> Operation:
        return _apply("neg", self)

    def __pow__(self, other: Any) -> Operation:
        return _apply("**", self, other)

    def __rpow__(self, other: Any) -> Operation:
        return _apply("**", other, self)

    def __abs__(self) -> Operation:
        return _apply("abs()", self)


def _apply(operator: str, *operands: Any) -> Operation:
    """The operation that a Python ``operator`` builds on ``operands``."""
    return Operation(op_for_operator(operator).type, operands)


class Operation(Node):
    """A node that computes its value from its inputs with its op's compute function."""

    __slots__ = ()

    def __init__(
        self,
        op_type: str,
        inputs: Iterable[Any] = (),
        name: str | None = None,
        attrs: dict[str, Any] | None = None,
        ui: Mapping[str, Any] | None = None,
        graph: Graph | None = None,
    ) -> None:
        inputs = list(inputs)
        graph = graph if graph is not None else _graph_of(inputs)
        for x in inputs:  # checked before any constant is added
            if isinstance(x, Node) and x.graph is not graph:
                raise ValueError(f"{x.name} belongs to another graph: nodes of different "
                                 "graphs cannot be combined")
        nodes = [
            x if x is None or isinstance(x, Node)
            else (NumberConstant if type(x) in _NUMBERS else Constant)(x, graph=graph)
            for x in inputs
        ]
        super().__init__(op_type, nodes, name, attrs, ui, graph)


class _ValueNode(Node):
    """A source holding a tensor in the graph (a variable's value, a constant, a default)."""

    __slots__ = ("_value",)
    _value: np.ndarray | None

    @property
    def value(self) -> np.ndarray | None:
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self.graph.set_value(self, value)

    @property
    def run_value(self) -> Any:
        """What a run holds for the node."""
        return self._value


class Placeholder(_ValueNode):
    """An input fed at run time; ``default`` is its value when a run does not feed it."""

    __slots__ = ()

    def __init__(
        self,
        shape: Any = None,
        dtype: Any = None,
        name: str | None = None,
        default: Any = None,
        ui: Mapping[str, Any] | None = None,
        graph: Graph | None = None,
        binding: dict[str, Any] | None = None,
    ) -> None:
        graph = graph if graph is not None else get_default_graph()
        self._value = None if default is None else self.fit(default, shape, dtype)
        attrs = {"shape": shape, "dtype": dtype, "binding": binding}
        super().__init__("placeholder", (), name, attrs, ui, graph)

    @property
    def shape(self) -> Shape:
        shape: Shape = self.attrs["shape"]
        return shape

    @property
    def dtype(self) -> str | None:
        dtype: str | None = self.attrs["dtype"]
        return dtype

    default = _ValueNode.value

    def check(self, value: Any) -> np.ndarray:
        """``value`` as a tensor of this placeholder's dtype; ``ValueError`` if it does not fit."""
        array = as_tensor(value, self.dtype)
        if not shape_fits(array.shape, self.shape):
            raise ValueError(f"a value of shape {format_shape(array.shape)} does not fit shape "
                             f"{format_shape(self.shape)}")
        return array

    @staticmethod
    def fit(value: Any, shape: Any, dtype: Any) -> np.ndarray:
        """``value`` as a tensor fitting a placeholder of ``shape`` and ``dtype``."""
        spec = get_op("placeholder")
        parsed = spec.parse_attrs({"shape": shape, "dtype": dtype})
        array = as_tensor(value, parsed["dtype"])
        if not shape_fits(array.shape, parsed["shape"]):
            raise ValueError(
                f"a value of shape {format_shape(array.shape)} does not fit shape "
                f"{format_shape(parsed['shape'])}"
            )
        return array


class Variable(_ValueNode):
    """A parameter held by the graph; optimizers update it when it is ``trainable``.

    ``initial_value`` is a tensor or an initializer (``ts.random_normal(...)``); an initializer
    is kept in the ``initializer`` attribute and re-run by :meth:`Graph.reset_variables`.
    """

    __slots__ = ()

    def __init__(
        self,
        initial_value: Any = None,
        name: str | None = None,
        trainable: bool = True,
        initializer: Any = None,
        ui: Mapping[str, Any] | None = None,
        graph: Graph | None = None,
    ) -> None:
        graph = graph if graph is not None else get_default_graph()
        if isinstance(initial_value, Initializer):
            initial_value, initializer = None, initial_value
        attrs = get_op("variable").parse_attrs({"trainable": trainable, "initializer": initializer})
        if initial_value is None:
            if attrs["initializer"] is None:
                raise ValueError("a variable needs an initial value or an initializer")
            initial_value = attrs["initializer"]()
        self._value = np.array(as_tensor(initial_value))
        super().__init__("variable", (), name, attrs, ui, graph)

    @property
    def trainable(self) -> bool:
        trainable: bool = self.attrs["trainable"]
        return trainable

    @property
    def initializer(self) -> Initializer | None:
        initializer: Initializer | None = self.attrs["initializer"]
        return initializer


class Constant(_ValueNode):
    """A fixed tensor."""

    __slots__ = ()

    def __init__(
        self,
        value: Any,
        name: str | None = None,
        ui: Mapping[str, Any] | None = None,
        graph: Graph | None = None,
    ) -> None:
        graph = graph if graph is not None else get_default_graph()
        self._value = np.array(as_tensor(value))
        super().__init__("constant", (), name, {}, ui, graph)


class NumberConstant(Constant):
    """A Python number met by an operator or an op function (the ``2.0`` of ``x * 2.0``). A run
    holds it as a Python number, which numpy — like TensorFlow — gives the dtype of the tensor
    it meets: a float32 tensor times 2.0 stays float32. (Saved, it is an ordinary constant.)"""

    __slots__ = ()

    @property
    def run_value(self) -> Any:
        return self._value.item()  # type: ignore[union-attr]  # a constant has a value


_NUMBERS = frozenset({bool, int, float, complex})
"""The Python types that become a :class:`NumberConstant`."""


if TYPE_CHECKING:
    _DiGraph = nx.DiGraph[Node]
else:
    _DiGraph = nx.DiGraph


class Topology(_DiGraph):
    """A graph's topology for networkx: an edge ``u → v`` means "v reads u" (which of v's
    ports, ``v.inputs`` says). Its nodes and edges carry no data of their own (all share
    :data:`~engine.store.EMPTY`: a dict per node and per edge took a fifth of a big graph's
    memory), and a node's one or two consumers or inputs are held without a dict
    (:class:`Neighbours`)."""

    node_attr_dict_factory = edge_attr_dict_factory = staticmethod(lambda: EMPTY)
    adjlist_inner_dict_factory = Neighbours


class Graph:
    """A computational graph: nodes by unique name, wired in ``self.nx`` (a :class:`Topology`,
    networkx's ``DiGraph``): an edge ``u → v`` means "v reads u", at the ports of v whose
    ``inputs`` entry is u (x + x feeds both ports of one add).
    """

    def __init__(self) -> None:
        self.nx: Topology = Topology()
        self._nodes: dict[str, Node] = {}
        self._name_counters: dict[str, int] = {}
        self._listeners: list[tuple[weakref.ref[Any], Callable[..., None] | None, bool]] = []
        """(a weak reference to a listener, or to the object of a bound method; its function;
        whether it takes a list of events)"""
        self._shapes: dict[Node, Shape | ShapeError] = {}
        self._by_role: dict[str, dict[Node, None]] = {}
        """The nodes of each op role (:meth:`with_role`), kept on every addition and removal."""
        self._stateful: dict[Node, None] = {}
        """The nodes of stateful ops (:meth:`stateful_nodes`), kept as :attr:`_by_role` is."""
        self._order: tuple[int, list[Node]] = (-1, [])
        """The last :meth:`topological_order`, at the version it was sorted for."""
        self._reshaped: set[Node] = set()
        self.version = 0
        """Bumped by every change that alters what a run computes (not by value changes)."""
        self._edits = 0
        """Bumped by every change: the shapes a :class:`Removal` keeps hold again on
        :meth:`reinsert` only if none came between."""

    # ---- access ---------------------------------------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        """All nodes, in the order they were added."""
        return list(self._nodes.values())

    def get_node(self, name: str | Node) -> Node:
        """The node called ``name`` (a node of this graph is returned as it is)."""
        if isinstance(name, Node):
            if name.graph is not self or self._nodes.get(name.name) is not name:
                raise KeyError(f"node '{name.name}' is not in this graph")
            return name
        try:
            return self._nodes[name]
        except KeyError:
            raise KeyError(f"no node named '{name}' in the graph") from None

    def topological_order(self) -> list[Node]:
        """Every node after its inputs (networkx's order), sorted once per :attr:`version`: a
        thread that reads a file sorts it, and the window's canvas, made from it later, finds
        it sorted."""
        version, order = self._order
        if version != self.version:
            order = list(nx.topological_sort(self.nx))
            self._order = (self.version, order)
        return list(order)

    def find_all(self, names: Iterable[str]) -> list[Node | None]:
        """The node called each of ``names``, ``None`` for a name no node has (in one C loop:
        a result may name forty thousand nodes)."""
        return list(map(self._nodes.get, names))

    def with_role(self, role: str) -> list[Node]:
        """The nodes whose op has ``role``, in the order of :attr:`nodes`. The graph keeps its
        nodes by role: none or one is found at once; several are put in order by one pass over
        the nodes (a set lookup each, no op asked)."""
        few = self._by_role.get(role)
        if not few:
            return []
        if len(few) == 1:
            return list(few)
        return [node for node in self._nodes.values() if node in few]

    def stateful_nodes(self) -> list[Node]:
        """The nodes whose op is stateful (train steps), in the order they were added: kept
        by the graph, found at once."""
        return list(self._stateful)

    def _index(self, nodes: Iterable[Node]) -> None:
        by_role, stateful = self._by_role, self._stateful
        for node in nodes:
            op = node.op
            for role in op.roles:
                by_role.setdefault(role, {})[node] = None
            if op.stateful:
                stateful[node] = None

    def _unindex(self, nodes: Iterable[Node]) -> None:
        by_role, stateful = self._by_role, self._stateful
        for node in nodes:
            op = node.op
            for role in op.roles:
                by_role[role].pop(node, None)
            if op.stateful:
                stateful.pop(node, None)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, Node):
            return self._nodes.get(name.name) is name
        return name in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self._nodes.values()))

    def as_default(self) -> _DefaultGraph:
        """Make this the default graph; as a context manager, restore the previous on exit."""
        return _DefaultGraph(self)

    # ---- listeners ------------------------------------------------------------------------

    def subscribe(self, listener: Callable[..., None], batched: bool = False) -> None:
        """Call ``listener(event)`` after every change — or, ``batched``, ``listener(events)``
        with the list of a change's events (a batch edit, :meth:`reinsert` or
        :meth:`remove_nodes`, makes thousands at once). Held weakly: it lives as long as its
        owner does."""
        owner = getattr(listener, "__self__", None)
        if owner is None:
            self._listeners.append((weakref.ref(listener), None, batched))
        else:  # a bound method: its object held weakly, its function called with it
            self._listeners.append((weakref.ref(owner), listener.__func__, batched))  # type: ignore[attr-defined]

    def unsubscribe(self, listener: Callable[..., None]) -> None:
        owner = getattr(listener, "__self__", None)
        target, function = (listener, None) if owner is None else (owner, listener.__func__)  # type: ignore[attr-defined]
        self._listeners = [(ref, func, batched) for ref, func, batched in self._listeners
                           if ref() is not None and not (ref() is target and func is function)]

    def _emit(self, kind: str, node: Node, **details: Any) -> None:
        self._edits += 1
        if kind in STRUCTURAL:
            self.version += 1
        if self._shapes and kind not in ("ui_changed", "state_changed"):  # (a shape error
            # names its node: a renamed one's is stale)
            self._forget_shapes(node, kind)
        if self._listeners:
            event = GraphEvent(kind, node, **details) if details else GraphEvent(kind, node)
            self._notify([event])

    def _notify(self, events: list[GraphEvent]) -> None:
        """Hand ``events`` to every listener, in order (one pass over the listeners)."""
        dead = False
        for ref, func, batched in self._listeners:
            target = ref()
            if target is None:
                dead = True
            elif batched:
                if func is None:
                    target(events)
                else:
                    func(target, events)
            elif func is None:
                for event in events:
                    target(event)
            else:
                for event in events:
                    func(target, event)
        if dead:
            self._listeners = [entry for entry in self._listeners if entry[0]() is not None]

    # ---- edits ----------------------------------------------------------------------------

    def add_node(
        self,
        op_type: str,
        inputs: Iterable[Node | None] = (),
        name: str | None = None,
        attrs: dict[str, Any] | None = None,
        value: Any = None,
        ui: Mapping[str, Any] | None = None,
    ) -> Node:
        """Create a node of any op type in this graph (the generic form of the builders).

        ``value`` is a variable's or constant's value, or a placeholder's default.
        """
        opdef = get_op(op_type)
        attrs = dict(attrs or {})
        if opdef.kind == "placeholder":
            return Placeholder(name=name, default=value, ui=ui, graph=self, **attrs)
        if opdef.kind == "variable":
            return Variable(value, name=name, ui=ui, graph=self, **attrs)
        if opdef.kind == "constant":
            return Constant(value, name=name, ui=ui, graph=self)
        return Operation(op_type, inputs, name=name, attrs=attrs, ui=ui, graph=self)

    def remove_node(self, node: Node | str) -> None:
        """Remove a node and every wire to or from it."""
        node = self.get_node(node)
        for consumer in list(self.nx.successors(node)):
            for port in self.ports(node, consumer):
                self.disconnect(consumer, port)
        for port, source in enumerate(node.inputs):
            if source is not None:
                self.disconnect(node, port)
        self.nx.remove_node(node)
        del self._nodes[node.name]
        self._unindex([node])
        self._emit("node_removed", node)

    def remove_nodes(self, nodes: Iterable[Node | str]) -> Removal:
        """Remove ``nodes`` and every wire to or from them in one go (what :meth:`remove_node`
        does one by one): listeners hear every ``edge_removed``, then every ``node_removed``,
        at once. Returns what :meth:`reinsert` needs to put them back."""
        removed = list(dict.fromkeys(self.get_node(n) for n in nodes))  # (KeyError: no change)
        gone = set(removed)
        places = self.places_of(removed)
        wires: list[Wiring] = []
        succ = self.nx.succ
        for node in removed:  # (in the order remove_node unwires them)
            for consumer in succ[node]:
                if consumer not in gone:
                    wires.extend((consumer, port, node) for port in self.ports(node, consumer))
            wires.extend((node, port, source) for port, source in enumerate(node.inputs)
                         if source is not None)
        cached = self._shapes
        shapes = {node: cached.pop(node) for node in removed if node in cached}
        if cached:
            for target, _, _ in wires:
                if target not in gone:  # a consumer that stays: its shape changes
                    self._forget_shapes(target, "edge_removed", shapes)
        for target, port, _ in wires:
            target.inputs[port] = None
        self.nx.remove_nodes_from(removed)
        for node in removed:
            del self._nodes[node.name]
        self._unindex(removed)
        self.version += len(wires) + len(removed)
        self._edits += 1
        if self._listeners:
            self._notify([GraphEvent("edge_removed", target, port=port, source=source)
                          for target, port, source in wires]
                         + [GraphEvent("node_removed", node) for node in removed])
        return Removal(removed, wires, places, shapes, self._edits)

    def reinsert(self, removal: Removal) -> None:
        """Put back what :meth:`remove_nodes` removed — the very nodes, with their attributes,
        values, state and ``ui``, at their places in :attr:`nodes`, and their wires (and, if
        nothing changed since, their inferred shapes): an undo, in one go. Listeners hear
        every ``node_added``, then every ``edge_added``, at once. The graph must be as the
        removal left it (the wires are not searched for cycles); ``ValueError`` if a node or a
        wire cannot go back, before anything changes."""
        nodes, wires = removal.nodes, removal.wires
        new: set[Node] = set()
        present = self._nodes
        for node in nodes:
            if node.graph is not self or node in new or node.inputs.count(None) != len(node.inputs):
                raise ValueError(f"{node.name} is not a node removed from this graph")
            if node.name in present:
                raise ValueError(f"a node named '{node.name}' already exists")
            new.add(node)
        ports: set[tuple[Node, int]] = set()
        for target, port, source in wires:
            if target in new:
                back = source in new or present.get(source.name) is source
            else:
                back = source in new and present.get(target.name) is target
            if not back:
                raise ValueError(f"{source.name} → {target.name} is not a wire to put back")
            if not 0 <= port < len(target.inputs) or target.inputs[port] is not None \
                    or (target, port) in ports:
                raise ValueError(f"input {port} of {target.label} is not free")
            ports.add((target, port))
        unchanged = removal.edits == self._edits
        for node in nodes:
            self._nodes[node.name] = node
        self._index(nodes)
        self.nx.add_nodes_from(nodes)
        for target, port, source in wires:
            target.inputs[port] = source
        self.nx.add_edges_from((source, target) for target, _, source in wires)
        if removal.places:
            self.restore_places(removal.places)
        self.version += len(nodes) + len(wires)
        self._edits += 1
        if self._shapes:
            for target, _, _ in wires:
                if target not in new:  # a consumer that was left: its shape changes
                    self._forget_shapes(target, "edge_added")
        if unchanged:  # the shapes are as before the removal (closed under ancestors again)
            self._shapes.update(removal.shapes)
            self._reshaped.update(n for n in removal.shapes if n not in new)
        if self._listeners:
            self._notify([GraphEvent("node_added", node) for node in nodes]
                         + [GraphEvent("edge_added", target, port=port, source=source)
                            for target, port, source in wires])

    def places_of(self, nodes: Iterable[Node | str]) -> dict[str, int]:
        """Where ``nodes`` are in :attr:`nodes` (name → index): :meth:`restore_places` puts
        them back there after a removal."""
        names = [self.get_node(n).name for n in nodes]
        if not names:
            return {}
        index = dict(zip(self._nodes, range(len(self._nodes)), strict=True))  # (in C)
        return {name: index[name] for name in sorted(names, key=index.__getitem__)}

    def restore_places(self, places: dict[str, int]) -> None:
        """Move the named nodes to these indices of :attr:`nodes`, the others keeping their
        order (undoing a deletion puts the nodes back where they were, and files stay the
        same). Nothing a run computes changes: no event."""
        nodes = self._nodes
        missing = places.keys() - nodes.keys()
        if missing:  # (no change)
            raise KeyError(f"no node named '{min(missing)}' in the graph")
        moved = sorted(places, key=places.__getitem__)
        rest = list(filterfalse(places.__contains__, nodes))  # (in C, as below: a big graph's)
        if not rest:  # (every node: an undo of "delete all")
            self._nodes = dict(zip(moved, map(nodes.__getitem__, moved), strict=True))
            return
        order: list[str] = []
        taken = 0
        for name in moved:
            more = max(0, places[name] - len(order))
            order.extend(rest[taken:taken + more])
            taken += more
            order.append(name)
        order.extend(rest[taken:])
        self._nodes = dict(zip(order, map(nodes.__getitem__, order), strict=True))

    def connect(self, source: Node | str, target: Node | str, port: int | str) -> None:
        """Wire ``source``'s output into input ``port`` (index or name) of ``target``.

        A wire already in that port is replaced. Raises :class:`CycleError` if the wire would
        close a cycle.
        """
        source, target = self.get_node(source), self.get_node(target)
        port = self.port_index(target, port)
        # a path from target back to source needs both ends wired: checked in O(1) first
        # (wiring thousands of nodes in order, as an undo does, never searches)
        if source is target or (self.nx.succ[target] and self.nx.pred[source]
                                and nx.has_path(self.nx, target, source)):
            path = [target] if source is target else nx.shortest_path(self.nx, target, source)
            loop = " → ".join(n.name for n in [source, *path])
            raise CycleError(f"wiring {source.name} into {target.name} would close a cycle: {loop}",
                             node=target.name)
        self._wire(source, target, port)

    def _wire(self, source: Node, target: Node, port: int) -> None:
        """Wire ``source`` into ``target``'s ``port`` (the caller has ruled out a cycle)."""
        if target.inputs[port] is source:
            return
        if target.inputs[port] is not None:
            self.disconnect(target, port)
        target.inputs[port] = source
        self.nx.add_edge(source, target)
        self._emit("edge_added", target, port=port, source=source)

    def disconnect(self, target: Node | str, port: int | str) -> None:
        """Remove the wire into input ``port`` of ``target`` (nothing if there is none)."""
        target = self.get_node(target)
        port = self.port_index(target, port)
        source = target.inputs[port]
        if source is None:
            return
        target.inputs[port] = None
        if source not in target.inputs:  # (x + x: the other port still reads x)
            self.nx.remove_edge(source, target)
        self._emit("edge_removed", target, port=port, source=source)

    def rename(self, node: Node | str, new_name: str) -> None:
        """Rename a node; raises ``ValueError`` if the name is invalid or taken. Nodes that name
        it (a train node's ``var_list``) follow, through their op's ``on_rename``."""
        node = self.get_node(node)
        if new_name == node.name:
            return
        self._check_name(new_name)
        if new_name in self._nodes:
            raise ValueError(f"a node named '{new_name}' already exists")
        old = node.name
        self._nodes = {new_name if name == old else name: n for name, n in self._nodes.items()}
        node.name = new_name  # (in its place among the nodes: a file keeps its order)
        self._emit("renamed", node, old_name=old)
        for other in list(self._nodes.values()):
            follow = other.op.on_rename
            if follow is not None:
                follow(other, old, new_name)

    def set_attr(self, node: Node | str, name: str, value: Any) -> None:
        """Set one attribute (validated by the op's parser); ``ValueError`` if it is refused."""
        node = self.get_node(node)
        attrs = dict(node.attrs)
        attrs[name] = value
        parsed = node.op.parse_attrs(attrs)
        if isinstance(node, Placeholder) and node.value is not None:  # the default follows
            try:
                node._value = node.fit(node.value, parsed["shape"], parsed["dtype"])
            except ValueError as error:
                raise ValueError(f"its default: {error} (clear the default first)") from None
        node.attrs = lean_attrs(parsed)
        self._emit("attr_changed", node)

    def set_value(self, node: Node | str, value: Any) -> None:
        """Set a variable's or constant's value, or a placeholder's default (``None`` clears a
        default). Raises ``ValueError`` if the value does not fit."""
        node = self.get_node(node)
        if isinstance(node, Placeholder):
            array = None if value is None else node.check(value)
        elif isinstance(node, _ValueNode):
            array = np.array(as_tensor(value))
        else:
            raise TypeError(f"{node.name} is a {node.type} operation; it has no value to set")
        node._value = array
        self._emit("value_changed", node)

    def assign(self, node: _ValueNode, array: np.ndarray) -> None:
        """Replace a variable's value by ``array`` as it is (no copy or check): for optimizers."""
        node._value = array
        self._emit("value_changed", node)

    def assign_many(self, pairs: Iterable[tuple[_ValueNode, np.ndarray]]) -> None:
        """:meth:`assign` for several variables at once (an optimizer's step): listeners get
        one ``value_changed`` per node, after every value is set."""
        pairs = list(pairs)
        self._edits += 1
        reshaped = []  # a value of the same shape leaves every cached shape as it is
        for node, array in pairs:
            old = node._value
            node._value = array
            if old is None or old.shape != array.shape:
                reshaped.append(node)
        if self._shapes:
            for node in reshaped:
                self._forget_shapes(node, "value_changed")
        if self._listeners:
            # (GraphEvent("value_changed", node) without its __new__'s Python frame: an
            # optimizer makes one per variable every step)
            self._notify([tuple.__new__(GraphEvent, ("value_changed", node, None, None, None))
                          for node, _ in pairs])

    def set_state(self, node: Node | str, state: dict[str, np.ndarray]) -> None:
        """Replace what an op keeps between runs (a train node's step count and optimizer
        slots). A train step sets its own without an event; everything else comes here."""
        node = self.get_node(node)
        node.state = dict(state) or EMPTY
        self._emit("state_changed", node)

    def reset_variables(self) -> None:
        """Re-run every variable's initializer (variables without one keep their value) and
        clear what ops keep between runs (optimizer state), as before training; listeners hear
        of every value and state that changes. Every value is drawn before any changes: an
        initializer that cannot draw (past the tensor limit, or memory) raises
        :class:`EngineError` naming its variable, and nothing is reset."""
        drawn: dict[Node, np.ndarray] = {}
        for node in self.nodes:
            if isinstance(node, Variable) and node.initializer is not None:
                try:
                    drawn[node] = node.initializer()
                except ValueError as error:
                    raise EngineError(f"{node.name}: its initializer cannot draw: {error}",
                                      node=node.name) from None
        for node in self.nodes:
            if node.state:
                self.set_state(node, {})
            if node in drawn:
                self.set_value(node, drawn[node])

    def set_ui(self, node: Node | str, **items: Any) -> None:
        """Update a node's opaque ``ui`` dict (positions and the like, kept in files); an item
        given as ``None`` is removed."""
        node = self.get_node(node)
        ui = dict(node.ui)  # (a new one: a node's ui is never changed in place)
        for key, value in items.items():
            if value is None:
                ui.pop(key, None)
            else:
                ui[key] = value
        node.ui = lean_ui(ui)
        self._emit("ui_changed", node)

    # ---- queries --------------------------------------------------------------------------

    @staticmethod
    def ports(source: Node, target: Node) -> list[int]:
        """The input ports of ``target`` that ``source`` feeds, in order (the edge
        ``source → target`` of :attr:`nx` stands for them all)."""
        return [port for port, s in enumerate(target.inputs) if s is source]

    def wires(self) -> Iterator[tuple[Node, Node, int]]:
        """Every wire as ``(source, target, port)``, by target in the graph's order."""
        for target in self._nodes.values():
            for port, source in enumerate(target.inputs):
                if source is not None:
                    yield source, target, port

    @staticmethod
    def port_index(node: Node, port: int | str) -> int:
        """An input port's index from its index or its name."""
        names = node.op.inputs
        if isinstance(port, str):
            if port not in names:
                raise KeyError(f"{node.label} has no input '{port}'")
            return names.index(port)
        if not 0 <= port < len(names):
            raise IndexError(f"{node.label} has no input port {port}")
        return port

    def shape_of(self, node: Node | str) -> Shape:
        """The node's static shape (``None`` entries for unknown sizes, ``None`` for unknown
        rank). Raises :class:`ShapeError` naming the node, and the input shapes, that do not
        fit; a node downstream of such a node raises that same error."""
        result = self._shape(self.get_node(node))
        if isinstance(result, ShapeError):
            raise result
        return result

    def shape_failed(self, node: Node) -> bool:
        """Whether the static shape of ``node`` (a node of this graph) is an error — its own
        or an input's: :meth:`shape_of` without its lookup by name or its exception, for a
        picture of thousands of nodes."""
        return isinstance(self._shape(node), ShapeError)

    def _shape(self, node: Node) -> Shape | ShapeError:
        """The cached static shape of ``node``, or its error, inferred if need be."""
        result = self._shapes.get(node, _MISSING)
        if result is _MISSING:
            self.infer_shapes([node])
            result = self._shapes[node]
        return result  # type: ignore[return-value]

    def scalars(self) -> list[Node]:
        """The nodes whose static shape is a scalar's, ``()``, in the order of :attr:`nodes`
        (their shapes inferred first, if need be): one quick pass over the cached shapes."""
        nodes = list(self._nodes.values())
        shapes = self._shapes
        self.infer_shapes(filterfalse(shapes.__contains__, nodes))  # (C loops: every node)
        return list(compress(nodes, map(eq, map(shapes.__getitem__, nodes), repeat(()))))

    def infer_shapes(self, nodes: Iterable[Node]) -> None:
        """Infer (and cache) the static shapes of ``nodes`` of this graph in one pass over them
        and their ancestors, whose shapes :meth:`shape_of` then returns at once (asking it of
        thousands of new nodes one by one would sort their ancestors again and again). Equal
        shapes are kept as one tuple: most nodes have their inputs' shape."""
        shapes, same = self._shapes, dict[Shape, Shape]()
        for n in self._unshaped_ancestors(nodes):
            shape = self._infer_shape(n)
            shapes[n] = same.setdefault(shape, shape) if type(shape) is tuple else shape

    def _unshaped_ancestors(self, nodes: Iterable[Node]) -> list[Node]:
        """``nodes`` and their ancestors whose shapes are not cached, in topological order."""
        return inputs_first(nodes, self._shapes)

    def _infer_shape(self, node: Node) -> Shape | ShapeError:
        if isinstance(node, Placeholder):
            return node.shape
        if isinstance(node, _ValueNode):
            return node.value.shape  # type: ignore[union-attr]
        shapes = []
        for port, source in zip(node.op.inputs, node.inputs, strict=True):
            if source is None:
                return ShapeError(f"{node.name}: input '{port}' is not connected", node=node.name)
            shape = self._shapes[source]
            if isinstance(shape, ShapeError):
                return shape
            shapes.append(shape)
        try:
            return node.op.shape(*shapes, **node.attrs)  # type: ignore[misc]
        except (ValueError, TypeError) as error:
            message = f"{node.name}: {error}"
            shown = [format_shape(s) for s in shapes]
            if not all(s in message for s in shown):
                message += f" (input shapes {', '.join(shown)})"
            return ShapeError(message, node=node.name)

    def take_reshaped(self) -> set[Node]:
        """The nodes whose inferred shape was dropped by a change since the last call (their
        shape may now differ; ask :meth:`shape_of` again). Removed nodes are not included."""
        reshaped, self._reshaped = self._reshaped, set()
        return {n for n in reshaped if self._nodes.get(n.name) is n}

    def _forget_shapes(self, node: Node, kind: str,
                       dropped: dict[Node, Shape | ShapeError] | None = None) -> None:
        """Drop the cached shapes ``kind`` of change to ``node`` makes stale (into ``dropped``,
        if given)."""
        if kind == "node_removed":
            self._shapes.pop(node, None)
            return
        if kind == "value_changed":
            if isinstance(node, Placeholder):
                return  # its static shape is an attribute, not its default's
            cached = self._shapes.get(node)
            value = getattr(node, "_value", None)  # a variable's or constant's
            if isinstance(cached, tuple) and value is not None and cached == value.shape:
                return
        # Cached shapes are closed under ancestors: below an uncached node nothing is cached.
        todo = [node]
        while todo:
            n = todo.pop()
            shape = self._shapes.pop(n, _MISSING)
            if shape is not _MISSING:
                self._reshaped.add(n)
                if dropped is not None:
                    dropped[n] = shape  # type: ignore[assignment]
                todo.extend(self.nx.successors(n))

    # ---- naming ---------------------------------------------------------------------------

    def unique_name(self, base: str) -> str:
        """``base`` if it is free, else ``base_1``, ``base_2``, … (TensorFlow's scheme)."""
        if base not in self._nodes:
            return base
        k = self._name_counters.get(base, 0)
        while True:
            k += 1
            candidate = f"{base}_{k}"
            if candidate not in self._nodes:
                self._name_counters[base] = k
                return candidate

    @staticmethod
    def _check_name(name: str) -> None:
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise ValueError(
                f"invalid node name {short_repr(name)}: use letters, digits and _ . - /, "
                "starting with a letter or _"
            )

    def _claim_name(self, name: str | None, op_type: str) -> str:
        if name is None:
            return self.unique_name(op_type)
        self._check_name(name)
        return self.unique_name(name)

    def _add(self, node: Node, inputs: list[Node | None]) -> None:
        self._nodes[node.name] = node
        self._index([node])
        self.nx.add_node(node)
        self._emit("node_added", node)
        for port, source in enumerate(inputs):  # a new node has no consumers: no cycle
            if source is not None:
                self._wire(source, node, port)

    # ---- copies -----------------------------------------------------------------------------

    def copy(self) -> Graph:
        """An equal graph sharing nothing mutable: the same names in the same order, wiring,
        attributes, values, state and ``ui``; no listeners. Built directly, without the
        validation a file needs (this graph is valid) and without encoding any tensor."""
        return _rebuild(self._specs())

    def copy_later(self) -> Callable[[], Graph]:
        """:meth:`copy` in two steps, without ``ui``: what to copy is read now (the nodes and
        references to their values, attributes and state: quick), and the function returned
        makes the copy — in another thread, say (a graph's methods replace those objects,
        never change them in place)."""
        return partial(_rebuild, self._specs(ui=False))

    def _specs(self, by_name: bool = False, ui: bool = True) -> list[_Spec]:
        return [(type(n), n.type if by_name else n.op, n.name, n.attrs,
                 getattr(n, "_value", None), n.state, n.ui if ui else {},
                 [s.name if s is not None else None for s in n.inputs])
                for n in self._nodes.values()]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its node specs (a worker process gets a graph without any JSON)."""
        return _rebuild, (self._specs(by_name=True),)

    def __repr__(self) -> str:
        return f"<Graph of {len(self)} nodes>"


Wiring = tuple[Node, int, Node]
"""A wire as a :class:`Removal` keeps it: ``(target, port, source)``."""


class Removal(NamedTuple):
    """What :meth:`Graph.remove_nodes` took out, for :meth:`Graph.reinsert` to put back."""

    nodes: list[Node]
    wires: list[Wiring]
    """Every wire to or from the nodes."""
    places: dict[str, int]
    """Where the nodes were in :attr:`Graph.nodes` (name → index)."""
    shapes: dict[Node, Shape | ShapeError]
    """The inferred shapes the removal dropped (theirs and their consumers'), as they were."""
    edits: int
    """The graph's count of changes just after the removal."""

_Spec = tuple[type[Node], OpDef | str, str, dict[str, Any], Any, dict[str, Any],
              Mapping[str, Any], list[Any]]
"""A node as :meth:`Graph.copy` and pickling carry it: class, op (its type name when pickled),
name, attrs, value, state, ui, input names."""


def inputs_first(nodes: Iterable[Node], known: Container[Node] = ()) -> list[Node]:
    """``nodes`` and their ancestors, leaving out (and not walking above) those in ``known``,
    each after its inputs: a depth-first walk up the inputs."""
    order: list[Node] = []
    seen: set[Node] = set()
    for start in nodes:
        if start in known or start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(start.inputs))]
        while stack:
            node, inputs = stack[-1]
            for parent in inputs:
                if parent is not None and parent not in seen and parent not in known:
                    seen.add(parent)
                    stack.append((parent, iter(parent.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def _rebuild(specs: list[_Spec]) -> Graph:
    """The graph of ``specs`` (from a valid graph), each node built without validation."""
    graph = Graph()
    nodes = graph._nodes
    with gc_paused():
        for cls, op, name, attrs, value, state, ui, _ in specs:
            node: Node = object.__new__(cls)
            node.op = op if isinstance(op, OpDef) else get_op(op)
            node.graph = graph
            node.name = name
            node.attrs = attrs if type(attrs) is Frozen else lean_attrs(dict(attrs))
            node.ui = ui if type(ui) is Pos else lean_ui(_copied(ui))
            node.state = {k: np.array(v, copy=True) for k, v in state.items()} or EMPTY
            node.inputs = [None] * len(node.op.inputs)
            if isinstance(node, _ValueNode):
                node._value = None if value is None else np.array(value, copy=True)
            nodes[name] = node
        graph.nx.add_nodes_from(nodes.values())
        graph._index(nodes.values())
        for *_, name, _, _, _, _, inputs in specs:
            target = nodes[name]
            for port, source in enumerate(inputs):
                if source is not None:
                    target.inputs[port] = nodes[source]
        graph.nx.add_edges_from((source, target) for source, target, _ in graph.wires())
    return graph


def _copied(value: Any) -> Any:
    """A deep copy of ``value``, quick for what ``ui`` holds: dicts, lists and tuples of
    numbers and strings (anything else is handed to ``copy.deepcopy``)."""
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind in (int, float, str, bool) or value is None:
        return value
    if kind is tuple:
        return tuple(_copied(item) for item in value)
    return copy.deepcopy(value)


_MISSING = object()


class _DefaultGraph:
    """Returned by :meth:`Graph.as_default`: the graph is already the default; leaving a
    ``with`` block restores the previous one. Inside the block, where graphs are built, the
    cyclic garbage collector waits (see :func:`gc_paused`: it made building a million nodes
    take twice as long); reference counting frees as usual."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.previous = _default[0]
        _default[0] = graph
        self._paused: contextlib.AbstractContextManager[None] | None = None

    def __enter__(self) -> Graph:
        self._paused = gc_paused()
        self._paused.__enter__()
        return self.graph

    def __exit__(self, *exc: object) -> None:
        _default[0] = self.previous
        if self._paused is not None:
            self._paused.__exit__(None, None, None)
            self._paused = None


_default: list[Graph] = [Graph()]


def get_default_graph() -> Graph:
    """The graph that new nodes join when no graph is given."""
    return _default[0]


def _graph_of(inputs: Iterable[Any]) -> Graph:
    """The graph of the first node among ``inputs``, else the default graph."""
    for x in inputs:
        if isinstance(x, Node):
            return x.graph
    return get_default_graph()
