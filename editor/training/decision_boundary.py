"""The decision boundary of a two-feature model: its data over what it predicts on the plane.

:func:`find_classifier` says whether a graph is such a model — a classifier, or a regression;
:class:`DecisionBoundaryView` draws the points of the placeholders' defaults coloured by label
over the class (or, for a regression, the value on a colour scale) the model predicts at each
point of a grid — computed by the compute service, off the GUI thread, and
only while the view is visible.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard

import networkx as nx
import numpy as np
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from editor.compute.service import ComputeService, Grid, GridRequest
from editor.training.plot_style import BACKGROUND, CLASS_COLORS, FOREGROUND, faded
from engine.errors import EngineError
from engine.graph import Graph, Node, Placeholder
from engine.registry import BINARY_LOGITS_LOSS, LOGITS_LOSS, LOSS, PROBABILITIES, has_role

if TYPE_CHECKING:
    import pyqtgraph as pg

RESOLUTION = 100
"""Grid points per axis."""


@cache
def _values_map() -> Any:
    """The colour scale of a regression's values."""
    import pyqtgraph as pg

    return pg.colormap.get("viridis")


class Classifier(NamedTuple):
    """A two-feature model's input placeholder, labels placeholder and output: class
    probabilities or logits, or — for a regression (``values``) — one value per point. A
    single output's class is output ≥ ``threshold`` (0.5 for a probability, 0 for log-odds)."""

    input: Placeholder
    labels: Placeholder
    output: Node
    values: bool = False
    threshold: float = 0.5


DRAWN_POINTS = 2000
"""At most this many points are drawn (every k-th row of a larger data set)."""


def find_classifier(graph: Graph) -> Classifier | None:
    """The classifier in ``graph``, or ``None``. The rule:

    - the input is a placeholder of shape (None, 2) or (N, 2) with a default (the points);
    - the output is downstream of it with static shape (·, k): class probabilities (an op with
      the ``PROBABILITIES`` role: softmax, sigmoid), whose class is the argmax over k (k ≥ 2)
      or p ≥ 0.5 (k = 1), or the logits a fused loss reads (the ``logits`` input of an op with
      the ``LOGITS_LOSS`` role, k ≥ 2), whose class is their argmax, or the log-odds a
      sigmoid's fused loss reads (``BINARY_LOGITS_LOSS``), whose class is logit ≥ 0 (k = 1);
      the last such in evaluation order;
    - the labels are another placeholder with a default of as many rows — one-hot (·, k),
      class indices (·,) or (·, 1) — not upstream of the output but meeting it downstream
      (in the loss).
    """
    order = list(nx.topological_sort(graph.nx))
    for input in (n for n in order if _is_points(n)):
        below = nx.descendants(graph.nx, input)
        logits, log_odds = _logits(graph, LOGITS_LOSS), _logits(graph, BINARY_LOGITS_LOSS)
        outputs = [n for n in order if n in below and _classes(n)
                   and (has_role(n, PROBABILITIES) or (n in logits and _classes(n) >= 2)
                        or n in log_odds)]
        for output in reversed(outputs):
            above = nx.ancestors(graph.nx, output)
            meets = nx.descendants(graph.nx, output)
            for labels in order:
                if (labels is not input and labels not in above
                        and _fits_labels(labels, input, _classes(output))
                        and nx.descendants(graph.nx, labels) & meets):
                    threshold = 0.0 if output in log_odds else 0.5
                    return Classifier(input, labels, output,  # type: ignore[arg-type]
                                      threshold=threshold)
    return _find_regression(graph, order)


class ClassifierFinder:
    """:func:`find_classifier`, remembering its answer for the last :attr:`KEPT` forms of the
    graph — each node with its inputs, static shape and default's shape and type, all the
    rule reads — so that an edit undone or redone, or a wire taken off and put back, finds
    the classifier again without searching the graph."""

    KEPT = 2

    def __init__(self) -> None:
        self._answers: dict[tuple[Any, ...], Classifier | None] = {}
        self._graph: Graph | None = None

    def __call__(self, graph: Graph) -> Classifier | None:
        if graph is not self._graph:  # another document's: its nodes are not kept
            self._graph, self._answers = graph, {}
        form = tuple((node, *node.inputs, _shape(node), _default_form(node)) for node in graph)
        if form not in self._answers:
            if len(self._answers) >= self.KEPT:
                del self._answers[next(iter(self._answers))]  # the oldest
            self._answers[form] = find_classifier(graph)
        return self._answers[form]


def _shape(node: Node) -> Any:
    """The node's static shape, or the error that stands for it."""
    try:
        return node.graph.shape_of(node)
    except EngineError as error:
        return type(error)


def _default_form(node: Node) -> tuple[Any, ...] | None:
    """A placeholder's default's shape and type (``None`` for any other node)."""
    default = node.default if isinstance(node, Placeholder) else None
    return None if default is None else (default.shape, default.dtype)


def _find_regression(graph: Graph, order: list[Node]) -> Classifier | None:
    """A regression on two features: the points as for a classifier; the output, with static
    shape (·, 1), read by a loss (an op with the ``LOSS`` role) beside a labels placeholder
    of one value per point."""
    for input in (n for n in order if _is_points(n)):
        below = nx.descendants(graph.nx, input)
        for loss in (n for n in reversed(order) if has_role(n, LOSS) and n in below):
            outputs = [s for s in loss.inputs if s is not None and s in below
                       and _classes(s) == 1]
            labels = [s for s in loss.inputs if s is not None and s not in below
                      and _fits_labels(s, input, 1)]
            if outputs and labels:
                return Classifier(input, labels[0], outputs[0], values=True)  # type: ignore[arg-type]
    return None


def _logits(graph: Graph, role: str) -> set[Node]:
    """The nodes fed as ``logits`` to a classifier's fused loss of ``role``."""
    found = set()
    for node in graph.nodes:
        if has_role(node, role):
            source = node.inputs[node.op.inputs.index("logits")]
            if source is not None:
                found.add(source)
    return found


def _is_points(node: Node) -> TypeGuard[Placeholder]:
    if not isinstance(node, Placeholder):
        return False
    shape = node.shape
    return (shape is not None and len(shape) == 2 and shape[1] == 2 and node.default is not None
            and node.default.dtype.kind in "iuf")


def _classes(node: Node) -> int:
    """The number of outputs per point (0 if the node's shape is not (·, k))."""
    try:
        shape = node.graph.shape_of(node)
    except EngineError:
        return 0
    if shape is None or len(shape) != 2 or shape[1] is None:
        return 0
    return shape[1]


def _fits_labels(node: Node, input: Placeholder, k: int) -> bool:
    if not isinstance(node, Placeholder) or node.default is None:
        return False
    labels, rows = node.default, len(input.default)  # type: ignore[arg-type]
    if labels.ndim == 0 or len(labels) != rows:
        return False
    return labels.ndim == 1 or labels.ndim == 2 and labels.shape[1] in (1, k)


def label_classes(labels: np.ndarray) -> np.ndarray:
    """Class indices from labels: one-hot (n, k) → argmax; (n,) or (n, 1) → rounded."""
    if labels.ndim == 2 and labels.shape[1] > 1:
        return np.argmax(labels, axis=1)
    return np.rint(labels.reshape(-1)).astype(np.intp)


def predicted_classes(probabilities: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class indices from an output (n, k): argmax, or p ≥ threshold for k = 1."""
    if probabilities.shape[1] == 1:
        return (probabilities[:, 0] >= threshold).astype(np.intp)
    return np.argmax(probabilities, axis=1)


class DecisionBoundaryView(QWidget):
    """Data points coloured by label over the predicted class of a :data:`RESOLUTION`² grid.

    ``set_graph(graph)`` takes the document's graph; ``refresh()`` asks the compute service for
    the model's outputs over the grid at the replica's values (the document's, or a training
    run's latest while it runs) and redraws when they come — only while the view is visible
    (it asks when it is shown). ``classes`` holds the grid's predicted classes ([row = y,
    column = x]), ``grid_points()`` the points they were predicted at; ``updated()`` is
    emitted after each redraw.
    """

    updated = Signal()

    def __init__(self, compute: ComputeService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compute = compute
        self._plot: pg.PlotWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.classifier: Classifier | None = None
        self.classes: np.ndarray | None = None
        self.values: np.ndarray | None = None
        """A regression's outputs over the grid (its classifier's ``values``)."""
        self.error: str = ""
        self._range = (0.0, 1.0)
        """A regression's label range: the ends of its colour scale."""
        self._rect = QRectF()
        self._data: tuple[np.ndarray, np.ndarray] | None = None
        """The points and labels drawn (the classifier's placeholders' defaults)."""
        self._features = ""
        """The input whose columns the axes are labelled with."""
        self._request = 0
        self._stale = False
        self._find = ClassifierFinder()
        compute.grid_ready.connect(self._show)

    @property
    def plot(self) -> pg.PlotWidget:
        """The plot, made when first needed (pyqtgraph loads then, not at start)."""
        if self._plot is None:
            import pyqtgraph as pg

            plot = pg.PlotWidget(background=BACKGROUND)
            item = plot.getPlotItem()
            item.hideButtons()
            item.setMenuEnabled(False)
            for axis in ("left", "bottom"):
                item.getAxis(axis).setTextPen(FOREGROUND)
                item.getAxis(axis).setPen(pg.mkPen(FOREGROUND, width=1))
            self.image = pg.ImageItem(axisOrder="row-major")
            self.points = pg.ScatterPlotItem(size=8, pen=pg.mkPen(255, 255, 255, 200, width=1))
            self.message = pg.TextItem(color=FOREGROUND, anchor=(0.5, 0.5))
            for graphics in (self.image, self.points, self.message):
                plot.addItem(graphics)
            self._layout.addWidget(plot)
            self._plot = plot
        return self._plot

    def set_graph(self, graph: Graph | None) -> bool:
        """Show ``graph``'s classifier (the one :func:`find_classifier` picks:
        :attr:`classifier`); False if it has none."""
        self.classes = self.values = None
        found = None if graph is None else self._find(graph)
        if found is None or self.classifier is None or found.values != self.classifier.values:
            self._data = None  # another kind of model: its points are coloured anew
        self.classifier = found
        if self.classifier is None:
            if self._plot is not None:
                self.image.clear()
                self.points.clear()
            self._data = None
            return False
        features = self.classifier.input.name
        if features != self._features:  # (pyqtgraph lays the axes out anew on each label)
            self._features = features
            item = self.plot.getPlotItem()
            item.setLabel("bottom", f"{features}[:, 0]", color=FOREGROUND)  # the input's columns
            item.setLabel("left", f"{features}[:, 1]", color=FOREGROUND)
        inputs, labels = self.classifier.input.default, self.classifier.labels.default
        assert inputs is not None and labels is not None  # find_classifier wants both
        data = (inputs, labels)
        # the same points and labels are not drawn again (pyqtgraph redraws every symbol)
        if self._data is None or not all(np.array_equal(a, b) and a.dtype == b.dtype
                                         for a, b in zip(data, self._data, strict=True)):
            self._data = (inputs.copy(), labels.copy())
            points = inputs.astype(np.float64)
            self._rect = _bounds(points)
            shown = slice(None, None, -(-len(points) // DRAWN_POINTS))  # a bound data set's
            points, labels = points[shown], labels[shown]  # rows: every k-th, if many
            import pyqtgraph as pg

            if self.classifier.values:
                targets = labels.astype(np.float64).reshape(-1)
                finite = targets[np.isfinite(targets)]
                self._range = (float(finite.min()), float(finite.max())) if finite.size \
                    else (0.0, 1.0)
                colors = [pg.mkBrush(*c) for c in _values_map().map(self._scaled(targets),
                                                                    "byte")]
            else:
                colors = [pg.mkBrush(*CLASS_COLORS[c % len(CLASS_COLORS)])
                          for c in label_classes(labels)]
            self.points.setData(points[:, 0], points[:, 1], brush=colors)
            self.plot.getPlotItem().setRange(rect=self._rect, padding=0)
        self.refresh()
        return True

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        """Values as positions 0…1 on the colour scale (the labels' range; beyond it, ends)."""
        low, high = self._range
        return np.clip((values - low) / ((high - low) or 1.0), 0.0, 1.0)

    def grid_points(self) -> np.ndarray:
        """The (RESOLUTION², 2) grid points, cell centres, x varying fastest."""
        r = self._rect
        xs = r.left() + (np.arange(RESOLUTION) + 0.5) * r.width() / RESOLUTION
        ys = r.top() + (np.arange(RESOLUTION) + 0.5) * r.height() / RESOLUTION
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def refresh(self) -> None:
        """Redraw for the current values: now if visible, else when next shown."""
        if self.classifier is None:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        c = self.classifier
        self._request = self.compute.grid(GridRequest(c.input.name, c.output.name,
                                                      self.grid_points()))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.plot  # noqa: B018 — made when first shown
        if self._stale:
            self.refresh()

    def _show(self, grid: Grid) -> None:
        if grid.request_id != self._request or self.classifier is None:
            return
        if grid.outputs is None:
            self.error = grid.failure.message if grid.failure is not None else "no output"
            self.classes = None
            self.image.clear()
            self.message.setText(f"cannot predict on the plane:\n{self.error}")
            self.message.setPos(self._rect.center())
        else:
            self.error = ""
            self.message.setText("")
            if self.classifier.values:  # a regression: its values on a colour scale
                self.classes = None
                self.values = grid.outputs.reshape(RESOLUTION, RESOLUTION)
                self.image.setImage(_values_map().map(self._scaled(self.values), mode="byte"),
                                    autoLevels=False)
            else:
                self.values = None
                self.classes = predicted_classes(grid.outputs, self.classifier.threshold
                                                 ).reshape(RESOLUTION, RESOLUTION)
                palette = np.array([faded(c) for c in CLASS_COLORS], dtype=np.ubyte)
                self.image.setImage(palette[self.classes % len(CLASS_COLORS)], autoLevels=False)
            self.image.setRect(self._rect)
        self.updated.emit()


def _bounds(points: np.ndarray) -> QRectF:
    """The plot's area: the points' rows of finite values (within ±1e100), padded."""
    finite = np.clip(points[np.isfinite(points).all(axis=1)], -1e100, 1e100)
    if not len(finite):
        finite = np.zeros((1, 2))
    low, high = finite.min(axis=0), finite.max(axis=0)
    pad = 0.1 * (high - low) + 0.25
    low, high = low - pad, high + pad
    return QRectF(low[0], low[1], high[0] - low[0], high[1] - low[1])
