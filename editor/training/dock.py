"""The Training dock's content: choose what to train, run it off the GUI thread, watch it learn."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from editor.compute.service import ComputeService
from editor.compute.trainer import TrainingResult, epoch_steps
from editor.document import Document
from editor.document.data_commands import TRAINING_UI
from editor.training.decision_boundary import DecisionBoundaryView
from editor.training.epoch_view import ConfusionTable, EpochView
from editor.training.loss_curve import LossCurve, format_loss
from engine import train
from engine.data import DataError, Schedule, bound_to
from engine.data.binding import bound
from engine.errors import EngineError
from engine.graph import Graph, GraphEvent, Node, Operation
from engine.optimizers import DECAY, GLOBAL_STEP, OPTIMIZER, VAR_LIST
from engine.registry import GRADIENT, LOSS, TRAIN_STEP, has_role

NEW_OPTIMIZER = "Loss + optimizer…"
"""The train-node combo's entry for training a loss with an optimizer chosen here."""
ERROR_STYLE = "color: #ff6b6b;"


class TrainingDock(QWidget):
    """Train node (or loss + optimizer), steps, Train / Pause / Stop / Reset variables, progress,
    the loss curve and — for a two-feature classifier — its decision boundary.

    Signals: ``training_started()``; ``training_finished(TrainingResult)`` for the editor to
    apply (``TrainCommand.from_result``) when ``result.trained``; ``training_failed(message,
    node)`` when training cannot start or ends in an error (``node``: the culprit's name or
    None); ``reset_requested()`` (the editor runs ``ResetVariablesCommand``);
    ``settings_changed(train node, settings)``: a run on a data set starts with other settings
    than the train node keeps (the editor keeps them: ``SetTrainingSettings``);
    ``train_node_requested(TrainingResult)``: "Add Minimize node" was clicked after a "loss +
    optimizer" run (the editor adds ``result.new_train_node``, then calls
    :meth:`select_train_node`). ``trainer`` is the :class:`Trainer` (its ``snapshot`` signal
    carries live values and gradients).
    """

    settings_changed = Signal(str, object)
    training_started = Signal()
    training_finished = Signal(object)
    training_failed = Signal(str, object)
    reset_requested = Signal()
    train_node_requested = Signal(object)

    def __init__(self, compute: ComputeService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.compute = compute
        self.trainer = compute.trainer
        self.trainer.progress.connect(self._on_progress)
        self.trainer.paused_changed.connect(self._on_paused)
        self.trainer.finished.connect(self._on_finished)
        self._steps_asked = 0
        self.doc: Document | None = None
        self._offset = 0
        """The train node's step count when the run started: its steps carry on from it."""
        self._applied_at: int | None = None
        """The undo index after the last run shown was applied (``None``: none shown)."""
        self._trains: list[tuple[str, str]] | None = None  # the train combo's entries
        self._losses: list[str] | None = None  # the loss combo's
        self._classifier_stale = True  # looked for while the dock is visible
        self._data_shown: bool | None = None  # whether the data set's rows are shown
        self._offer: TrainingResult | None = None  # a "loss + optimizer" run to add a node for
        self._refresh_timer = QTimer(self, singleShot=True, interval=0)
        self._refresh_timer.timeout.connect(self._refresh)
        self.on_screen = True
        """Whether the dock can be seen (see :meth:`set_on_screen`)."""
        self._refresh_later = False  # a structural edit came while the dock could not be seen
        self._values_timer = QTimer(self, singleShot=True, interval=0)
        self._values_timer.timeout.connect(self._refresh_values)

        self.train_combo = QComboBox()
        self.train_combo.setToolTip("The train node (Minimize) to run, or a loss with an "
                                    "optimizer chosen here")
        self.train_combo.currentIndexChanged.connect(self._update_optimizer_form)
        self.train_combo.currentIndexChanged.connect(lambda _: self._show_history())
        self.loss_combo = QComboBox()
        self.loss_combo.setToolTip("The node to minimize")
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.addItems(list(train.optimizers()))
        self.optimizer_combo.currentIndexChanged.connect(self._update_optimizer_form)
        self.parameters: dict[str, QLineEdit] = {}
        self._defaults: dict[str, str] = {}
        """The default each parameter field was last given: a field still showing it takes
        the default of another optimizer chosen (RMSProp's momentum is 0, not 0.9)."""
        self.form = QFormLayout()
        self.form.addRow("Train", self.train_combo)
        self.form.addRow("Loss", self.loss_combo)
        self.form.addRow("Optimizer", self.optimizer_combo)
        for optimizer in train.optimizers():
            opdef = train.optimizers()[optimizer]
            for name in _hyperparameters(optimizer):
                if name not in self.parameters:
                    attr = opdef.attrs[name]
                    self._defaults[name] = repr(attr.default)
                    edit = self.parameters[name] = QLineEdit(repr(attr.default))
                    edit.setToolTip(attr.doc)
                    self.form.addRow(name.replace("_", " ").capitalize(), edit)
        self.add_node_button = QPushButton("Add Minimize node")
        self.add_node_button.setToolTip("Add a Minimize node for the loss and optimizer of the "
                                        "last run, with its optimizer state, to train it from "
                                        "the canvas (undoable)")
        self.add_node_button.clicked.connect(self._request_train_node)
        self.form.addRow("", self.add_node_button)

        self.steps = QSpinBox()
        self.steps.setRange(1, 100_000_000)
        self.steps.setValue(1000)
        self.steps.setGroupSeparatorShown(True)
        self.steps.setToolTip("How many steps to train")
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset variables")
        self.reset_button.setToolTip("Re-run the variables' initializers and clear optimizer "
                                     "state (undoable)")
        self.train_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.stop_button.clicked.connect(self.trainer.stop)
        self.reset_button.clicked.connect(self.reset_requested)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m steps")
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        self.steps.valueChanged.connect(self._steps_changed)
        self.rate_label = QLabel("— steps/s")
        self.loss_label = QLabel("loss —")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.loss_curve = LossCurve()
        self.boundary = DecisionBoundaryView(compute)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.loss_curve, "Loss")
        self.tabs.addTab(self.boundary, "Decision boundary")
        self.epoch_view = EpochView()
        self.confusion = ConfusionTable()
        self.tabs.addTab(self.epoch_view, "Epochs")
        self.tabs.addTab(self.confusion, "Confusion")
        self.trainer.epoch.connect(self.epoch_view.add)

        self.form.addRow("Steps", self.steps)
        self._add_data_rows()
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button, self.reset_button):
            buttons.addWidget(button)
        figures = QHBoxLayout()
        figures.addWidget(self.rate_label)
        figures.addStretch(1)
        figures.addWidget(self.loss_label)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addLayout(figures)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.trainer.logged.connect(self._on_logged)
        self._update_buttons()
        self._refresh()

    def _add_data_rows(self) -> None:
        """The settings of training on a data set: shown for a train node whose loss reads
        bound placeholders, instead of Steps."""
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1_000_000)
        self.epochs.setValue(10)
        self.epochs.setToolTip("How many times to go through the training rows")
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 10_000_000)
        self.batch_size.setValue(32)
        self.batch_size.setToolTip("Rows per training step")
        self.validation_split = QDoubleSpinBox()
        self.validation_split.setRange(0.0, 0.9)
        self.validation_split.setSingleStep(0.05)
        self.validation_split.setValue(0.2)
        self.validation_split.setToolTip("The fraction of rows held out to validate (not "
                                         "trained on)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the validation split and of each epoch's shuffle")
        self.data_rows = (self.data_label, self.epochs, self.batch_size,
                          self.validation_split, self.seed)
        for label, widget in zip(("Data", "Epochs", "Batch size", "Validation split",
                                  "Shuffle seed"), self.data_rows, strict=True):
            self.form.addRow(label, widget)
        self._settings_of: str | None = None  # the train node whose settings are shown

    def schedule(self) -> Schedule:
        """The data set settings as set."""
        return Schedule(self.epochs.value(), self.batch_size.value(), self.seed.value(),
                        round(self.validation_split.value(), 4))

    def _data_mode(self) -> Node | None:
        """The chosen train node if its loss reads placeholders bound to a data set."""
        name = self.train_combo.currentData()
        if self.graph is None or name is None or name not in self.graph:
            return None
        node = self.graph.get_node(name)
        loss = node.inputs[0] if has_role(node, TRAIN_STEP) else None
        if loss is None or not bound(self.graph.nodes):  # (no walk up a graph without data)
            return None
        if not bound(_ancestors(self.graph, loss)):
            return None
        return node

    def _keep_settings(self, node: Node, schedule: Schedule) -> None:
        """Ask the editor to keep ``schedule`` in the train node, if it keeps others."""
        settings = {"epochs": schedule.epochs, "batch_size": schedule.batch_size,
                    "seed": schedule.seed, "validation_split": schedule.validation_split}
        if node.ui.get(TRAINING_UI) != settings:
            self.settings_changed.emit(node.name, settings)

    def _update_data_form(self) -> None:
        """Show the data set rows (and its settings, kept in the train node's ``ui``) or
        Steps."""
        node = self._data_mode()
        if self._data_shown != (node is not None):  # (a structural edit seldom changes it)
            self._data_shown = node is not None
            for widget in self.data_rows:
                self.form.setRowVisible(widget, node is not None)
            self.form.setRowVisible(self.steps, node is None)
            for index in (2, 3):
                if self.tabs.isTabVisible(index) != (node is not None):
                    self.tabs.setTabVisible(index, node is not None)
        if node is None:
            return
        try:
            data, bindings = bound_to(node)
            self.data_label.setText(f"{data.name}: {data.rows:,} rows, " + ", ".join(
                f"{array} → {name}" for name, array in bindings.items()))
            self.data_label.setStyleSheet("")
        except DataError as error:
            self.data_label.setText(error.args[0])
            self.data_label.setStyleSheet(ERROR_STYLE)
        if node.name != self._settings_of:
            self._settings_of = node.name
            kept = node.ui.get(TRAINING_UI, {})
            for key, widget in (("epochs", self.epochs), ("batch_size", self.batch_size),
                                ("validation_split", self.validation_split),
                                ("seed", self.seed)):
                if isinstance(kept.get(key), (int, float)):
                    widget.setValue(kept[key])

    # ---- the graph ----------------------------------------------------------------------------

    def set_document(self, doc: Document) -> None:
        """Train ``doc``'s graph; follows its later changes. Nothing of another document's
        runs stays: the figures start afresh and the curve shows this document's history."""
        self.doc, self.graph = doc, doc.graph
        doc.changed.connect(self._on_graph_event)
        doc.undo_stack.indexChanged.connect(self._history_moved)
        self._offer = None
        self._applied_at = None
        self._show_no_run()
        self._classifier_stale = True
        self._trains = self._losses = None  # the combos are filled anew
        self._refresh()
        self._show_history()

    def _show_no_run(self) -> None:
        """Progress and figures as before any run."""
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        self.rate_label.setText("— steps/s")
        self.loss_label.setText("loss —")
        self._say("")

    def _show_history(self) -> None:
        """The curve of the chosen train node's runs in this document (none: empty)."""
        if self.trainer.running:
            return
        kept = self.doc.histories.get(self.train_combo.currentData()) if self.doc else None
        if kept is None:
            self.loss_curve.clear()
        else:
            self.loss_curve.show_points(*kept)

    def _history_moved(self, index: int) -> None:
        """An undo took back the last run shown: its figures go (its curve stays, as the
        history of the steps the train node keeps)."""
        if self._applied_at is not None and index < self._applied_at:
            self._applied_at = None
            self._show_no_run()

    def _on_graph_event(self, events: list[GraphEvent]) -> None:
        kinds = {event.kind for event in events}
        if "value_changed" in kinds:
            self._values_timer.start()
        if kinds - {"value_changed", "ui_changed", "state_changed"}:  # those move no combo
            if kinds - {"value_changed", "ui_changed", "state_changed", "renamed"}:
                self._classifier_stale = True  # (a new name leaves the classifier as it is)
            if self.on_screen:
                self._refresh_timer.start()
            else:
                self._refresh_later = True

    def set_on_screen(self, on: bool) -> None:
        """Whether the dock can be seen (not hidden, nor behind another dock's tab): while it
        cannot, the combos and the classifier follow structural edits when it can, or when
        :meth:`settle` is asked."""
        self.on_screen = on
        if on:
            self.settle()
            if self._classifier_stale and self.isVisible():
                self._find_classifier()

    def settle(self) -> None:
        """Bring the combos up to date with edits made while the dock could not be seen."""
        if self._refresh_later:
            self._refresh()

    def _refresh(self) -> None:
        """Fill the combos and look for a classifier again (after structural changes): a combo
        whose entries are the same is left alone (and, if it is the train combo, the optimizer's
        form: a wire edit seldom changes a train node), and the classifier is looked for after a
        change that can change it (not a new name) while the dock is visible (else when it is
        shown)."""
        self._refresh_later = False
        graph = self.graph
        trains = [(f"{node.name}  (minimizes {_name(node.inputs[0])})", node.name)
                  for node in (train.train_nodes(graph) if graph is not None else [])]
        rebuilt = trains != self._trains
        if rebuilt:
            self._trains = trains
            chosen = self.train_combo.currentData()
            chose_new = chosen is None and self.train_combo.count() > 1
            self.train_combo.blockSignals(True)
            self.train_combo.clear()
            for text, name in trains:
                self.train_combo.addItem(text, name)
            self.train_combo.addItem(NEW_OPTIMIZER, None)
            index = 0 if chosen is None else self.train_combo.findData(chosen)
            if chose_new:
                index = self.train_combo.count() - 1
            self.train_combo.setCurrentIndex(max(index, 0))
            self.train_combo.blockSignals(False)
        losses = _loss_candidates(graph) if graph is not None else []
        if losses != self._losses:
            self._losses = losses
            loss = self.loss_combo.currentText()
            self.loss_combo.clear()
            self.loss_combo.addItems(losses)
            self.loss_combo.setCurrentText(loss)
        if self._classifier_stale and self.on_screen and self.isVisible():
            self._find_classifier()
        if self._offer is not None and (graph is None or self._offer.loss not in graph):
            self._offer = None  # its loss is gone
        if rebuilt:
            self._update_optimizer_form()
        else:  # the combos are as they were: only the data rows may follow the wiring
            self._update_data_form()
        self._update_offer()

    def _update_offer(self) -> None:
        """Enable Add node while a "loss + optimizer" run is offered (and none is running)."""
        self.add_node_button.setEnabled(not self.trainer.running and self._offer is not None)

    def _find_classifier(self) -> None:
        """Show the decision boundary's tab if the graph is a two-feature classifier."""
        self._classifier_stale = False
        found = self.boundary.set_graph(self.graph)
        if found != self.tabs.isTabVisible(1):  # (the tab widget lays itself out anew)
            self.tabs.setTabVisible(1, found)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._classifier_stale:
            self._find_classifier()

    def select_train_node(self, name: str) -> None:
        """Choose train node ``name`` (one just added: the offer to add it ends)."""
        self._offer = None
        self._refresh()
        self.train_combo.setCurrentIndex(max(self.train_combo.findData(name), 0))

    def _refresh_values(self) -> None:
        if not self.trainer.running:
            self.boundary.refresh()

    def _update_optimizer_form(self) -> None:
        """Show the loss, optimizer and its parameters only for "Loss + optimizer…"."""
        new = self.train_combo.currentData() is None
        optimizer = self.optimizer_combo.currentText()
        params = _hyperparameters(optimizer)
        for name in params:
            default = repr(train.optimizers()[optimizer].attrs[name].default)
            if self.parameters[name].text() == self._defaults[name] != default:
                self.parameters[name].setText(default)
                self._defaults[name] = default
        self.form.setRowVisible(self.loss_combo, new)
        self.form.setRowVisible(self.optimizer_combo, new)
        for name, edit in self.parameters.items():
            self.form.setRowVisible(edit, new and name in params)
        self.form.setRowVisible(self.add_node_button, new)
        self._update_data_form()

    # ---- training -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start training as the dock is set (the Train button)."""
        if self.graph is None or self.trainer.running:
            return
        self.settle()
        steps = self.steps.value()
        train_node = self.train_combo.currentData()
        data_node = self._data_mode()
        try:
            options: dict[str, Any] = {}
            if train_node is None:
                options = {"loss": self.loss_combo.currentText() or None,
                           "optimizer": self._optimizer_attrs()}
            if data_node is not None:
                options = {"schedule": self.schedule()}
                steps = epoch_steps(self.graph, data_node, options["schedule"])
                self._keep_settings(data_node, options["schedule"])
            self.trainer.start(self.graph, train_node, steps, **options)
        except (EngineError, ValueError, KeyError) as error:
            message = error.args[0] if error.args else str(error)
            self._say(message, error=True)
            self.training_failed.emit(message, getattr(error, "node", None))
            return
        self._steps_asked = steps
        self._offer = None
        self._applied_at = None
        self._say(f"Training {steps:,} step{'s' * (steps != 1)}…")  # the line stays: no relayout
        if data_node is not None:
            self.epoch_view.start()
            self.confusion.show_counts(None, ())
            self.tabs.setCurrentWidget(self.epoch_view)
        node = self.graph.get_node(train_node) if train_node is not None else None
        self._offset = int(node.state.get("step", 0)) if node is not None else 0
        kept = self.doc.histories.get(train_node) if self.doc is not None else None
        if kept is not None and len(kept[0]) and int(kept[0][-1]) == self._offset > 0:
            self.loss_curve.continue_run(steps)  # the optimizer goes on: so does its curve
        else:
            self.loss_curve.start_run(steps)
        self.progress.setRange(self._offset, self._offset + steps)
        self.progress.setValue(self._offset)
        self._update_buttons()
        self.training_started.emit()

    def _steps_changed(self, steps: int) -> None:
        if not self.trainer.running:
            self.progress.setRange(0, steps)
            self.progress.setValue(0)

    def _optimizer_attrs(self) -> dict[str, Any]:
        """The optimizer chosen and its parameters as typed; ``ValueError`` naming a bad one."""
        optimizer = self.optimizer_combo.currentText()
        attrs: dict[str, Any] = {}
        for name in _hyperparameters(optimizer):
            text = self.parameters[name].text()
            try:
                attrs[name] = float(text)
            except ValueError:
                raise ValueError(f"{name}: expected a number, got {text!r}") from None
        opdef = train.optimizers()[optimizer]
        choice = {OPTIMIZER: optimizer} if OPTIMIZER in opdef.attrs else {}
        opdef.parse_attrs({**choice, **attrs})
        return {OPTIMIZER: optimizer, **attrs}

    def _request_train_node(self) -> None:
        if self._offer is not None:
            self.train_node_requested.emit(self._offer)

    def _toggle_pause(self) -> None:
        if self.trainer.paused:
            self.trainer.resume()
        else:
            self.trainer.pause()

    def _on_logged(self, steps: np.ndarray, losses: np.ndarray) -> None:
        self.loss_curve.append(steps + self._offset, losses)

    def _on_progress(self, step: int, loss: float, rate: float) -> None:
        self.progress.setValue(self._offset + step)
        self.rate_label.setText(f"{rate:,.0f} steps/s")
        self.loss_label.setText(f"loss {format_loss(loss)}")

    def _on_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")

    def show_assumed_values(self) -> None:
        """The compute service now assumes a training run's latest values: redraw with them."""
        self.boundary.refresh()

    def _on_finished(self, result: TrainingResult) -> None:
        self.loss_curve.redraw()
        self.progress.setValue(self._offset + len(result.losses))
        if result.final_loss is not None:
            self.loss_label.setText(f"loss {format_loss(result.final_loss)}")
        if result.new_train_node is not None and result.trained:
            self._offer = result
        self._update_buttons()
        if result.reason == "error":
            self._say(result.message, error=True)
            self.training_failed.emit(result.message, result.node)
        elif result.reason == "stopped":
            self._say(f"Stopped after {result.steps:,} of {self._steps_asked:,} steps")
        elif result.epochs:
            last = result.epochs[-1]
            accuracy = (f"; validation accuracy {last.validation_accuracy:.1%}"
                        if last.validation_accuracy is not None else "")
            self._say(f"Trained {len(result.epochs)} epochs ({result.steps:,} steps) in "
                      f"{result.seconds:.2f} s{accuracy}")
        else:
            self._say(f"Trained {result.steps:,} steps in {result.seconds:.2f} s")
        if result.confusion is not None:
            self.confusion.show_counts(result.confusion, result.classes)
        self.training_finished.emit(result)  # the editor applies it: one more undo step
        if result.trained and result.new_train_node is None and self.doc is not None:
            self.doc.histories[result.train_node] = self.loss_curve.points()
            self._applied_at = self.doc.undo_stack.index()

    def _say(self, message: str, error: bool = False) -> None:
        """Show a line under the figures (in red for an error); hidden while empty."""
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def _update_buttons(self) -> None:
        running = self.trainer.running
        for widget in (self.train_button, self.reset_button, self.train_combo, self.steps,
                       self.loss_combo, self.optimizer_combo, *self.parameters.values(),
                       *self.data_rows[1:]):
            widget.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self._update_offer()
        if not running:
            self.pause_button.setText("Pause")


def _ancestors(graph: Graph, node: Node) -> list[Node]:
    """The nodes ``node`` reads, directly or not."""
    return list(nx.ancestors(graph.nx, node))


def _name(node: Any) -> str:
    return node.name if node is not None else "nothing"


def _hyperparameters(optimizer: str) -> tuple[str, ...]:
    """The attributes optimizer ``optimizer`` reads, but for which one it is, what it trains
    and its schedule (the dock's parameter fields)."""
    opdef = train.optimizers()[optimizer]
    choice = {OPTIMIZER: optimizer} if OPTIMIZER in opdef.attrs else {}
    used = opdef.active_attrs({**opdef.default_attrs(), **choice})
    return tuple(name for name in used if name not in (OPTIMIZER, VAR_LIST, GLOBAL_STEP, *DECAY))


def _loss_candidates(graph: Graph) -> list[str]:
    """The nodes that could be minimized, likely ones first: losses and scalars that only
    training reads, then other scalars, then per-example losses (training minimizes their
    sum). Other tensors are not offered. (Asked of the graph's scalars and losses only: a
    graph may have forty thousand nodes.)"""
    succ = graph.nx.succ
    scalars = [node for node in graph.scalars()
               if isinstance(node, Operation) and not _for_training(node)]
    final = [LOSS in node.op.roles or all(_for_training(c) for c in succ[node])
             for node in scalars]
    losses = []
    for node in graph.with_role(LOSS):
        try:
            if graph.shape_of(node) != () and not _for_training(node):
                losses.append(node.name)
        except EngineError:
            continue
    return ([n.name for n, last in zip(scalars, final, strict=True) if last]
            + [n.name for n, last in zip(scalars, final, strict=True) if not last] + losses)


def _for_training(node: Node) -> bool:
    """Whether ``node`` is a train step or a gradient (it reads a loss; it is not one). (Its
    roles read directly: a graph may have ten thousand nodes.)"""
    roles = node.op.roles
    return TRAIN_STEP in roles or GRADIENT in roles
