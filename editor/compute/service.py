"""The compute service: all engine work on the open document, off the GUI thread.

The document graph is edited on the GUI thread; a worker thread owns the one *replica* of it
(an engine Graph and its Sessions). Every change the document announces becomes a small
name-based change record (:mod:`engine.replica`), queued to the worker, which applies the queued
changes to its replica before each request — so the replica's Session keeps its cache and
recomputes only what lies downstream of an edit. The worker answers evaluations of the watched
nodes, step-through traces, gradients (for the gradient badges) and prediction grids (for the
decision boundary); training runs go to the :class:`Trainer`'s worker process. Requests carry
increasing ids per kind: the worker skips requests a newer one superseded, and a result that
arrives after a newer request was made is never emitted.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, QTimer, Signal, Slot

from editor.compute.blocked import BlockedPaths
from editor.compute.stepper import Step, trace
from editor.compute.trainer import Trainer, check_trainable
from editor.document import Document, freeze_if_many
from engine import train
from engine.autodiff import gradients
from engine.data.binding import bound
from engine.data.preview import PreviewBatch, preview_feeds
from engine.errors import EngineError, EvaluationError, ShapeError
from engine.gcpause import gc_paused
from engine.graph import Graph, GraphEvent, Node, Placeholder
from engine.optimizers import VAR_LIST
from engine.replica import Change, changes_of, replay, value_copy
from engine.session import Session

FRAME_SECONDS = 0.016
"""How long :meth:`ComputeService.flush` may hold the GUI thread for a quick result: one frame."""


@dataclass(frozen=True)
class Failure:
    """Why a node has no value: the engine's message and the node at fault (the culprit)."""

    message: str
    node: str | None
    kind: str = "EngineError"


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one request: each requested node has a value or a failure."""

    request_id: int
    names: tuple[str, ...]
    values: dict[str, Any]
    failures: dict[str, Failure]
    blocked: frozenset[str] = frozenset()
    """Nodes downstream of a culprit on the way to a requested node: they wait on its fix."""
    seconds: float = 0.0
    computed: dict[str, Any] = field(default_factory=dict)
    """Every node's value computed since the previous evaluation was emitted (requested
    nodes, their inputs, …): what node previews show."""
    dropped: frozenset[str] = frozenset()
    """Nodes whose previous value an edit made stale, not computed again (not needed)."""
    nonfinite: dict[str, Failure] = field(default_factory=dict)
    """Where NaN or ±inf in a requested value first appears: the node that made it of finite
    inputs (a log of a negative number), with a message saying so."""

    @property
    def culprits(self) -> dict[str, Failure]:
        """The nodes to mark as failed, by name."""
        return {f.node: f for f in self.failures.values() if f.node is not None}

    def blocked_by(self, name: str) -> str | None:
        """The culprit that keeps requested node ``name`` from a value, if that is another node."""
        failure = self.failures.get(name)
        return failure.node if failure and failure.node not in (None, name) else None


@dataclass(frozen=True)
class Trace:
    """The steps a Session takes to compute ``name``, in evaluation order."""

    request_id: int
    name: str
    steps: list[Step] = field(default_factory=list)
    failure: Failure | None = None
    """Set when no step could be made (the node is gone, say)."""


@dataclass(frozen=True)
class Gradients:
    """Each trained variable's gradient of a loss at the replica's values (by name)."""

    request_id: int
    values: dict[str, np.ndarray]
    failure: Failure | None = None


@dataclass(frozen=True)
class Grid:
    """A model's output (one row per point) at the points of a :class:`GridRequest`."""

    request_id: int
    outputs: np.ndarray | None
    failure: Failure | None = None


@dataclass(frozen=True)
class GridRequest:
    """Feed ``points`` (n, 2) through placeholder ``input`` and read ``output``."""

    input: str
    output: str
    points: np.ndarray


KINDS = ("evaluate", "trace", "gradients", "grid")
"""The kinds of request; each has its own ids (a newer request supersedes only its kind)."""


class _Inbox:
    """What the GUI thread hands the worker: queued changes, the newest request id of each
    kind, and whether the evaluator is closing. Guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered = threading.Condition(self.lock)
        self.changes: list[Change] = []
        self.latest: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.finished: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.closed = False
        self.preview = PreviewBatch()

    def put(self, *changes: Change) -> bool:
        """Queue changes; true if they are the first since the worker last took them. A new
        value of a node replaces the value queued for it since the last structural change
        (training updates variables many times per evaluation)."""
        with self.lock:
            queued = self.changes
            first = not queued
            for change in changes:
                if change[0] == "assign":
                    for i in range(len(queued) - 1, -1, -1):
                        if queued[i][0] != "assign":
                            break
                        if queued[i][1][0] == change[1][0]:
                            del queued[i]
                            break
                queued.append(change)
            return first

    def take(self) -> list[Change]:
        with self.lock:
            changes, self.changes = self.changes, []
            return changes

    def is_stale(self, kind: str, request_id: int) -> bool:
        with self.lock:
            return self.closed or request_id < self.latest[kind]

    def finish(self, kind: str, request_id: int) -> None:
        """Tell a waiting :meth:`wait` that the answer to ``request_id`` is on its way."""
        with self.answered:
            self.finished[kind] = request_id
            self.answered.notify_all()

    def wait(self, kind: str, request_id: int, seconds: float) -> bool:
        """Wait at most ``seconds`` for the answer to ``request_id``; true if it was sent."""
        with self.answered:
            return self.answered.wait_for(lambda: self.finished[kind] >= request_id, seconds)


class _Worker(QObject):
    """Lives in the service's thread; owns the replica graph and its Sessions."""

    done = Signal(object)
    resync_needed = Signal()

    def __init__(self, inbox: _Inbox) -> None:
        super().__init__()
        self.inbox = inbox
        self.graph = Graph()
        self.session = Session(self.graph)
        self.grid_session = Session(self.graph)
        """Feeds the grid's points: the live values in :attr:`session` stay cached."""
        self.problem: str | None = None
        """Why the replica is not in step with the document (then nothing is evaluated)."""
        self._paths = BlockedPaths()
        self.graph.subscribe(self._paths.follow, batched=True)
        self._below: set[Node] = set()
        self._below_key: tuple[int, int] | None = None
        self._bound: list[Node] = []
        self._bound_key: tuple[int, int] | None = None
        self.feeds: dict[Placeholder, np.ndarray] = {}
        """The preview batch's rows of the bound data, fed to every live run (see
        :meth:`ComputeService.set_preview_batch`)."""

    @Slot(object)
    def run(self, request: tuple[str, int, Any]) -> None:
        kind, request_id, payload = request
        if self.inbox.is_stale(kind, request_id):
            return
        self._catch_up()
        start = time.perf_counter()
        result: Any
        if kind == "trace":
            result = self._trace(request_id, payload)
        elif kind == "gradients":
            result = self._gradients(request_id, *payload)
        elif kind == "grid":
            result = self._grid(request_id, payload)
        else:
            result = self._evaluate(request_id, payload)
            result = replace(result, seconds=time.perf_counter() - start)
        self.done.emit(result)
        self.inbox.finish(kind, request_id)

    # ---- keeping the replica in step ------------------------------------------------------

    def _catch_up(self) -> None:
        changes = self.inbox.take()
        with self.inbox.lock:
            preview = self.inbox.preview
        made = len(changes)
        with gc_paused():  # the changes of an edit of thousands of nodes, in one go
            for action, args in changes:
                if action == "reset":  # (the copy is made here, off the GUI thread)
                    self._reset(args[0]())
                    made += len(self.graph)
                elif self.problem is None:
                    try:
                        replay(self.graph, (action, args))
                    except (EngineError, KeyError, ValueError) as error:  # drifted: rebuild it
                        self.problem = ("the compute service is catching up with the document "
                                        f"({error})")
                        self.resync_needed.emit()
            # the replica's new nodes, as the document's; before the collector resumes
            freeze_if_many(made)
        key = (id(self.graph), self.graph.version)  # a binding's change is structural
        if self._bound_key != key:
            self._bound, self._bound_key = [n for n, _ in bound(self.graph.nodes)], key
        self.feeds = preview_feeds(self._bound, preview)

    def _reset(self, graph: Graph) -> None:
        self.graph = graph
        self._paths = BlockedPaths()
        graph.subscribe(self._paths.follow, batched=True)
        self.session = Session(self.graph)
        self.grid_session = Session(self.graph)
        self.problem = None

    # ---- work -----------------------------------------------------------------------------

    def _evaluate(self, request_id: int, names: tuple[str, ...]) -> Evaluation:
        values: dict[str, Any] = {}
        failures: dict[str, Failure] = {}
        if self.problem is not None:
            failures = {name: Failure(self.problem, None) for name in names}
            return Evaluation(request_id, names, values, failures)
        planned, together = 0, False
        for i, name in enumerate(names):
            if not together and planned > self._budget():
                together = True  # (tried once)
                values.update(self._run_together(names[i:]))
            if name in values:
                continue
            try:
                values[name] = self._run_without_training(name)
            except OP_FAILURES as error:
                failures[name] = self._explain(error, name)
            else:
                planned += self._plan_size(name)
        blocked = self._blocked(failures)
        nonfinite: dict[str, Failure] = {}
        for name, value in values.items():
            if not _finite(value):
                nonfinite.update(self._nonfinite_origin(name))
        computed, dropped = self.session.take_changes()
        return Evaluation(request_id, names, values, failures, frozenset(blocked),
                          computed={n.name: v for n, v in computed.items()},
                          dropped=frozenset(n.name for n in dropped), nonfinite=nonfinite)

    def _nonfinite_origin(self, name: str) -> dict[str, Failure]:
        """The first node on the way to ``name`` whose value holds NaN or ±inf though its
        inputs do not (values from the session's cache: nothing is computed again)."""
        below = self._train_steps_and_below()  # never run a train step
        order = [n for n in self.session.evaluation_order(name) if n not in below]
        values = dict(zip(order, self.session.run(order, self.feeds), strict=True))
        for node in order:
            value = values[node]
            if not _finite(value) and all(_finite(values[s]) for s in node.inputs
                                          if s is not None):
                count = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
                what = "NaN" if np.isnan(value).any() else "±inf"
                message = (f"{node.label} makes {what} of finite inputs: "
                           f"{count} of {np.size(value)} values")
                return {node.name: Failure(message, node.name, "NonFinite")}
        return {}

    def _run_together(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The values of ``names`` from one run, one plan for all — their own plans overlap
        much (a long trunk under many heads: each head's plan holds the trunk) — or none if
        that run fails (each is then run alone, for its own message). Train steps and the
        nodes below them are left out (see :meth:`_run_without_training`)."""
        below = self._train_steps_and_below()
        nodes = [node for name in names if name in self.graph
                 and (node := self.graph.get_node(name)) not in below]
        if len(nodes) < 2:
            return {}
        try:
            computed = self.session.run(nodes, self.feeds)
        except OP_FAILURES:
            return {}
        return {node.name: value for node, value in zip(nodes, computed, strict=True)}

    def _plan_size(self, name: str) -> int:
        """How many nodes the plan that computed ``name`` holds (0 for a train step or a node
        below one: their runs are few)."""
        node = self.graph.get_node(name)
        return 0 if node in self._train_steps_and_below() else self.session.plan_size(node)

    def _run_without_training(self, name: str) -> Any:
        """The value of ``name``, never running a train step (that would change the replica's
        variables behind the document's back): a train step shows the loss before the step,
        which is its value; a node below one is not evaluated live."""
        node = self.graph.get_node(name) if name in self.graph else None
        if node is None or node not in self._train_steps_and_below():
            return self.session.run(name, self.feeds)
        loss = node.inputs[0] if node.op.stateful else None
        if loss is None or loss in self._train_steps_and_below():
            raise EvaluationError(f"{name}: not evaluated live, as that would run a train step "
                                  "(train from the Training dock)", name)
        return self.session.run(loss, self.feeds)

    def _train_steps_and_below(self) -> set[Node]:
        key = (id(self.graph), self.graph.version)
        if self._below_key != key:
            self._below, self._below_key = train_steps_and_below(self.graph), key
        return self._below

    def _trace(self, request_id: int, name: str) -> Trace:
        if self.problem is not None:
            return Trace(request_id, name, failure=Failure(self.problem, None))
        session = self.session
        if name in self.graph and self.graph.get_node(name) in self._train_steps_and_below():
            # its run takes a train step: take it on a copy, the replica's variables stay
            session = Session(self.graph.copy())
        try:
            feeds = {n.name: value for n, value in self.feeds.items()}
            return Trace(request_id, name, trace(session, name, feeds))
        except OP_FAILURES as error:
            return Trace(request_id, name, failure=self._explain(error, name))

    def _gradients(self, request_id: int, train_node: str | None, loss: str | None) -> Gradients:
        """The gradients ``train_node`` (or a train step on ``loss``) would step with on the
        preview batch, on a scratch copy of the replica (its gradient nodes never reach the
        replica)."""
        if self.problem is not None:
            return Gradients(request_id, {}, Failure(self.problem, None))
        scratch = self.graph.copy()
        try:
            if train_node is not None:
                node = scratch.get_node(train_node)
            else:
                assert loss is not None  # asked for a train node or a loss
                node = train.add_train_node(scratch, loss)
            check_trainable(scratch, node)
            variables = train.trained_variables(node, node.attrs.get(VAR_LIST))
            assert node.inputs[0] is not None  # check_trainable: the loss is connected
            fetches = gradients(node.inputs[0], variables)
            values = Session(scratch).run(fetches, {n.name: v for n, v in self.feeds.items()})
        except OP_FAILURES as error:
            return Gradients(request_id, {}, self._explain(error, train_node or loss or ""))
        return Gradients(request_id, dict(zip([v.name for v in variables], values, strict=True)))

    def _grid(self, request_id: int, request: GridRequest) -> Grid:
        """The output at each point, fed through the input in batches of its fixed size."""
        if self.problem is not None:
            return Grid(request_id, None, Failure(self.problem, None))
        try:
            input = cast(Placeholder, self.graph.get_node(request.input))  # see GridRequest
            dtype = input.value.dtype if input.value is not None else np.float64
            batch = (input.attrs["shape"] or (None,))[0] or len(request.points)
            parts = []
            for start in range(0, len(request.points), batch):
                chunk = request.points[start : start + batch]
                fed = np.resize(chunk, (batch, 2)) if len(chunk) < batch else chunk
                out = self.grid_session.run(request.output, {input: fed.astype(dtype)})
                parts.append(np.asarray(out)[: len(chunk)].reshape(len(chunk), -1))
        except OP_FAILURES as error:
            return Grid(request_id, None, self._explain(error, request.output))
        return Grid(request_id, np.concatenate(parts))

    def _explain(self, error: BaseException, name: str) -> Failure:
        """A failure naming its culprit; a static shape error is preferred to numpy's words."""
        if isinstance(error, EvaluationError):
            try:
                self.graph.shape_of(name)
            except ShapeError as static:
                error = static
            except EngineError:  # another culprit's: keep the run's error
                pass
        if isinstance(error, EngineError):
            return Failure(str(error), error.node, type(error).__name__)
        if isinstance(error, KeyError):
            return Failure(error.args[0], name, "KeyError")
        return Failure(f"{name}: {type(error).__name__}: {error}", name, type(error).__name__)

    def _blocked(self, failures: dict[str, Failure]) -> set[str]:
        """The nodes between each failure's culprit and the failed node (inclusive of the
        failed node, not of the culprit)."""
        graph = self.graph
        pairs = [(graph.get_node(cause), graph.get_node(name))
                 for name, failure in failures.items()
                 if (cause := failure.node) is not None and cause != name and cause in graph
                 and name in graph]
        return {node.name for node in self._paths.blocked(pairs, self._budget())}

    def _budget(self) -> int:
        """How many nodes an evaluation may spend on its plans run one name at a time, and on
        the paths of its failures kept for the next one: twice the graph's. Past it, names
        are run together and failures walked together (a long trunk under many heads would
        cost the product of the two sizes)."""
        return 2 * len(self.graph)


def train_steps_and_below(graph: Graph) -> set[Node]:
    """The stateful nodes (train steps) and every node downstream of one: evaluating any of
    them would run a train step, which changes variables. (A walk down from the train steps
    the graph keeps: nothing to walk in a graph without one.)"""
    below = set(graph.stateful_nodes())
    todo = list(below)
    succ = graph.nx.succ
    while todo:
        for target in succ[todo.pop()]:
            if target not in below:
                below.add(target)
                todo.append(target)
    return below


def _finite(value: Any) -> bool:
    """Whether a value holds no NaN or ±inf (values that are not floats always do)."""
    array = np.asarray(value)
    return array.dtype.kind not in "fc" or bool(np.isfinite(array).all())


_ROUTES: dict[type, tuple[str, str]] = {
    Evaluation: ("evaluate", "evaluated"), Trace: ("trace", "traced"),
    Gradients: ("gradients", "gradients_ready"), Grid: ("grid", "grid_ready")}
"""Each result's kind and the signal that delivers it."""

OP_FAILURES = (EngineError, KeyError, SystemExit)
"""What a request may fail with: the engine's errors (an op's own exception comes wrapped in
one), a node that is gone, and an op calling ``exit()`` — which must not end the app."""


def _stop(thread: QThread, inbox: _Inbox) -> None:
    """Stop the worker thread: skip what is queued, wait for a running op to return."""
    with inbox.lock:
        if inbox.closed:
            return  # stopped already (close() was called before the evaluator was destroyed)
        inbox.closed = True
    thread.quit()
    thread.wait()


class ComputeService(QObject):
    """Does the engine work for the open document off the GUI thread.

    ``set_document(doc)`` follows a document: each of its graph's events, as it happens,
    becomes a change record for the replica (a record copies what changed as it is then; the
    document announces an edit's events only when the edit is complete).
    ``watch(names)`` evaluates those nodes now and again after every change; ``evaluated``
    delivers each up-to-date :class:`Evaluation` (never a superseded one). ``trace(name)``
    asks for the steps of a step-through (``traced``), ``gradients(train_node, loss)`` for the
    gradients a training step would take (``gradients_ready``), ``grid(request)`` for a model's
    outputs over a plane of points (``grid_ready``). ``busy_changed(bool)`` tells whether an
    evaluation or a trace is awaited. :attr:`trainer` runs training in its worker process.
    While training, :meth:`assume` evaluates with the run's variable values instead of the
    document's, until :meth:`stop_assuming`. Call :meth:`close` before the application quits
    (it is also called on ``aboutToQuit``).
    """

    evaluated = Signal(object)
    traced = Signal(object)
    gradients_ready = Signal(object)
    grid_ready = Signal(object)
    busy_changed = Signal(bool)
    _submit = Signal(object)
    _changes_queued = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.trainer = Trainer(self)
        self._inbox = _Inbox()
        self._ids = dict.fromkeys(KINDS, 0)
        self._delivered = dict(self._ids)
        self._unsent = Evaluation(0, (), {}, {})
        self._watched: dict[str, None] = {}
        """The watched names, in order (a dict: deleting thousands of nodes looks each up)."""
        self._traced_name = ""
        self._busy = False
        self._last_seconds = 0.0
        self._doc: Document | None = None
        self._followed: Graph | None = None
        """The graph whose events this service records (its document's)."""
        self._assumed: set[str] = set()
        self._refresh_timer = QTimer(self, singleShot=True, interval=0)
        self._refresh_timer.timeout.connect(self.refresh)
        self._changes_queued.connect(self._on_changes_queued)

        self._thread: QThread | None = QThread()
        self._thread.setObjectName("evaluator")
        self._worker = _Worker(self._inbox)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.done.connect(self._receive)
        self._worker.resync_needed.connect(self._on_drift)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)
        # if the service is destroyed with its parent before close(), stop the thread then
        self.destroyed.connect(functools.partial(_stop, self._thread, self._inbox))

    # ---- public ---------------------------------------------------------------------------

    @property
    def graph(self) -> Graph | None:
        """The document's graph (the replica follows it)."""
        return self._doc.graph if self._doc is not None else None

    @property
    def watched(self) -> list[str]:
        return list(self._watched)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_document(self, doc: Document) -> None:
        """Work on ``doc`` from now on (a document was opened): the replica is rebuilt."""
        self._unfollow()
        self._doc, self._followed = doc, doc.graph
        self._assumed.clear()
        doc.graph.subscribe(self._on_graph_events, batched=True)
        self._watched = {n: None for n in self._watched if n in doc.graph}
        self._resync()

    def gradients(self, train_node: str | None, loss: str | None = None) -> int:
        """Ask for the gradients train node ``train_node`` — or, with ``None``, a train step
        on ``loss`` — would step with, at the current values (answered by ``gradients_ready``)."""
        return self._request("gradients", (train_node, loss))

    def grid(self, request: GridRequest) -> int:
        """Ask for a model's outputs over a plane of points (answered by ``grid_ready``)."""
        return self._request("grid", request)

    def watch(self, names: Iterable[str]) -> int:
        """Keep ``names`` evaluated (an empty list stops); returns the request id."""
        self._watched = dict.fromkeys(names)
        return self.refresh()

    def refresh(self) -> int:
        """Evaluate the watched nodes again; returns the request id (0 if none are watched)."""
        self._refresh_timer.stop()
        if not self._watched:
            self._ids["evaluate"] += 1  # drops any result still on its way
            self._delivered["evaluate"] = self._ids["evaluate"]
            self._publish_latest("evaluate")
            self._update_busy()
            return 0
        return self._request("evaluate", tuple(self._watched))

    def flush(self, wait: float = FRAME_SECONDS) -> None:
        """Ask now for the refresh that queued changes scheduled (call it when an edit is
        complete). If the last evaluation took less than ``wait`` seconds, wait up to that
        long for the answer and deliver it before returning, so that the edit and its new
        values are painted together; a slower one arrives later, while the edit is painted."""
        if not self._refresh_timer.isActive():
            return
        request_id = self.refresh()
        if request_id and self._last_seconds < wait and self._inbox.wait(
                "evaluate", request_id, wait):
            QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)

    @property
    def assumed(self) -> frozenset[str]:
        """The variables evaluated with values of :meth:`assume` instead of their own."""
        return frozenset(self._assumed)

    def assume(self, values: dict[str, np.ndarray]) -> None:
        """Evaluate from now on as if the variables named in ``values`` held them (a training
        run's latest values) — in the worker's replica only: the document keeps its values,
        and :meth:`stop_assuming` gives them back to the replica."""
        graph = self.graph
        for name, value in values.items():
            if graph is not None and name in graph:
                self._assumed.add(name)
                self._queue(("assign", (name, np.array(value, copy=True))))

    def stop_assuming(self) -> None:
        """Evaluate with the document's own values again."""
        names, self._assumed = self._assumed, set()
        graph = self.graph
        for name in names:
            if graph is not None and name in graph:
                self._queue(("assign", (name, value_copy(graph.get_node(name)))))

    @property
    def preview_batch(self) -> PreviewBatch:
        """The rows of the bound data that live evaluation feeds."""
        with self._inbox.lock:
            return self._inbox.preview

    def set_preview_batch(self, batch: PreviewBatch) -> None:
        """Feed ``batch``'s rows of the data bound to placeholders from now on (in every
        evaluation, trace and gradient; the document keeps all its rows), and evaluate the
        watched nodes again."""
        with self._inbox.lock:
            if self._inbox.preview == batch:
                return
            self._inbox.preview = batch
        if self._watched:
            self.refresh()

    def trace(self, name: str) -> int:
        """Ask for the evaluation steps of ``name`` (answered by ``traced``)."""
        self._traced_name = name
        return self._request("trace", name)

    def close(self) -> None:
        """Stop the worker thread (after the op it may be running returns)."""
        if self._thread is None:
            return
        self._unfollow()
        self._doc = None
        self._refresh_timer.stop()
        _stop(self._thread, self._inbox)
        self._worker.deleteLater()
        self._thread = None
        self._delivered = dict(self._ids)
        self._update_busy()

    # ---- requests and results -------------------------------------------------------------

    def _request(self, kind: str, payload: Any) -> int:
        if self._thread is None:
            return 0
        self._ids[kind] += 1
        request_id = self._ids[kind]
        self._publish_latest(kind)
        self._update_busy()
        self._submit.emit((kind, request_id, payload))
        return request_id

    def _publish_latest(self, kind: str) -> None:
        with self._inbox.lock:
            self._inbox.latest[kind] = self._ids[kind]

    @Slot(object)
    def _receive(self, result: Evaluation | Trace | Gradients | Grid) -> None:
        kind, signal = _ROUTES[type(result)]
        if isinstance(result, Evaluation):
            result = self._with_earlier_changes(result)
        if result.request_id != self._ids[kind] or self._thread is None:
            return  # superseded while it was computed
        self._delivered[kind] = result.request_id
        if isinstance(result, Evaluation):  # kind == "evaluate"
            self._last_seconds = result.seconds
        self._update_busy()
        getattr(self, signal).emit(result)

    def _with_earlier_changes(self, result: Evaluation) -> Evaluation:
        """Fold the node values of superseded evaluations into the next one emitted, so that
        ``computed`` and ``dropped`` miss nothing."""
        earlier = self._unsent
        if earlier.computed or earlier.dropped:
            computed = {k: v for k, v in earlier.computed.items() if k not in result.dropped}
            computed.update(result.computed)
            dropped = (earlier.dropped - result.computed.keys()) | result.dropped
            merged = replace(result, computed=computed, dropped=dropped)
        else:  # (nothing superseded: no copy of what may name every node)
            merged = result
        stale = result.request_id != self._ids["evaluate"]
        self._unsent = merged if stale else Evaluation(0, (), {}, {})
        return merged

    def _update_busy(self) -> None:
        busy = any(self._ids[kind] > self._delivered[kind] for kind in ("evaluate", "trace"))
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    # ---- following the document -----------------------------------------------------------

    def _unfollow(self) -> None:
        if self._followed is not None:
            self._followed.unsubscribe(self._on_graph_events)
            self._followed = None

    def _on_graph_events(self, events: list[GraphEvent]) -> None:
        """Called in the thread that edited the graph: queue the changes, then let the GUI
        thread schedule a refresh."""
        changes = changes_of(events)
        for action, args in changes:
            if action == "rename":
                old, new = args
                if old in self._watched:
                    self._watched = {new if n == old else n: None for n in self._watched}
            elif action == "remove_nodes":
                for name in args[0]:
                    self._watched.pop(name, None)
        if changes:
            self._queue(*changes)

    def _queue(self, *changes: Change) -> None:
        if self._inbox.put(*changes):
            self._changes_queued.emit()

    @Slot()
    def _on_changes_queued(self) -> None:
        if self._watched and self._thread is not None:
            self._refresh_timer.start()

    @Slot()
    def _on_drift(self) -> None:
        """The replica could not follow an edit: rebuild it and ask again for what is awaited
        (what the worker answers meanwhile is superseded)."""
        self._resync()
        if self._watched:
            self.refresh()
        if self._ids["trace"] > self._delivered["trace"]:
            self.trace(self._traced_name)

    def _resync(self) -> None:
        """Send the worker a fresh snapshot of the document graph (it makes the copy)."""
        if self._doc is None or self._thread is None:
            return
        with self._inbox.lock:
            self._inbox.changes = [("reset", (self._doc.graph.copy_later(),))]
        self._changes_queued.emit()

