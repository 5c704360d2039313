"""Training on a data set by epochs of mini-batches, with :func:`engine.loop.fit` (the one
training loop) running each epoch's steps: per epoch the training and validation loss and, for
a classifier (found by the roles ``LOGITS_LOSS`` and ``PROBABILITIES``), the accuracy on both;
a confusion matrix at the end."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import EngineError
from ..fast_step import FastStep, fast_step
from ..graph import Graph, Node
from ..loop import Probe, fit
from ..registry import (
    BINARY_LOGITS_LOSS,
    LOGITS_LOSS,
    MEAN,
    PROBABILITIES,
    TRAIN_STEP,
    has_role,
)
from ..session import Session
from .batches import Rows, epoch_batches, split
from .dataset import LABELS, DataError, Dataset


@dataclass(frozen=True)
class Schedule:
    """How to go through a data set: epochs, batch size, the seed of the validation split and
    of each epoch's shuffle, the fraction of rows held out to validate."""

    epochs: int = 10
    batch_size: int = 32
    seed: int = 0
    validation_split: float = 0.2
    shuffle: bool = True

    def check(self) -> None:
        """:class:`DataError` for settings out of range."""
        if self.epochs < 1:
            raise DataError(f"epochs {self.epochs}: expected at least 1")
        if self.batch_size < 1:
            raise DataError(f"batch size {self.batch_size}: expected at least 1")
        if not 0 <= self.validation_split < 1:
            raise DataError(f"validation split {self.validation_split}: expected a fraction "
                            "from 0 to below 1")


SETTINGS_UI = "training"
"""The train node's ``ui`` entry keeping its :class:`Schedule` for a data set (``epochs``,
``batch_size``, ``seed``, ``validation_split``), as the Training dock and the examples do."""

SETTINGS: dict[str, type] = {"epochs": int, "batch_size": int, "seed": int,
                             "validation_split": float}
"""The settings kept there, and their kinds."""


def stored_settings(node: Node) -> dict[str, Any]:
    """The schedule settings train node ``node`` keeps in its ``ui`` (none: empty), checked:
    :class:`DataError` naming the node and the setting that is not a number of its kind."""
    kept = node.ui.get(SETTINGS_UI)
    if kept is None:
        return {}
    where = f"{node.name}'s ui.{SETTINGS_UI}"
    if not isinstance(kept, dict):
        raise DataError(f"{where}: expected an object of epoch settings", node=node.name)
    settings: dict[str, Any] = {}
    for key, value in kept.items():
        if key not in SETTINGS:
            continue  # a setting of a later version: left alone
        whole = SETTINGS[key] is int
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            raise DataError(f"{where}.{key}: {value!r} is not a "
                            f"{'whole number' if whole else 'number'}", node=node.name)
        settings[key] = value
    return settings


@dataclass(frozen=True)
class Epoch:
    """What an epoch ended with. A loss is the loss of a batch, averaged over the rows (as
    each training step reports it); ``None`` where there is nothing to measure."""

    epoch: int
    loss: float
    validation_loss: float | None
    accuracy: float | None
    validation_accuracy: float | None

    def figures(self, loss: str = "loss", digits: int = 4, is_: str = " ") -> list[str]:
        """Its losses (``loss`` naming them, to ``digits`` significant digits, ``is_`` between
        name and value) and accuracies as text, those it has: ``["loss 0.3125",
        "validation loss 0.4", "accuracy 91.0%", …]``."""
        losses = [(loss, self.loss), (f"validation {loss}", self.validation_loss)]
        accuracies = [("accuracy", self.accuracy), ("validation accuracy",
                                                     self.validation_accuracy)]
        return ([f"{name}{is_}{value:.{digits}g}" for name, value in losses if value is not None]
                + [f"{name} {value:.1%}" for name, value in accuracies if value is not None])


@dataclass(frozen=True)
class DataFitResult:
    """How :func:`fit_data` ended: ``reason`` as :class:`engine.loop.FitResult`'s."""

    reason: str
    epochs: list[Epoch]
    steps: int
    seconds: float
    confusion: NDArray[np.int64] | None = None
    """Counts of (true class, predicted class) on the validation rows (all rows without),
    for a classifier."""
    classes: Sequence[str] = field(default_factory=tuple)
    message: str = ""
    node: str | None = None


def fit_data(graph: Graph, train_node: Node | str, data: Dataset, bindings: Mapping[str, str],
             schedule: Schedule | None = None, *,
             on_epoch: Callable[[Epoch], None] | None = None,
             on_step: Callable[[int, float], None] | None = None,
             should_stop: Callable[[], bool] | None = None,
             probe: Probe | None = None, session: Session | None = None) -> DataFitResult:
    """Train ``train_node`` on ``data``, feeding each placeholder named in ``bindings`` its
    array's rows (placeholder → array), ``schedule.epochs`` times over the training rows in
    seeded shuffled mini-batches. ``on_step(steps done, batch loss)`` follows each step,
    ``on_epoch`` each epoch; ``should_stop`` is asked before each step; ``probe`` is asked
    before each step with the steps and seconds of the run so far."""
    schedule = schedule or Schedule()
    schedule.check()
    node = graph.get_node(train_node)
    if not has_role(node, TRAIN_STEP) or node.inputs[0] is None:
        raise EngineError(f"{node.name} is not a train node with a loss connected",
                          node=node.name)
    feeds = {graph.get_node(name): _array(data, array, name) for name, array in bindings.items()}
    rows = split(data.rows, schedule.validation_split, schedule.seed)
    session = session if session is not None else Session(graph)
    measure = _Measure(fast_step(session, node), feeds, data, schedule.batch_size)
    rng = np.random.default_rng([schedule.seed, 1]) if schedule.shuffle else None
    epochs: list[Epoch] = []
    steps, seconds = 0, 0.0
    reason, message, culprit = "done", "", None
    for epoch in range(1, schedule.epochs + 1):
        batches = epoch_batches(rows.train, schedule.batch_size, rng)

        def batch(i: int, batches: list[Rows] = batches) -> dict[Node, np.ndarray]:
            return {p: values[batches[i]] for p, values in feeds.items()}

        def progress(done: int, losses: NDArray[np.float64], _: float, first: int = steps) -> None:
            if on_step is not None:
                on_step(first + done, float(losses[-1]))

        run = fit(graph, node, len(batches), batch,
                  on_progress=progress if on_step is not None else None,
                  should_stop=should_stop, probe=_shifted(probe, steps, seconds),
                  session=session, final_loss=False)
        steps += run.steps
        seconds += run.seconds
        if run.reason != "done":
            reason, message, culprit = run.reason, run.message, run.node
            break
        loss, accuracy = measure(rows.train)
        validation = measure(rows.validation) if len(rows.validation) else (None, None)
        epochs.append(Epoch(epoch, loss, validation[0], accuracy, validation[1]))
        if on_epoch is not None:
            on_epoch(epochs[-1])
    confusion = None
    if measure.output is not None and reason != "error":
        confusion = measure.confusion(rows.validation if len(rows.validation) else rows.train,
                                      measured=reason == "done")
    return DataFitResult(reason, epochs, steps, seconds, confusion, tuple(data.classes),
                         message, culprit)


def _shifted(probe: Probe | None, steps: int, seconds: float) -> Probe | None:
    """``probe`` asked with the steps and seconds of the whole run (an epoch's fit starts at
    zero)."""
    if probe is None:
        return None
    return Probe(probe.fetches, lambda done, s: probe.due(steps + done, seconds + s), probe.seen)


def _array(data: Dataset, array: str, placeholder: str) -> np.ndarray:
    if array not in data.arrays:
        raise DataError(f"{data.name}: no array {array!r} for {placeholder} (it has "
                        f"{', '.join(data.arrays)})", node=placeholder)
    return data.arrays[array]


def classifier_output(loss: Node) -> Node | None:
    """The node whose last axis holds a classifier's class scores — the logits of a loss on
    logits, else probabilities — among the loss and its inputs (nearest first), if any."""
    near = [loss]  # breadth-first along the inputs: nearest first
    seen = {loss}
    for node in near:  # (the list grows as it is read)
        for source in node.inputs:
            if source is not None and source not in seen:
                seen.add(source)
                near.append(source)
    for node in near:
        if has_role(node, LOGITS_LOSS):
            return node.inputs[node.op.inputs.index("logits")]
    for node in near:
        if has_role(node, PROBABILITIES):
            return node
    return None


def predicted_classes(scores: NDArray[np.float64], logits: bool) -> NDArray[np.intp]:
    """Each row's class: the arg-max of its scores, or for one score, whether it is above
    0.5 (a probability) or 0 (a logit)."""
    scores = np.asarray(scores)
    if scores.ndim == 1 or scores.shape[-1] == 1:
        return (scores.reshape(len(scores)) >= (0.0 if logits else 0.5)).astype(np.intp)
    found: NDArray[np.intp] = np.argmax(scores, axis=-1)
    return found


EVALUATION_ROWS = 4096
"""Rows evaluated at once when measuring an epoch's loss and accuracy."""


class _Measure:
    """The loss and accuracy of the graph on rows of the data set, a few thousand rows a run
    (by the training step's forward pass, when it can: no plan of their own). A loss that sums
    over the rows of a batch (rather than averaging) is scaled to a batch: which it does is
    asked of the graph's roles, else tried once per fit."""

    def __init__(self, step: FastStep, feeds: dict[Node, np.ndarray], data: Dataset,
                 batch_size: int) -> None:
        loss = step.node.inputs[0]
        assert loss is not None  # (a train node with a loss: checked)
        self.step, self.loss, self.feeds = step, loss, feeds
        self.batch_size = batch_size
        truth = data.label_indices() if LABELS in data.arrays else None
        found = classifier_output(loss) if truth is not None else None
        self.output = found
        self.logits = found is not None and not has_role(found, PROBABILITIES)
        self.truth = truth
        self.classes = max(len(data.classes), int(truth.max()) + 1 if truth is not None
                           and len(truth) else 0)
        self.sums: bool | None = False if _averages(loss) else None
        self.fetches = [loss] if found is None else [loss, found]
        self.predicted: tuple[Rows, NDArray[np.intp] | None] | None = None
        """The rows last measured and their predicted classes."""

    def __call__(self, rows: Rows) -> tuple[float, float | None]:
        """The mean batch loss and the accuracy (``None`` for no classifier) on ``rows``."""
        total, predicted = self._run(rows)
        if predicted is None or self.truth is None:
            return total, None
        return total, float(np.mean(predicted == self.truth[rows]))

    def confusion(self, rows: Rows, measured: bool = False) -> NDArray[np.int64]:
        """Counts of (true class, predicted class) on ``rows`` (``measured``: as last measured,
        when they were the rows last measured and nothing was trained since)."""
        last = self.predicted
        predicted = last[1] if measured and last is not None and last[0] is rows else (
            self._run(rows)[1])
        assert predicted is not None and self.truth is not None
        k = max(self.classes, int(predicted.max()) + 1 if len(predicted) else 0)
        counts = np.zeros((k, k), dtype=np.int64)
        np.add.at(counts, (self.truth[rows], predicted), 1)
        return counts

    def _run(self, rows: Rows) -> tuple[float, NDArray[np.intp] | None]:
        if self.sums is None and len(rows):
            self.sums = self._sums(rows[0])
        total, parts = 0.0, []
        for start in range(0, len(rows), EVALUATION_ROWS):
            chunk = rows[start:start + EVALUATION_ROWS]
            out = self._values({p: v[chunk] for p, v in self.feeds.items()})
            value = _total(out[0])
            total += value if self.sums else value * len(chunk)
            if self.output is not None:
                parts.append(predicted_classes(out[1], self.logits))
        loss = total / max(len(rows), 1) * (self.batch_size if self.sums else 1)
        predicted = np.concatenate(parts) if parts else None
        self.predicted = rows, predicted
        return loss, predicted

    def _sums(self, row: np.intp) -> bool:
        """Whether the loss sums over a batch's rows: one row twice gives twice its loss."""
        once, twice = (self._values({p: v[[row] * n] for p, v in self.feeds.items()})
                       for n in (1, 2))
        one, two = _total(once[0]), _total(twice[0])
        return bool(abs(two - 2 * one) < abs(two - one))

    def _values(self, feeds: dict[Node, np.ndarray]) -> list[Any]:
        """The fetches' values at ``feeds``: by the training step's forward pass, else (not
        prepared, or failing) by the session's run."""
        found = self.step.values(self.fetches, feeds)
        return found if found is not None else self.step.session.run(self.fetches, feeds)


def _averages(loss: Node) -> bool:
    """Whether ``loss`` averages a batch's rows, by its roles: the mean of every value of a
    loss on logits (one value per example or element)."""
    source = loss.inputs[0] if has_role(loss, MEAN) and loss.inputs else None
    return (source is not None and loss.attrs.get("axis", 0) is None
            and (has_role(source, LOGITS_LOSS) or has_role(source, BINARY_LOGITS_LOSS)))


def _total(loss: object) -> float:
    """A loss as one number: its value, or its sum for one value per example."""
    value = np.asarray(loss)
    return float(value.sum()) if value.ndim else float(value)
