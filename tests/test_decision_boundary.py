"""Which graphs are two-feature classifiers, and the view's grid predictions."""

from __future__ import annotations

import numpy as np
import pytest
from training_helpers import EXAMPLES, MLP, PERCEPTRON

import engine as ts
from editor.compute.service import ComputeService
from editor.document import Document
from editor.training.decision_boundary import (
    RESOLUTION,
    ClassifierFinder,
    DecisionBoundaryView,
    find_classifier,
    label_classes,
    predicted_classes,
)


def names(graph: ts.Graph) -> tuple[str, ...] | None:
    found = find_classifier(graph)
    return None if found is None else (found.input.name, found.labels.name, found.output.name)


def test_the_finder_answers_as_the_rule_through_wire_edits_and_their_undo() -> None:
    """A wire taken off and put back, and others: the finder, which remembers its last
    answers, answers each time as the rule does."""
    graph = ts.load_graph(MLP)
    find = ClassifierFinder()
    edits = [lambda: graph.disconnect("add_1", 1),  # (p_output's shape is still (?,2))
             lambda: graph.connect("b_output", "add_1", 1)]
    edits *= 2
    edits += [lambda: graph.connect("X", "log", 0),  # log(X): the probabilities are not read
              lambda: graph.connect("p_output", "log", 0),
              lambda: graph.disconnect("multiply", 1)]  # the labels meet nothing
    seen = []
    for edit in edits:
        edit()
        assert find(graph) == find_classifier(graph)
        seen.append(find(graph) is not None)
    assert seen == [True, True, True, True, False, True, False]  # (softmax(x) alone fits)


def test_the_series_examples_are_classifiers() -> None:
    assert names(ts.load_graph(MLP)) == ("X", "c", "p_output")
    assert names(ts.load_graph(PERCEPTRON)) == ("X", "c", "p")
    assert names(ts.load_graph(EXAMPLES / "affine.json")) is None


def logistic(labels: np.ndarray, rows: int = 4) -> ts.Graph:
    """A sigmoid classifier with one output, labels as given."""
    with ts.Graph().as_default() as g:
        X = ts.placeholder(shape=[None, 2], name="X", default=np.arange(2.0 * rows).reshape(-1, 2))
        y = ts.placeholder(shape=None, name="y", default=labels)
        w = ts.Variable([[1.0], [-1.0]], name="w")
        p = ts.sigmoid(X @ w, name="p")
        ts.reduce_sum(ts.square(p - y), name="J")
    return g


def test_class_indices_and_a_single_sigmoid_output() -> None:
    assert names(logistic(np.array([[0.0], [1.0], [1.0], [0.0]]))) == ("X", "y", "p")
    assert names(logistic(np.array([0.0, 1.0, 1.0, 0.0]))) == ("X", "y", "p")
    assert names(logistic(np.array([0.0, 1.0, 1.0]))) is None  # not one label per point
    np.testing.assert_array_equal(label_classes(np.array([[0.0], [1.0]])), [0, 1])
    np.testing.assert_array_equal(predicted_classes(np.array([[0.2], [0.7]])), [0, 1])


def test_no_labels_meeting_the_output_no_classifier() -> None:
    graph = ts.load_graph(MLP)
    graph.remove_node("J")  # nothing combines the labels with the output any more
    for node in [n for n in graph.nodes if n.type in ("multiply", "log", "reduce_sum")]:
        graph.remove_node(node)
    assert names(graph) is None


@pytest.fixture
def compute(qtbot):
    service = ComputeService()
    yield service
    service.close()


def boundary(qtbot, compute: ComputeService, graph: ts.Graph) -> DecisionBoundaryView:
    """A shown view of ``graph``'s classifier, its first grid drawn."""
    view = DecisionBoundaryView(compute)
    qtbot.addWidget(view)
    compute.set_document(Document(graph, parent=view))
    view.show()
    with qtbot.waitSignal(view.updated, timeout=10_000):
        assert view.set_graph(graph)
    return view


def redrawn(qtbot, view: DecisionBoundaryView) -> None:
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.refresh()


@pytest.mark.parametrize("batch", [None, 100])
def test_grid_predictions_match_the_engine(qtbot, compute, batch) -> None:
    graph = ts.load_graph(PERCEPTRON)
    graph.set_attr("X", "shape", [batch, 2])  # a fixed batch size is fed in chunks of it
    session = ts.Session(graph)
    for _ in range(100):
        session.run("train")
    view = boundary(qtbot, compute, graph)
    grid = view.grid_points()
    chunks = [grid[i : i + 100] for i in range(0, len(grid), 100)]
    expected = np.concatenate([session.run("p", {"X": chunk}) for chunk in chunks])
    np.testing.assert_array_equal(view.classes,
                                  predicted_classes(expected).reshape(RESOLUTION, RESOLUTION))
    # the grid spans the data with a margin, x varying fastest
    points = graph.get_node("X").default
    assert grid[:, 0].min() < points[:, 0].min() and grid[:, 0].max() > points[:, 0].max()
    assert grid[1, 0] > grid[0, 0] and grid[1, 1] == grid[0, 1]


def test_a_training_runs_values_update_the_view_not_the_graph(qtbot, compute) -> None:
    graph = ts.load_graph(PERCEPTRON)
    view = boundary(qtbot, compute, graph)
    W = graph.get_node("W").value.copy()
    compute.assume({"W": np.zeros((2, 2)), "b": np.array([1.0, 0.0])})
    redrawn(qtbot, view)
    assert (view.classes == 0).all()  # b alone decides: class 0 everywhere
    np.testing.assert_array_equal(graph.get_node("W").value, W)
    compute.stop_assuming()
    redrawn(qtbot, view)  # back to the graph's own values
    assert set(np.unique(view.classes)) == {0, 1}


def test_an_evaluation_error_is_shown_not_raised(qtbot, compute) -> None:
    graph = ts.load_graph(PERCEPTRON)
    view = boundary(qtbot, compute, graph)
    compute.assume({"W": np.ones((3, 2))})
    redrawn(qtbot, view)
    assert view.classes is None and "matmul" in view.error
    assert view.message.textItem.toPlainText().startswith("cannot predict on the plane:")


def test_a_hidden_view_predicts_nothing_until_shown(qtbot, compute) -> None:
    graph = ts.load_graph(PERCEPTRON)
    view = DecisionBoundaryView(compute)
    qtbot.addWidget(view)
    compute.set_document(Document(graph, parent=view))
    asked = []
    compute.grid_ready.connect(asked.append)
    assert view.set_graph(graph) and view.classes is None
    graph.set_value("b", [1.0, 0.0])
    view.refresh()
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show()
    assert len(asked) == 1 and view.classes is not None


def regression() -> ts.Graph:
    """y = x0 − 2·x1 + noise, fitted by a linear model with a mean squared error."""
    rng = np.random.default_rng(7)
    points = rng.normal(0, 1, (30, 2))
    targets = (points @ [[1.0], [-2.0]]) + rng.normal(0, 0.1, (30, 1))
    with ts.Graph().as_default() as g:
        X = ts.placeholder(shape=[None, 2], name="X", default=points)
        y = ts.placeholder(shape=[None, 1], name="y", default=targets)
        w = ts.Variable([[0.5], [-1.0]], name="w")
        ts.mean_squared_error(y, ts.matmul(X, w, name="prediction"), name="J")
    return g


def test_a_regression_shows_its_values_on_a_colour_scale(qtbot, compute) -> None:
    graph = regression()
    found = find_classifier(graph)
    assert found is not None and found.values
    assert (found.input.name, found.labels.name, found.output.name) == ("X", "y", "prediction")
    view = boundary(qtbot, compute, graph)
    expected = ts.Session(graph).run("prediction", {"X": view.grid_points()})
    np.testing.assert_allclose(view.values, expected.reshape(RESOLUTION, RESOLUTION))
    assert view.classes is None and view.image.image.shape == (RESOLUTION, RESOLUTION, 4)
    low, high = view.image.image[0, 0], view.image.image[-1, -1]
    assert not np.array_equal(low, high)  # the plane is coloured by value, not one colour
    brushes = {b.color().getRgb() for b in view.points.data["brush"]}
    assert len(brushes) > 10  # each point by its own label


def test_a_sigmoid_cross_entropy_classifier_is_split_where_its_log_odds_are_zero(
        qtbot, compute) -> None:
    with ts.Graph().as_default() as graph:
        X = ts.placeholder(shape=[None, 2], name="X",
                           default=[[0.0, 0.0], [1.0, 2.0], [3.0, 1.0], [2.0, 3.0]])
        y = ts.placeholder(shape=[None, 1], name="y", default=[[0.0], [1.0], [0.0], [1.0]])
        w = ts.Variable([[-1.0], [1.0]], name="w")
        logits = ts.add(X @ w, 0.25, name="logits")
        ts.reduce_sum(ts.sigmoid_cross_entropy_with_logits(y, logits), name="J")
    found = find_classifier(graph)
    assert names(graph) == ("X", "y", "logits") and found.threshold == 0.0
    view = boundary(qtbot, compute, graph)
    grid = view.grid_points()
    expected = (grid[:, 1] - grid[:, 0] + 0.25 >= 0).reshape(RESOLUTION, RESOLUTION)
    np.testing.assert_array_equal(view.classes, expected)
