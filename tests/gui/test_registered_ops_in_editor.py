"""A loss and an optimizer registered by a plugin (here, the test) with their roles work in
the editor as the built-in ones do — the Training dock, training, the decision boundary and
the properties — though no editor file names them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from conftest import WAIT, click
from PySide6.QtCore import Qt
from training_helpers import registered_loss_and_optimizer

import engine as ts
from editor.training.dock import NEW_OPTIMIZER


@pytest.fixture(autouse=True)
def plugin_ops() -> Iterator[None]:
    with registered_loss_and_optimizer():
        yield


def classifier(path, train_node: bool) -> None:
    """Two blobs, a sigmoid model, the plugin's loss — with a train node of the plugin's
    optimizer or none."""
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.normal(-2, 1, (40, 2)), rng.normal(2, 1, (40, 2))])
    labels = np.repeat([[0.0], [1.0]], 40, axis=0)
    with ts.Graph().as_default() as g:
        X = ts.placeholder(shape=[None, 2], name="X", default=points)
        y = ts.placeholder(shape=[None, 1], name="y", default=labels)
        w = ts.Variable([[0.0], [0.0]], name="w")
        p = ts.sigmoid(X @ w, name="p")
        loss = ts.Operation("test_mae", [y, p], name="loss")
        if train_node:
            ts.train.add_train_node(g, loss, {"optimizer": "test_signum",
                                              "learning_rate": 0.05})
    ts.save_graph(g, path)



def choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text} is not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


def test_the_dock_trains_a_plugin_loss_with_a_plugin_optimizer(qtbot, window, tmp_path) -> None:
    classifier(tmp_path / "plugin.json", train_node=False)
    assert window.open_file(tmp_path / "plugin.json")
    panel = window.training
    panel.dock.show()
    dock = panel.training
    choose(dock.train_combo, NEW_OPTIMIZER)
    assert dock.loss_combo.itemText(0) == "loss"  # a LOSS first; tensors are not offered
    assert "p" not in [dock.loss_combo.itemText(i) for i in range(dock.loss_combo.count())]
    choose(dock.optimizer_combo, "test_signum")
    assert dock.parameters["beta"].isVisible() and not dock.parameters["momentum"].isVisible()
    dock.parameters["learning_rate"].setText("0.05")
    dock.steps.setValue(200)
    graph = window.doc.graph
    before = float(ts.Session(graph).run("loss"))
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    result = finished.args[0]
    assert result.reason == "done" and result.steps == 200
    assert float(ts.Session(graph).run("loss")) < before / 2  # applied to the document
    assert window.doc.undo_stack.undoText() == "Train train: 200 steps"
    # the sigmoid's probabilities make it a classifier: its boundary is drawn
    assert dock.tabs.isTabVisible(1)
    bar = dock.tabs.tabBar()
    with qtbot.waitSignal(dock.boundary.updated, timeout=WAIT):
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert set(np.unique(dock.boundary.classes)) == {0, 1}
    # the run's train node, added from the dock, is a node of the plugin's optimizer
    click(qtbot, dock.add_node_button)
    added = window.doc.graph.get_node("train")
    assert added.type == "test_signum" and added.attrs["learning_rate"] == 0.05
    assert set(added.state) == {"step", "m/w"}


def test_a_plugin_train_node_trains_and_shows_its_parameters(
        qtbot, window, canvas, tmp_path) -> None:
    classifier(tmp_path / "plugin.json", train_node=True)
    assert window.open_file(tmp_path / "plugin.json")
    dock = window.training.training
    assert window.training.dock.isVisible()  # a graph that trains opens its dock
    assert dock.train_combo.currentText() == "train  (minimizes loss)"
    canvas.select("train")
    assert {"attr:learning_rate", "attr:beta", "attr:var_list"} <= set(window.properties.fields)
    dock.steps.setValue(100)
    with qtbot.waitSignal(dock.training_finished, timeout=WAIT) as finished:
        click(qtbot, dock.train_button)
    assert finished.args[0].reason == "done"
    assert int(window.doc.graph.get_node("train").state["step"]) == 100
