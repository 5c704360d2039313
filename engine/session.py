"""Evaluation: a Session computes fetched nodes from their ancestors, each once, in post-order.

A run follows a *plan*: the fetches' ancestors in topological order (the depth-first
post-order, the order the series teaches), compiled once per graph version into flat steps
``(slot, compute, a, b)`` over a list of values — and, for steps that run again and again, into
straight-line code (:mod:`engine.compiler`). The session keeps the values it computed; graph
events and changed feeds clear the values downstream of what changed, so the next run
recomputes only those — found, when it follows the plan's last run, by the nodes that changed
(the same variable changed again: the same steps, kept with their code).
"""

from __future__ import annotations

import contextvars
import weakref
from collections.abc import Callable
from functools import partial
from itertools import compress, repeat
from operator import is_not, itemgetter
from typing import Any, NamedTuple, Protocol, TypeAlias, cast

import numpy as np

from . import blas, compiler
from .compiler import NARY, UNARY
from .errors import EngineError, EvaluationError, FeedError
from .gcpause import gc_paused
from .graph import (
    STRUCTURAL,
    Graph,
    GraphEvent,
    Node,
    Placeholder,
    _ValueNode,
    get_default_graph,
)
from .registry import TRAIN_STEP, has_role
from .tensors import format_shape

SMALL_PLAN = 64
"""Plans of up to this many steps read their steps' known flags with an itemgetter (numpy's
indexing costs more for a few slots, less for many)."""

LARGEST_LIMIT = 50_000
"""Plans of more nodes than this do not look for their largest value (nor suit BLAS to it)."""

MAX_CODES = 8
"""How many sets of steps to compute a plan keeps (and compiles, when seen again)."""

KEPT_PLANS = 64
"""Plans are kept across a structural change of at most this many nodes when none of their
nodes changed, and at most this many of them — or more, if together they hold no more nodes
than the graph (a big graph's previews: a plan per chain) — else every plan is made again: a
plan of a big graph's node holds its cone."""

MAX_CONES = 1024
"""How many sets of changed nodes a session keeps the downstream slots of."""

SMALL_FEED = 4096
"""Fed arrays of up to this many bytes are compared with the last feed as bytes objects."""

RUN = 16
"""A cone's slots are cleared range by range when its ranges are this many slots long on
average, else one by one."""

NOTHING: frozenset[Node] = frozenset()
"""No node changed."""

Source: TypeAlias = tuple[int, _ValueNode, bool]
"""A plan's source: its slot, the node, and whether it is a placeholder."""
Step: TypeAlias = tuple[int, Callable[..., Any], Any, int]
"""A plan's operation: ``(slot, compute, a, b)``, ``a`` an input slot, or (``b`` is ``NARY``) a
tuple of them."""
Run: TypeAlias = tuple[slice, list[None], bytes]
"""A range of slots, and as many ``None`` and zero bytes (to clear their values and flags)."""
Cone: TypeAlias = tuple[list[int], list[Run]]
"""Slots downstream of a change, in order, and the ranges they make (none when they make
many short ones)."""
Todo: TypeAlias = tuple[list[Step], compiler.WhenDue | None, list[Source]]
"""What a run computes: its steps, their code's counter (``None``: never compiled), and the
sources it loads (those without a value)."""
Rebuild: TypeAlias = Callable[[list[Any]], Any]
"""Rebuilds the structure of a run's fetches from their values in order."""


class NodeContext:
    """What an op declared with ``context=True`` gets as its first compute argument: its node,
    the run's values of any other node, and a way to defer side effects to the end of a
    successful run."""

    def __init__(self, session: Session, node: Node) -> None:
        # a weak proxy: the session's plans hold their contexts, so a strong reference would
        # keep a dropped session (and its subscription to the graph's events) alive until a
        # collection
        self.session: Session = weakref.proxy(session)
        self.node = node
        self.run_memo: dict[Any, Any] = session._run_memo
        """A dict that lives for the current run: context ops share work through it."""
        self.version_memo: dict[Any, Any] = session._version_memo
        """A dict kept until the graph's structure changes: for work compiled per version."""
        # (the session's own dicts, cleared in place: read on every step without the proxy)

    def value(self, node: Node) -> Any:
        """The value ``node`` has in the current run (it must be an ancestor of this node)."""
        return self.session._values[self.session._slots[node]]

    def defer(self, update: Callable[[], None]) -> None:
        """Run ``update`` after the run succeeded and its fetches were read."""
        self.session._deferred.append(update)

    @property
    def values(self) -> list[Any]:
        """The run's values by slot (see :meth:`slot`): for ops that read many nodes fast."""
        return self.session._values

    def slot(self, node: Node) -> int:
        """Where ``node``'s value is kept in :attr:`values` (fixed while the graph's wiring is)."""
        return self.session._slot(node)

    @property
    def trainers(self) -> list[Node]:
        """The train steps the current run takes (empty when it takes none): ops that behave
        differently while training (dropout) ask."""
        return self.session._trainers

    def forget_after_run(self) -> None:
        """Drop this node's value (and what lies downstream) before the next run: for a value
        only a training run may see."""
        self.session._forget.append(self.node)

    @property
    def compiled(self) -> bool:
        """Whether the session compiles what it runs repeatedly (see :mod:`engine.compiler`)."""
        return self.session.compiled


class _Plan:
    """The evaluation of one set of fetches at one graph version, its steps (and their
    compiled code, see :mod:`engine.compiler`)."""

    __slots__ = ("sources", "steps", "stateful", "trainers", "nodes", "step_slots", "slots",
                 "span", "ones", "fetch_slots", "known_of", "codes", "todo", "source_of",
                 "largest", "_members")

    def __init__(self, sources: list[Source], steps: list[Step], stateful: list[Node],
                 nodes: list[Node], slots: list[int], fetch_slots: list[int]) -> None:
        self.sources = sources  # [(slot, node, is placeholder)] of the plan's sources
        self.source_of = {source[1]: source for source in sources}
        self.fetch_slots = fetch_slots  # the slots of the fetches, in order
        self.steps = steps  # [(slot, compute, a, b)] of operations, in topological order
        self.stateful = stateful  # nodes to recompute on every run
        self.trainers = [node for node in stateful if has_role(node, TRAIN_STEP)]
        self.nodes = nodes  # every node of the plan, by slot order of execution
        self.slots = np.array(slots, dtype=np.intp)  # the slots of ``nodes``
        self.step_slots = np.array([step[0] for step in steps], dtype=np.intp)
        small = 2 <= len(steps) <= SMALL_PLAN
        self.known_of = itemgetter(*self.step_slots.tolist()) if small else None
        """The known flags of the steps, as a tuple (for a small plan)."""
        first = slots[0] if slots else 0
        contiguous = slots == list(range(first, first + len(slots)))
        self.span = slice(first, first + len(slots)) if contiguous else None
        """The slots as one range, when they are (a plan compiled first takes new slots)."""
        self.ones = b"\x01" * len(slots) if contiguous else b""
        self.largest = -1
        """Elements of the plan's largest value (known after its first run): the BLAS
        threads its runs get (see :mod:`engine.blas`)."""
        self.codes: dict[Any, tuple[list[Step], compiler.WhenDue]] = {}
        """By which steps a run computes (their known flags): the steps, and their code once
        :func:`engine.compiler.due` says so."""
        self._members: frozenset[Node] | None = None
        self.todo: dict[frozenset[Node], Todo] = {}
        """The same, by the nodes that changed since the plan's last run, when all else is
        as that run left it (see ``Session._fresh``): a repeated change finds its steps at
        once."""

    def untouched_by(self, nodes: set[Node]) -> bool:
        """Whether none of ``nodes`` is a node of the plan (its set made when first asked)."""
        if self._members is None:
            self._members = frozenset(self.nodes)
        return self._members.isdisjoint(nodes)

    def mark_known(self, known: bytearray) -> None:
        """Set the known flags of the plan's slots."""
        if self.span is not None:
            known[self.span] = self.ones  # a copy of bytes, faster than numpy's indexing
        else:
            np.frombuffer(known, dtype=np.uint8)[self.slots] = 1


class PreparedStep(Protocol):
    """A train node's step taken without a session's run (:class:`engine.fast_step.FastStep`)."""

    def take(self, feeds: dict[Any, Any]) -> list[Any] | None:
        """Take one step: the values by slot, ``None`` (nothing changed) to leave it to a run."""

    def slot_of(self, node: Node) -> int | None:
        """Where the values hold ``node``'s, ``None`` if they do not."""


_prepared_step: Callable[[Session, Node], PreparedStep] | None = None
"""What makes a session's prepared step of a train node (:mod:`engine.fast_step`, which runs
sessions, hands it over when imported)."""


def take_steps_by(maker: Callable[[Session, Node], PreparedStep]) -> None:
    """Let a run that takes a train step again take the step ``maker(session, node)`` makes."""
    global _prepared_step
    _prepared_step = maker


class _Road(NamedTuple):
    """A run's fast road: its train node's :class:`~engine.fast_step.FastStep`, where the
    step's values hold the fetches, how to rebuild their structure, and the context its steps
    run in (numpy's floating-point errors ignored, as in a run: entering ``np.errstate`` for
    every step cost 0.9 µs, running in a context made once under it 0.07 µs)."""

    step: PreparedStep
    slots: list[int]
    rebuild: Rebuild
    context: contextvars.Context
    """(A copy of the paving run's context: a step reads no context variable but numpy's.)"""


class Session:
    """Evaluates nodes of a graph, keeping computed values between runs."""

    def __init__(self, graph: Graph | None = None, compiled: bool = True) -> None:
        self.graph = graph if graph is not None else get_default_graph()
        self.compiled = compiled
        """Whether steps a run computes again are compiled to straight-line code (else each
        step is dispatched in a loop: the interpreted plan, which computes the same)."""
        self._slots: dict[Node, int] = {}
        self._nodes: list[Node | None] = []
        self._values: list[Any] = []
        self._known = bytearray()
        """Per slot, 1 if its value is current (set for a plan's slots when a run succeeds), 0
        if it must be computed: a run executes only its steps with 0, found without a loop."""
        self._feeds: dict[Node, np.ndarray | None] = {}
        """The last run's fed arrays (``None`` after a run with a train step: not compared)."""
        self._dirty: set[Node] = set()
        self._plans: dict[tuple[Node, ...], _Plan] = {}
        self._cones: dict[frozenset[Node], Cone] = {}
        self._version = self.graph.version
        self._heard = self.graph.version
        """The graph's version when its last events reached the session."""
        self._restructured: set[Node] | None = set()
        """The nodes whose wiring or attributes changed, or that went, since :attr:`_version`
        (``None``: too many to keep any plan)."""
        self._deferred: list[Callable[[], None]] = []
        self._trainers: list[Node] = []
        """The current run's train steps."""
        self._forget: list[Node] = []
        """Nodes whose value the next run must compute afresh (see ``forget_after_run``)."""
        self._run_memo: dict[Any, Any] = {}
        self._version_memo: dict[Any, Any] = {}
        self._touched: set[int] | None = None
        """Slots whose value was computed or dropped since :meth:`take_changes` (``None``
        until its first call: every slot — a session never asked keeps no set of them)."""
        self._reported: set[int] = set()
        """Slots :meth:`take_changes` reported dropped and that have no value yet: watched
        (in one C pass) for their value, reported again only if an edit drops them again."""
        self._fetch_lists: dict[Any, tuple[list[Node], Rebuild]] = {}
        """Fetches seen before (a node, a name, a flat list by its items), flattened and
        checked."""
        self._feed_checks: dict[Any, tuple[Placeholder, tuple[int, ...], np.dtype[Any]]] = {}
        """By feed key: the placeholder, and the shape and dtype of an array fed before that
        fit it as it was: any array of that shape and dtype fits it too (the next mini-batch),
        so feeding one needs no check."""
        self._roads: dict[Any, _Road | None] = {}
        """By fetches (as :meth:`_flatten_cached` keys them), the fast road of runs taking a
        train step (``None``: none), at this graph version."""
        self._fresh: _Plan | None = None
        """The plan the last run completed, while every value it computed is current but for
        the cones :meth:`_invalidate` clears (``None`` when a run failed or values were dropped
        otherwise): its next run computes the steps of the cleared cone, found by the nodes
        that changed (:meth:`_todo`)."""
        self.graph.subscribe(self._on_graph_events, batched=True)

    # ---- public ---------------------------------------------------------------------------

    def run(self, fetches: Any, feed_dict: dict[Any, Any] | None = None) -> Any:
        """Evaluate ``fetches`` — a node, a node name, or a list/tuple/dict of them — and
        return their values in the same structure. ``feed_dict`` maps placeholders (nodes or
        names) to values; unfed placeholders take their defaults.

        A run that takes a train step and was run before (at this graph version) takes the
        fast road: :mod:`engine.fast_step`'s step, which leaves the value cache alone (the
        variables it changes make their consumers' values stale, as a run's step does); a
        feed or a failure it cannot take runs here, where the session checks and reports."""
        if self._roads and self._version == self.graph.version:
            try:
                road = self._roads.get((type(fetches), *fetches) if type(fetches) in (list, tuple)
                                       else fetches)
            except TypeError:  # unhashable: a dict, a nested list
                road = None
            if road is not None:
                taken = road.context.run(road.step.take, feed_dict or {})
                if taken is not None:
                    return road.rebuild([_readonly(taken[slot]) for slot in road.slots])
        nodes, rebuild = self._flatten_cached(fetches)
        plan = self._plan(tuple(nodes))
        feeds = self._check_feeds(feed_dict or {})
        fresh, self._fresh = self._fresh is plan, None
        changed = self._invalidate(feeds, plan)
        todo = self._todo(plan, changed if fresh else None)
        values = self._values
        self._deferred = []
        self._trainers = plan.trainers
        if plan.largest >= 0:
            blas.suit(plan.largest)
        try:
            self._compute(plan, todo, feeds)
            plan.mark_known(self._known)
            if plan.largest < 0 and len(plan.nodes) <= LARGEST_LIMIT:
                plan.largest = max((getattr(values[slot], "size", 1)
                                    for slot in plan.slots.tolist()), default=0)
            results = [_readonly(values[slot]) for slot in plan.fetch_slots]
            for update in self._deferred:
                update()
        finally:
            self._deferred = []
            self._run_memo.clear()
            if self._forget:
                self._dirty.update(self._forget)
                self._forget = []
        self._fresh = plan
        if plan.trainers and self.compiled and self._touched is None:
            self._pave(fetches, plan, nodes, rebuild)
        return rebuild(results)

    def _pave(self, fetches: Any, plan: _Plan, nodes: list[Node], rebuild: Rebuild) -> None:
        """Note the fast road of ``fetches`` (a run of ``plan``), if it has none yet: the
        step of its one train node, when that holds every fetch's value. (Not for a session
        asked :meth:`take_changes`: the fast road computes nothing into its cache.)"""
        try:
            key = (type(fetches), *fetches) if type(fetches) in (list, tuple) else fetches
            if key in self._roads:
                return
        except TypeError:
            return
        road = None
        if len(plan.trainers) == 1 and _prepared_step is not None:
            step = _prepared_step(self, plan.trainers[0])
            slots = [step.slot_of(node) for node in nodes]
            if None not in slots:
                with np.errstate(all="ignore"):
                    context = contextvars.copy_context()
                road = _Road(step, cast("list[int]", slots), rebuild, context)
        if len(self._roads) >= MAX_CONES:
            self._roads.clear()
        self._roads[key] = road

    def evaluation_order(self, fetches: Any) -> list[Node]:
        """The nodes a run of ``fetches`` computes, in the order it computes them: inputs
        before their consumers (the depth-first post-order the series teaches)."""
        nodes, _ = self._flatten(fetches)
        return self._postorder(tuple(nodes))

    def plan_size(self, fetches: Any) -> int:
        """How many nodes a run of ``fetches`` computes at most: its plan's (made if need
        be, and kept as a run's is)."""
        nodes, _ = self._flatten_cached(fetches)
        return len(self._plan(tuple(nodes)).nodes)

    def plan_steps(self, fetch: Node) -> tuple[list[Source], list[tuple[Node, Step]]]:
        """The sources a run of ``fetch`` loads and the steps it computes, in order, each with
        its node (at this graph version): for a caller that runs them its own way (a train
        step repeated by :mod:`engine.fast_step`)."""
        plan = self._plan((fetch,))
        nodes = self._nodes
        return plan.sources, [(cast(Node, nodes[step[0]]), step) for step in plan.steps]

    def take_changes(self) -> tuple[dict[Node, Any], set[Node]]:
        """What changed in the value cache since the last call: the values computed since (by
        node), and the nodes whose value a run dropped after an edit (once for each edit that
        drops it: a node without a value is not reported again by each call until a run
        computes it — after an edit on a big graph, tens of thousands of nodes)."""
        self._roads.clear()  # (a fast road computes nothing into the cache: none from now)
        computed: dict[Node, Any] = {}
        dropped: set[Node] = set()
        values, nodes, reported = self._values, self._nodes, self._reported
        if reported:  # those of them computed since
            waiting = list(reported)
            back = list(compress(waiting, map(is_not, map(values.__getitem__, waiting),
                                              repeat(None))))
            reported.difference_update(back)
            for slot in back:
                computed[cast(Node, nodes[slot])] = _readonly(values[slot])
        touched = range(len(values)) if self._touched is None else self._touched
        for slot in touched:
            node = nodes[slot]
            if node is None:
                continue
            if values[slot] is None:
                dropped.add(node)
                reported.add(slot)
            else:
                computed[node] = _readonly(values[slot])
        self._touched = set()
        return computed, dropped

    def close(self) -> None:
        """Drop every cached value (the session stays usable)."""
        if self._touched is not None:
            self._touched.update(i for i, v in enumerate(self._values) if v is not None)
        self._values = [None] * len(self._values)
        self._known = bytearray(len(self._values))
        self._feeds.clear()
        self._fresh = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- fetches and feeds ----------------------------------------------------------------

    def _flatten_cached(self, fetches: Any) -> tuple[list[Node], Rebuild]:
        """:meth:`_flatten`, remembered for a node, a name, and flat lists and tuples of them
        (a list keyed by its items, so a list changed since is flattened afresh)."""
        key: Any
        if type(fetches) is list or type(fetches) is tuple:
            key = (type(fetches), *fetches)
        elif isinstance(fetches, (Node, str)):
            key = fetches
        else:
            return self._flatten(fetches)
        try:
            flat = self._fetch_lists.get(key)
        except TypeError:  # an unhashable item: a nested dict or list
            return self._flatten(fetches)
        if flat is None:
            flat = self._flatten(fetches)
            if key is fetches or all(isinstance(f, (Node, str)) for f in fetches):
                if len(self._fetch_lists) >= MAX_CONES:
                    self._fetch_lists.clear()
                self._fetch_lists[key] = flat
        return flat

    def _flatten(self, fetches: Any) -> tuple[list[Node], Rebuild]:
        """The fetched nodes in order, and a function rebuilding the structure from values."""
        if isinstance(fetches, (Node, str)):
            return [self.graph.get_node(fetches)], lambda values: values[0]
        if isinstance(fetches, dict):
            keys = list(fetches)
            nodes, rebuild = self._flatten([fetches[k] for k in keys])
            return nodes, lambda values: dict(zip(keys, rebuild(values), strict=True))
        if isinstance(fetches, (list, tuple)):
            if type(fetches) in (list, tuple) and all(isinstance(f, Node) for f in fetches):
                for node in fetches:  # the common case: a flat list of nodes
                    self.graph.get_node(node)  # raises for a node of another graph
                return list(fetches), type(fetches)
            parts = [self._flatten(f) for f in fetches]
            nodes = [n for part, _ in parts for n in part]
            kind = type(fetches) if type(fetches) in (list, tuple) else list

            def rebuild(values: list[Any]) -> Any:
                out, start = [], 0
                for part, inner in parts:
                    out.append(inner(values[start : start + len(part)]))
                    start += len(part)
                return kind(out)

            return nodes, rebuild
        raise TypeError(f"cannot fetch {fetches!r}: fetch nodes, node names, or lists of them")

    def _check_feeds(self, feed_dict: dict[Any, Any]) -> dict[Node, np.ndarray]:
        """The fed values by placeholder (the caller's arrays as they are, when they fit)."""
        feeds: dict[Node, np.ndarray] = {}
        checked = self._feed_checks
        for key, value in feed_dict.items():
            hit = checked.get(key)
            if hit is not None and type(value) is np.ndarray and value.shape == hit[1] and (
                value.dtype == hit[2]
            ):
                feeds[hit[0]] = value
                continue
            try:
                node = self.graph.get_node(key)
            except KeyError as error:
                raise FeedError(f"cannot feed {key!r}: {error.args[0]}") from None
            if not isinstance(node, Placeholder):
                raise FeedError(f"cannot feed {node.label}: only placeholders are fed",
                                node=node.name)
            try:
                array = node.check(value)
            except ValueError as error:
                raise FeedError(f"cannot feed {node.name}: {error}", node=node.name) from None
            if array is value and type(value) is np.ndarray:  # fits as it is: remember
                if len(checked) >= MAX_CONES:  # its shape and dtype
                    checked.clear()
                checked[key] = (node, array.shape, array.dtype)
            feeds[node] = array
        return feeds

    # ---- invalidation ---------------------------------------------------------------------

    def _on_graph_events(self, events: list[GraphEvent]) -> None:
        """Note what a change's events leave stale (one call per change: an optimizer's step
        changes all of its variables at once)."""
        dirty = self._dirty
        for event in events:
            if event.kind == "value_changed":  # the most frequent: an optimizer's updates
                dirty.add(event.node)
            else:
                self._on_graph_event(event)
        self._heard = self.graph.version

    def _on_graph_event(self, event: GraphEvent) -> None:
        kind = event.kind
        if kind == "ui_changed":
            return
        self._fetch_lists.clear()  # names, wiring or attributes changed
        self._roads.clear()
        self._feed_checks.clear()
        if kind == "node_removed":
            slot = self._slots.pop(event.node, None)
            if slot is not None:
                self._values[slot] = None
                self._known[slot] = 0
                self._nodes[slot] = None
                if self._touched is not None:
                    self._touched.discard(slot)
                self._reported.discard(slot)
            self._feeds.pop(event.node, None)
            self._dirty.discard(event.node)
        elif kind not in ("node_added", "renamed"):
            self._dirty.add(event.node)
        restructured = self._restructured
        if restructured is not None and kind in STRUCTURAL and kind != "node_added":
            restructured.add(event.node)  # (a new node is in no plan yet)
            if len(restructured) > KEPT_PLANS:
                self._restructured = None

    def _invalidate(self, feeds: dict[Node, np.ndarray], plan: _Plan) -> frozenset[Node]:
        """Clear the values downstream of every change since the last run: the nodes that
        changed."""
        dirty = self._dirty
        if self._feeds.keys() != feeds.keys():
            dirty.update(self._feeds.keys() - feeds.keys())  # back to their defaults
        if plan.stateful:
            # A train step changes what lies downstream of its variables anyway: comparing its
            # feeds with the last ones would cost more than it could save.
            dirty.update(feeds)
            dirty.update(plan.stateful)
            self._feeds = dict.fromkeys(feeds)
        else:
            for node, array in feeds.items():
                old = self._feeds.get(node)
                if old is not None and _same_bytes(old, array):
                    feeds[node] = old
                else:  # kept to compare with the next run's (a copy: the caller may change it)
                    dirty.add(node)
                    feeds[node] = array.copy()
            self._feeds = cast("dict[Node, np.ndarray | None]", feeds)  # now the session's own
        if not dirty:
            return NOTHING
        changed = frozenset(dirty)
        values, known = self._values, self._known
        cone, runs = self._cone(changed)
        if runs:  # a few ranges of slots (one for a train step's, mostly): copied at once
            for span, nones, zeros in runs:
                values[span] = nones
                known[span] = zeros
        else:
            for slot in cone:
                values[slot] = None
                known[slot] = 0
        if self._touched is not None:
            self._touched.update(cone)
        dirty.clear()
        return changed

    def _cone(self, nodes: frozenset[Node]) -> Cone:
        """Slots of ``nodes`` and their descendants, each once, in order, and the ranges they
        make (:func:`_runs`), cached for the current graph version (a train step changes the
        same nodes every time)."""
        cone = self._cones.get(nodes)
        if cone is None:
            if len(self._cones) >= MAX_CONES:
                self._cones.clear()
            # one search from all of them, never past a node reached before (searching from
            # each in turn went down the same chains again and again: thousands of nodes
            # changed at once, as by an undo of their deletion, took seconds)
            reached, todo, succ = set(nodes), list(nodes), self.graph.nx.succ
            while todo:
                for consumer in succ[todo.pop()]:
                    if consumer not in reached:
                        reached.add(consumer)
                        todo.append(consumer)
            # in order: values dropped in the order they are computed give their memory back
            # to the allocator in that order, and the next run's values lie in memory as they
            # are computed (in a set's order, a full run of 10,000 small ops took 10 % longer)
            slots = sorted([self._slot(n) for n in reached])
            cone = self._cones[nodes] = (slots, _runs(slots))
        return cone

    def _slot(self, node: Node) -> int:
        slot = self._slots.get(node)
        if slot is None:
            slot = self._slots[node] = len(self._values)
            self._values.append(None)
            self._known.append(0)
            self._nodes.append(node)
        return slot

    # ---- plans ----------------------------------------------------------------------------

    def _plan(self, fetches: tuple[Node, ...]) -> _Plan:
        if self._version != self.graph.version:
            self._keep_plans()
            self._cones.clear()
            self._roads.clear()
            self._version_memo.clear()
            self._version = self.graph.version
            self._fresh = None  # (its plan is gone)
        plan = self._plans.get(fetches)
        if plan is None:
            with gc_paused():
                plan = self._plans[fetches] = self._compile(fetches)
            slots, values = self._slots, self._values
            if self._touched is not None:
                reported = self._reported  # (those are watched already)
                self._touched.update(slot for slot in map(slots.__getitem__, plan.nodes)
                                     if values[slot] is None and slot not in reported)
        return plan

    def _keep_plans(self) -> None:
        """After structural changes: keep the plans none of whose nodes changed (their steps
        are the same), when the session heard of every change."""
        restructured, self._restructured = self._restructured, set()
        if restructured is None or self._heard != self.graph.version:
            self._plans.clear()
        elif restructured or len(self._plans) > KEPT_PLANS:
            kept = {fetches: plan for fetches, plan in self._plans.items()
                    if plan.untouched_by(restructured)}
            few = len(kept) <= KEPT_PLANS or (
                sum(len(plan.nodes) for plan in kept.values()) <= len(self.graph))
            self._plans = kept if few else {}

    def _compile(self, fetches: tuple[Node, ...]) -> _Plan:
        sources: list[Source] = []
        steps: list[Step] = []
        stateful: list[Node] = []
        nodes: list[Node] = []
        slots: list[int] = []
        slot_of = self._slots
        for node in self._postorder(fetches):  # inputs first: their slots exist already
            slot = self._slot(node)
            nodes.append(node)
            slots.append(slot)
            op = node.op
            if op.is_source:
                sources.append((slot, cast(_ValueNode, node), isinstance(node, Placeholder)))
                continue
            if None in node.inputs:
                port = op.inputs[node.inputs.index(None)]
                raise EvaluationError(f"{node.name}: input '{port}' is not connected",
                                      node=node.name)
            compute: Callable[..., Any] = op.compute  # type: ignore[assignment]
            if op.context:
                compute = partial(compute, NodeContext(self, node))
            if node.attrs:
                compute = partial(compute, **node.attrs)
            ins = [slot_of[n] for n in node.inputs]  # type: ignore[index]
            if len(ins) == 2:
                steps.append((slot, compute, ins[0], ins[1]))
            elif len(ins) == 1:
                steps.append((slot, compute, ins[0], UNARY))
            else:
                steps.append((slot, compute, tuple(ins), NARY))
            if op.stateful:
                stateful.append(node)
        return _Plan(sources, steps, stateful, nodes, slots, [slot_of[n] for n in fetches])

    def _postorder(self, fetches: tuple[Node, ...]) -> list[Node]:
        """The fetches' ancestors, inputs before consumers: a depth-first post-order over the
        wiring's predecessors, from each fetch in turn (the order networkx's
        ``dfs_postorder_nodes`` gives on the reversed wiring, without making its view)."""
        pred = self.graph.nx.pred
        order: list[Node] = []
        seen: set[Node] = set()
        for fetch in fetches:
            if fetch in seen:
                continue
            seen.add(fetch)
            stack = [(fetch, iter(pred[fetch]))]
            while stack:
                node, inputs = stack[-1]
                for child in inputs:
                    if child not in seen:
                        seen.add(child)
                        stack.append((child, iter(pred[child])))
                        break
                else:
                    stack.pop()
                    order.append(node)
        return order

    # ---- execution ------------------------------------------------------------------------

    @np.errstate(all="ignore")  # (as a decorator: half the cost of a with statement)
    def _compute(self, plan: _Plan, todo: Todo, feeds: dict[Node, np.ndarray]) -> None:
        """Load the sources of ``todo`` and compute its steps, numpy's floating-point errors
        ignored."""
        self._load_sources(todo[2], feeds)
        if plan.largest < 0:  # a first run: by its inputs' size (not by the thread count
            blas.suit(max((getattr(self._values[slot], "size", 1)  # another run left)
                           for slot, _, _ in plan.sources), default=0))
        self._execute(todo, self._values)

    def _load_sources(self, sources: list[Source], feeds: dict[Node, np.ndarray]) -> None:
        values = self._values
        for slot, node, placeholder in sources:
            if values[slot] is not None:
                continue
            if placeholder:
                value = feeds.get(node)
                if value is None:
                    value = node.value
                if value is None:
                    raise FeedError(_unfed(node), node=node.name)
                values[slot] = value
            else:
                values[slot] = node.run_value  # (a Python number for a NumberConstant)

    def _execute(self, todo: Todo, values: list[Any]) -> None:
        """Compute the steps of ``todo`` (see :meth:`_todo`), in order: by their compiled code
        once the same steps have run often enough (:func:`engine.compiler.due`)."""
        steps, pending, _ = todo
        code = None if pending is None else pending.run()
        slot = -1
        try:
            if code is not None:
                code.function(values)
                return
            for slot, compute, a, b in steps:
                if b >= 0:
                    values[slot] = compute(values[a], values[b])
                elif b == UNARY:
                    values[slot] = compute(values[a])
                else:
                    values[slot] = compute(*[values[i] for i in a])
        except EngineError:
            raise
        except Exception as error:
            if code is not None:
                failed = code.failed_step(error.__traceback__)
                if failed is None:
                    raise
                slot = steps[failed][0]
            node = self._nodes[slot]
            assert node is not None
            shapes = [format_shape(np.shape(values[self._slots[n]])) for n in node.inputs]  # type: ignore[index]
            raise EvaluationError(
                f"{node.label} failed on inputs of shape {', '.join(shapes)}: {error}",
                node=node.name,
            ) from error

    def _todo(self, plan: _Plan, changed: frozenset[Node] | None) -> Todo:
        """What a run of ``plan`` loads and computes: by the nodes that ``changed`` since the
        plan's last run (``None``: unknown) when seen before — only the sources among them —
        else by the steps' known flags (:meth:`_by_known`), every source that has no value."""
        if changed is None:
            return (*self._by_known(plan), plan.sources)
        todo = plan.todo.get(changed)
        if todo is None:
            if len(plan.todo) >= MAX_CODES:
                plan.todo.clear()
            source_of = plan.source_of  # (a source is in a cone only as a node that changed)
            sources = sorted([source_of[n] for n in changed if n in source_of])
            todo = plan.todo[changed] = (*self._by_known(plan), sources)
        return todo

    def _by_known(self, plan: _Plan) -> tuple[list[Step], compiler.WhenDue | None]:
        """The plan's steps that have no known value, with their code's counter (kept in
        ``plan.codes`` by their known flags when the session compiles)."""
        steps = plan.steps
        key: Any
        if plan.known_of is not None:
            key = flags = plan.known_of(self._known)
            some_known = 1 in flags
        else:
            known = np.frombuffer(self._known, dtype=np.uint8)[plan.step_slots]
            some_known = bool(np.count_nonzero(known))  # (faster than ndarray.any for a few)
            key = known.tobytes() if some_known else b""
        seen = plan.codes.get(key) if self.compiled else None
        if seen is not None:  # (steps seen before are kept with their code)
            return seen
        if some_known:
            if plan.known_of is not None:
                steps = [step for step, done in zip(steps, flags, strict=True) if not done]
            else:
                steps = [steps[i] for i in np.flatnonzero(known == 0).tolist()]
        if not (self.compiled and steps):
            return steps, None
        if len(plan.codes) >= MAX_CODES:
            plan.codes.clear()
        seen = plan.codes[key] = (steps, compiler.WhenDue(
            len(steps), partial(_forward_code, steps, self._nodes)))
        return seen

    def plan_code(self, fetches: Any) -> str:
        """The code a run of ``fetches`` computes them by, every step of it (and the backward
        passes and optimizer steps of this graph version's runs so far: run the fetches
        first), followed by which node each slot ``v[i]`` holds: for reading."""
        nodes, _ = self._flatten(fetches)
        plan = self._plan(tuple(nodes))
        parts = []
        if plan.steps:
            parts.append(compiler.forward(plan.steps, [n.op for n in plan.nodes
                                                       if not n.op.is_source]))
        codes = [memo.code() for memo in self._version_memo.values() if hasattr(memo, "code")]
        parts += sorted((code for code in codes if code is not None),
                        key=lambda code: code.function.__name__ != "backward")
        legend = [f"# v{slot}: {node.label}" for node, slot in zip(plan.nodes, plan.slots.tolist(),
                                                               strict=True)]
        return compiler.show(parts) + "\n" + "\n".join(legend) + "\n"


def _forward_code(steps: list[Step], nodes: list[Node | None]) -> compiler.Compiled:
    """The compiled code of ``steps`` (``nodes`` by slot: the session's, for their ops)."""
    return compiler.forward(steps, [nodes[step[0]].op for step in steps])  # type: ignore[union-attr]


def _runs(slots: list[int]) -> list[Run]:
    """The ranges that ``slots`` (distinct, in order) make, each with as many ``None`` and zero
    bytes; none when they are shorter than :data:`RUN` slots on average."""
    starts = [0] + [i for i in range(1, len(slots)) if slots[i] != slots[i - 1] + 1]
    if not slots or len(starts) * RUN > len(slots):
        return []
    ends = [*starts[1:], len(slots)]
    return [(slice(slots[a], slots[b - 1] + 1), [None] * (b - a), bytes(b - a))
            for a, b in zip(starts, ends, strict=True)]


def _same_bytes(old: np.ndarray, new: np.ndarray) -> bool:
    """Whether a feed is the last one again: the same shape, dtype and bytes (so a run computes
    what the last one did, bit for bit: -0.0 is not 0.0)."""
    if old.shape != new.shape or old.dtype != new.dtype or old.dtype.hasobject:
        return False
    if old.nbytes <= SMALL_FEED:
        return old.tobytes() == new.tobytes()
    unit = f"u{old.itemsize}" if old.itemsize in (1, 2, 4, 8) else "u1"
    return bool(np.array_equal(old.reshape(-1).view(unit), new.reshape(-1).view(unit)))


def _readonly(value: Any) -> Any:
    """A read-only view of an array, so callers cannot corrupt the session's cache."""
    if isinstance(value, np.ndarray):
        value = value.view()
        value.flags.writeable = False
    return value


def _unfed(node: Node) -> str:
    """Why a placeholder has no value: its bound data's file is missing or changed, or it was
    neither fed nor given a default."""
    from .data.binding import problem

    return problem(node) or (f"placeholder '{node.name}' needs a value: feed it or give it a "
                             "default")

