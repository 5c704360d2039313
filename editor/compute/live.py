"""Live evaluation in the window: the selected nodes evaluated by the :class:`ComputeService`, their
values in the Tensor dock, previews and error marks on the canvas, a busy indicator, and the
step-through mode."""

from __future__ import annotations

from dataclasses import replace
from itertools import chain
from typing import Any

import networkx as nx
import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from editor.canvas.scene import GraphScene
from editor.compute.frontier import Frontier
from editor.compute.service import ComputeService, Evaluation, Failure, Trace
from editor.compute.stepper import Step, Stepper
from editor.document import BLOCKED, ERROR, NODE_CHANGED, OK
from editor.inspect.tensor_view import TensorView
from editor.tensor_stats import preview_later, value_preview
from engine.data.binding import bound
from engine.data.preview import PreviewBatch, batched, bound_rows
from engine.graph import STRUCTURAL, GraphEvent, Node, Placeholder

GRADIENT = "∇"
"""Prefix of the Tensor dock's tab that shows a variable's gradient."""
MAX_SHOWN = 12
"""The Tensor dock shows at most this many nodes (the first selected ones; Ctrl+A on a big
graph must not make thousands of panels)."""
PREVIEW_SLICE = 2000
"""Node previews a result shows in one turn of the event loop (≈ 20 ms); more wait a turn."""

BUSY_DELAY_MS = 150
"""A result awaited longer than this shows the busy indicator (quick ones do not flicker)."""


class BusyIndicator(QWidget):
    """``Evaluating…`` with an endless progress bar, for the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setFixedSize(90, 12)
        bar.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(QLabel("Evaluating…"))
        layout.addWidget(bar)
        self._timer = QTimer(self, singleShot=True, interval=BUSY_DELAY_MS)
        self._timer.timeout.connect(self.show)
        self.hide()

    def set_busy(self, busy: bool) -> None:
        if busy:
            self._timer.start()
        else:
            self._timer.stop()
            self.hide()


class LiveEvaluation(QObject):
    """Keeps the scene's selected nodes evaluated and shows the outcome.

    The Tensor dock shows each pinned node (its Pin button), then each selected one. Every
    node computed on the way shows a preview, and stays live: while previews are shown, the
    nodes that show one are evaluated again after every edit too (the last of them in the
    graph suffice: their inputs come along), so a value on the canvas is never stale. When a
    document is set, every node is to show a preview: the graph's last nodes are evaluated —
    except train steps and what lies below them, which are never evaluated for a preview.
    The culprit of a failure is marked red and the nodes between it and an evaluated node
    ``blocked`` — except for failures of nodes the user has not asked about: a last node that
    never had a value (say, below a placeholder without a default) fails quietly, without a
    mark, until it is selected or once had a value. While stepping (:meth:`start_stepping`),
    the canvas shows the steps of the selected node's evaluation instead. Placeholders bound
    to data are fed the rows of the preview batch (:meth:`set_preview_batch`): their previews
    and the Tensor dock's panels of what they feed say which rows (``rows 0–31 of 1,797``).
    """

    message = Signal(str)
    """Text for the status bar."""
    stepping_changed = Signal(bool)

    def __init__(self, service: ComputeService, tensor_view: TensorView,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tensor_view = tensor_view
        self.compute = service
        self.busy_indicator = BusyIndicator()
        self.stepper = Stepper(parent=self)
        self.scene: GraphScene | None = None
        self.stepping_name: str | None = None
        self.previews = True
        self._selected: list[str] = []
        self._pinned: list[Node] = []
        self._previewed: set[Node] = set()
        self._frontier = Frontier()
        self._quiet: set[Node] = set()
        """Last nodes evaluated since the document was set that never had a value: their
        failures are not marked (the user has not asked about them)."""
        self._version = -1
        self._marked: set[Node] = set()
        self._reported: dict[Node, str] = {}
        """Failures reported from outside evaluation (training), marked until the node
        changes."""
        self._last_marks: tuple[dict[str, Any], dict[str, str]] = ({}, {})
        self.gradients: dict[str, np.ndarray] = {}
        """The last known gradient of the loss for each trained variable, by name."""
        self._copy_wanted: str | None = None  # copy_value's node, until its value is known
        self._bound: tuple[int, list[Node]] = (-1, [])
        """The bound placeholders, at a graph version (a binding's change is structural)."""
        self._rows_shown: set[Node] = set()
        """The placeholders whose preview says which rows they are fed."""
        self._from_rows: tuple[Any, set[Node]] = (None, set())
        """The fed placeholders and every node below them, at a graph version."""
        self._later: dict[Node, str | np.ndarray | None] = {}
        """Previews of a big result not shown yet (:meth:`_preview`)."""
        self._later_timer = QTimer(self, interval=0)
        self._later_timer.timeout.connect(self._preview_slice)
        self.compute.evaluated.connect(self._show)
        self.compute.traced.connect(self._traced)
        self.compute.busy_changed.connect(self.busy_indicator.set_busy)
        self.stepper.position_changed.connect(self._show_step)
        tensor_view.pin_toggled.connect(self._pin)

    @property
    def stepping(self) -> bool:
        return self.stepping_name is not None

    def set_scene(self, scene: GraphScene) -> None:
        """Follow ``scene`` (a document was opened)."""
        self.stop_stepping()
        self.scene = scene
        graph = scene.doc.graph
        self._marked, self._frontier, self._pinned = set(), Frontier(), []
        self._reported = {}
        self._bound, self._rows_shown, self._from_rows = (-1, []), set(), (None, set())
        self._previewed = set(graph.nodes)
        self._quiet = set(self._previewed)
        self._later.clear()
        self._update_frontier()
        self.compute.set_document(scene.doc)
        scene.selectionChanged.connect(self._selection_changed)
        scene.doc.batch_done.connect(self._edited)
        scene.doc.changed.connect(self._graph_changed)
        self._selection_changed()

    def set_previews(self, on: bool) -> None:
        """Whether the nodes' previews are shown (and so kept up to date)."""
        self.previews = on
        if not self.stepping:
            self._watch()

    def close(self) -> None:
        self.compute.close()

    # ---- the preview batch -----------------------------------------------------------------

    @property
    def preview_batch(self) -> PreviewBatch:
        return self.compute.preview_batch

    def set_preview_batch(self, batch: PreviewBatch) -> None:
        """Feed ``batch``'s rows of the bound data from now on; the values shown follow."""
        self.compute.set_preview_batch(batch)
        if self.stepping and self.stepping_name is not None:
            self._trace(self.stepping_name)

    def _batched(self) -> list[Placeholder]:
        """The placeholders the preview batch cuts the data of."""
        assert self.scene is not None  # set_scene came first
        graph = self.scene.doc.graph
        if self._bound[0] != graph.version:
            self._bound = (graph.version, [n for n, _ in bound(graph.nodes)])
        return batched(self._bound[1])

    def _show_rows(self, shown: tuple[str, ...], values: dict[str, Any]) -> None:
        """Say which rows each shown value, and each fed placeholder's preview, stems from."""
        assert self.scene is not None  # set_scene came first
        scene, graph = self.scene, self.scene.doc.graph
        fed: set[Node] = set(self._batched())
        text = self.preview_batch.text(bound_rows(fed)) if fed else ""
        for node in self._rows_shown - fed:
            self._later.pop(node, None)
            scene.set_preview(node, None)
        for node in fed:
            self._later.pop(node, None)
            scene.set_preview(node, text)
        self._rows_shown = fed
        key = (graph.version, frozenset(fed))
        if self._from_rows[0] != key:  # (walked once per graph version, not per result)
            self._from_rows = (key, fed.union(*(nx.descendants(graph.nx, n) for n in fed)))
        below = self._from_rows[1]
        for name in shown:
            from_rows = name in values and name in graph and graph.get_node(name) in below
            self.tensor_view.show_rows(name, text if from_rows else "")

    # ---- live values -----------------------------------------------------------------------

    def _selected_names(self) -> list[str]:
        assert self.scene is not None  # set_scene came first
        try:
            return [node.name for node in self.scene.selected_nodes()]
        except RuntimeError:  # the scene is being deleted
            return []

    def _selection_changed(self) -> None:
        names = self._selected_names()
        if self.stepping:
            if names and names[0] != self.stepping_name:
                self._trace(names[0])
            return
        self._selected = names
        self._watch()
        if len(names) > MAX_SHOWN:
            self.message.emit(f"The Tensor dock shows the first {MAX_SHOWN} of the "
                              f"{len(names)} selected nodes.")

    def _pin(self, name: str, on: bool) -> None:
        assert self.scene is not None  # set_scene came first
        graph = self.scene.doc.graph
        if name not in graph:
            return
        node = graph.get_node(name)
        self._pinned = [n for n in self._pinned if n is not node] + ([node] if on else [])
        self._watch()

    def mark_failure(self, name: str, message: str) -> None:
        """Mark node ``name`` as the culprit of a failure found outside evaluation (a training
        run's), until it changes."""
        assert self.scene is not None  # set_scene came first
        self._reported[self.scene.doc.graph.get_node(name)] = message
        self._mark(*self._last_marks)

    def clear_reported(self) -> None:
        """Drop the failures :meth:`mark_failure` reported (a new training run starts)."""
        if self._reported:
            self._reported = {}
            self._mark(*self._last_marks)

    def _graph_changed(self, events: list[GraphEvent]) -> None:
        """Forget removed nodes and the failures reported of nodes that changed; a renamed
        node stays shown: its panels in the Tensor dock take the new name."""
        reported = len(self._reported)
        removed: set[Node] = set()
        touched: list[Node] = []
        for event in events:
            self._later.pop(event.node, None)  # (its item shows what the edit left)
            if event.kind in STRUCTURAL:
                touched.append(event.node)
                if event.source is not None:
                    touched.append(event.source)
            if event.kind == "node_removed":
                removed.add(event.node)
                self._reported.pop(event.node, None)
            elif event.kind in NODE_CHANGED:
                self._reported.pop(event.node, None)
                if event.kind == "renamed" and event.old_name is not None:
                    old, new = event.old_name, event.node.name
                    self._selected = [new if name == old else name for name in self._selected]
                    self.tensor_view.rename(old, new)
                    self.tensor_view.rename(GRADIENT + old, GRADIENT + new)
        self._frontier.touch(touched)
        if removed:
            self._previewed -= removed
            self._quiet -= removed
            self._pinned = [n for n in self._pinned if n not in removed]
        if len(self._reported) != reported:
            self._mark(*self._last_marks)

    def _shown_names(self) -> list[str]:
        """The nodes the Tensor dock shows: the pinned ones, then the selected ones (at most
        :data:`MAX_SHOWN` in all)."""
        return list(dict.fromkeys([n.name for n in self._pinned] + self._selected))[:MAX_SHOWN]

    def set_gradients(self, gradients: dict[str, np.ndarray]) -> None:
        """Show each shown variable's gradient (``GRADIENT`` + its name) beside its value."""
        self.gradients = gradients
        if self.scene is not None and not self.stepping:
            self._watch(unless_watched=True)
            self._show_gradients()

    def _gradient_tabs(self, shown: list[str]) -> list[str]:
        return [GRADIENT + name for name in shown if name in self.gradients]

    def _show_gradients(self) -> None:
        for name in self._shown_names():
            if name in self.gradients:
                self.tensor_view.show_value(GRADIENT + name, self.gradients[name])

    def _watch(self, unless_watched: bool = False, unless_same: bool = False) -> None:
        """Evaluate the shown nodes, and the previewed ones if previews are shown (not again
        if ``unless_watched`` and they are all watched already, or ``unless_same`` and they
        are the very nodes watched)."""
        shown = self._shown_names()
        assert self.scene is not None  # set_scene came first
        graph = self.scene.doc.graph
        self._quiet -= {graph.get_node(name) for name in shown if name in graph}  # asked now
        self.tensor_view.set_names(shown + self._gradient_tabs(shown))
        self.tensor_view.set_pinned(n.name for n in self._pinned)
        names = list(shown)
        if self.previews:
            names += [node.name for node in self._frontier.nodes]
        watched = set(self.compute.watched)
        if not (unless_watched and set(names) <= watched
                or unless_same and set(names) == watched):
            self.compute.watch(names)
        if not names:
            self._mark({}, {})  # nothing is evaluated: no evaluation marks either

    def _update_frontier(self) -> bool:
        """The previewed nodes none of whose consumers is previewed, leaving out train steps
        and the nodes below them; true if that changed."""
        assert self.scene is not None  # set_scene came first
        graph = self.scene.doc.graph
        self._version = graph.version
        return self._frontier.update(self._previewed, graph)

    def _show(self, evaluation: Evaluation) -> None:
        if self.stepping or self.scene is None:
            return
        graph = self.scene.doc.graph
        shown = tuple(n for n in self._shown_names() if n in evaluation.names)
        # the gradients' panels stay (made again, each would build its heatmap anew)
        self.tensor_view.show_evaluation(replace(evaluation, names=shown),
                                         also=self._gradient_tabs(list(shown)))
        self._show_gradients()
        previews: dict[Node, str | np.ndarray | None] = {}
        assumed = self.compute.assumed
        computed = evaluation.computed
        for node, (name, value) in zip(graph.find_all(computed), computed.items(), strict=True):
            # a source shows the value it holds (what the user typed), not a summary —
            # or, while training, the value it has learned so far
            if node is None:
                continue
            if node.op.kind == "op":
                previews[node] = preview_later(value)
            else:
                previews[node] = value_preview(value) if name in assumed else None
        nodes = set(previews)
        self._quiet -= nodes
        fresh = nodes - self._previewed
        grown = bool(fresh)
        self._previewed |= fresh
        self._frontier.touch(fresh)
        if evaluation.dropped:
            self._drop(evaluation, previews)
        self._preview(previews)
        for name in evaluation.failures:  # kept live, to show their value once fixed
            if name in graph and graph.get_node(name) not in self._previewed:
                self._previewed.add(graph.get_node(name))
                self._frontier.touch([graph.get_node(name)])
                grown = True
        asked = self._asked(evaluation)
        culprits = {**evaluation.nonfinite,  # marked as errors are, blocking nothing
                    **{f.node: f for f in asked.values() if f.node is not None}}
        self._mark(culprits, self._blockers(evaluation, asked))
        self._show_rows(shown, evaluation.values)
        if grown and self._update_frontier() and self.previews:
            self._watch(unless_watched=True)
        self._copy_if_known()

    def _drop(self, evaluation: Evaluation, previews: dict[Node, str | np.ndarray | None]
              ) -> None:
        """Put the default back on the nodes whose value ``evaluation`` dropped, into
        ``previews``, and stop previewing them (not if asked for: they stay live). Only the
        nodes showing a preview are looked at: after an edit far out ``dropped`` may name every
        node of a big graph, again in each evaluation until they are computed again."""
        assert self.scene is not None  # set_scene came first
        dropped, asked = evaluation.dropped, set(evaluation.names)
        for node in chain(self.scene.previewed(), self._later):
            if node.name in dropped:
                previews[node] = None
        gone = [node for node in self.scene.doc.graph.find_all(dropped)
                if node is not None and node in self._previewed and node.name not in asked]
        self._previewed.difference_update(gone)
        self._frontier.touch(gone)

    def _preview(self, previews: dict[Node, str | np.ndarray | None]) -> None:
        """Show ``previews`` on their nodes: a few at once; those of a big result (the first
        one of a big graph) :data:`PREVIEW_SLICE` a turn of the event loop, so that the window
        stays live (a newer preview of a node replaces one not shown yet)."""
        self._later.update(previews)
        self._preview_slice()

    def _preview_slice(self) -> None:
        assert self.scene is not None  # set_scene came first
        scene, later = self.scene, self._later
        for _ in range(min(len(later), PREVIEW_SLICE)):
            node, preview = later.popitem()
            scene.set_preview(node, preview)
        if later:
            self._later_timer.start()
        else:
            self._later_timer.stop()

    def copy_value(self, name: str) -> None:
        """Put node ``name``'s value on the clipboard as numpy text, as soon as the Tensor
        dock (which shows the selected nodes) has it — or say why it has none."""
        self._copy_wanted = name
        self._copy_if_known()

    def _copy_if_known(self) -> None:
        name = self._copy_wanted
        if name is None or name not in self.tensor_view.names:
            return  # not evaluated yet
        panel = self.tensor_view.panel(name)
        if panel.value is not None:
            self._copy_wanted = None
            panel.copied.connect(
                lambda: self.message.emit(f"Copied the value of {name} to the clipboard"),
                Qt.ConnectionType.SingleShotConnection)
            panel.copy()
        elif panel.mode in ("error", "blocked"):
            self._copy_wanted = None
            self.message.emit(f"{name} has no value to copy: {panel.message.text()}")

    def _edited(self) -> None:
        """After an edit: evaluate at once; a changed wiring may change which previewed nodes
        to evaluate (the very nodes just asked for are not asked for again); while stepping,
        step through the new evaluation, at the same step."""
        self.compute.flush()
        if self.stepping:
            assert self.scene is not None and self.stepping_name is not None  # stepping a scene
            if self.stepping_name not in self.scene.doc.graph:
                self.stop_stepping()
            else:
                self._trace(self.stepping_name)
        elif (self.scene is not None  # it is: set_scene connected this slot
              and self.scene.doc.graph.version != self._version and self._update_frontier()):
            self._watch(unless_same=True)

    def _asked(self, evaluation: Evaluation) -> dict[str, Failure]:
        """The failures to mark: those of the nodes the user asked about (not quiet ones)."""
        assert self.scene is not None  # set_scene came first
        graph, shown = self.scene.doc.graph, set(self._shown_names())
        return {name: failure for name, failure in evaluation.failures.items()
                if name in shown or name not in graph or graph.get_node(name) not in self._quiet}

    def _blockers(self, evaluation: Evaluation, asked: dict[str, Failure]) -> dict[str, str]:
        """Each blocked node on the way to an ``asked`` failure, with the culprit it waits on."""
        assert self.scene is not None  # set_scene came first
        graph = self.scene.doc.graph
        if not asked:
            return {}  # nothing is marked: nothing is blocked by a mark
        blocked = {n for n in evaluation.blocked if n in graph}
        if len(asked) < len(evaluation.failures) and blocked:  # not on the way to quiet ones
            above: set[Node] = set()
            for name in asked:
                if name in graph and graph.get_node(name) not in above:
                    above |= {graph.get_node(name)} | nx.ancestors(graph.nx, graph.get_node(name))
            blocked = {n for n in blocked if graph.get_node(n) in above}
        blockers: dict[str, str] = {}
        culprits = {f.node for f in asked.values() if f.node is not None}
        for culprit in culprits:
            if culprit in graph and blocked:
                below = {n.name for n in nx.descendants(graph.nx, graph.get_node(culprit))}
                for name in blocked & below:
                    blockers.setdefault(name, culprit)
        return blockers

    def _mark(self, culprits: dict[str, Any], blockers: dict[str, str]) -> None:
        """Mark ``culprits`` (and the failures reported by :meth:`mark_failure`) red with their
        failure's message, ``blockers``' keys blocked, and clear the marks of the last
        evaluation elsewhere. The one writer of the nodes' evaluation marks."""
        self._last_marks = culprits, blockers
        culprits = {**culprits, **{n.name: Failure(message, n.name)
                                   for n, message in self._reported.items()}}
        assert self.scene is not None  # set_scene came first
        scene, graph = self.scene, self.scene.doc.graph
        marked = {graph.get_node(n) for n in (*culprits, *blockers) if n in graph}
        for node in self._marked - marked:  # by node: a renamed node's mark is cleared too
            if node in graph:
                scene.set_state(node, OK)
        for name, failure in culprits.items():
            if name in graph:
                scene.set_state(graph.get_node(name), ERROR, failure.message)
        for name, culprit in blockers.items():
            if name not in culprits:
                message = f"blocked by {culprit}: {culprits[culprit].message}"
                scene.set_state(graph.get_node(name), BLOCKED, message)
        self._marked = marked

    # ---- step-through ----------------------------------------------------------------------

    def start_stepping(self) -> bool:
        """Step through the evaluation of the (first) selected node; False if none is."""
        names = self._selected_names()
        if not names:
            self.message.emit("Select a node to step through its evaluation.")
            return False
        self.compute.watch([])
        self._mark({}, {})
        assert self.scene is not None  # set_scene came first
        for node in self.scene.doc.graph.nodes:
            self.scene.set_step(node, "pending")
        self._trace(names[0])
        self.stepping_changed.emit(True)
        return True

    def stop_stepping(self) -> None:
        """Leave the step-through: the canvas and the Tensor dock show live values again."""
        if not self.stepping:
            return
        self.stepping_name = None
        self.stepper.set_steps([])
        if self.scene is not None:
            self.scene.clear_steps()
            self._selection_changed()
        self.stepping_changed.emit(False)

    def _trace(self, name: str) -> None:
        self.stepping_name = name
        self.compute.trace(name)

    def _traced(self, trace: Trace) -> None:
        if not self.stepping or trace.name != self.stepping_name:
            return
        if trace.failure is not None:
            self.message.emit(f"Cannot step through {trace.name}: {trace.failure.message}")
        position = self.stepper.position
        self.stepper.set_steps(trace.steps)
        self.stepper.go_to(position)

    def _show_step(self, position: int) -> None:
        if not self.stepping or self.scene is None:
            return
        graph = self.scene.doc.graph
        shown = {step.name: step for step in self.stepper.shown}
        current = self.stepper.current
        for node in graph.nodes:
            step = shown.get(node.name)
            if step is None:
                self.scene.set_step(node, "pending")
            else:
                self.scene.set_step(node, "current" if step is current else "done",
                                    _step_text(step))
        if current is None or current.name not in graph:
            self.tensor_view.set_names([])
        else:
            self.tensor_view.set_names([current.name])
            if current.error is not None:
                self.tensor_view.show_error(current.name, current.error)
            elif current.blocked_by is not None:
                self.tensor_view.show_blocked(current.name, current.blocked_by)
            else:
                self.tensor_view.show_value(current.name, current.value)


def _step_text(step: Step) -> str:
    if step.error is not None:
        return "error"
    if step.blocked_by is not None:
        return f"blocked by {step.blocked_by}"
    return step.value_text()
