"""What a big graph shows once File › Open has swapped it in — found by the graph's role index,
its scalars, the last nodes and a first result taken in slices: the Training dock's train nodes
and losses, a preview on every node that has a value, no mark where nobody asked."""

from __future__ import annotations

import random

import numpy as np
import pytest
from test_big_graphs import chains

import editor.app.opening as opening
import editor.compute.live as live
from editor.compute.frontier import last_nodes
from editor.document import OK
from engine import Graph, save_graph, train


@pytest.fixture
def trained_file(tmp_path):
    """Chains joined into ``output``, a loss of it and its train node; scalars read by nobody
    (``s``) and by an add (``m``); a per-element loss (``per``); a placeholder without a
    default and a node below it (``q``: it has no value, and nobody asked)."""
    graph = chains(6, 20)
    output = graph.get_node("output")
    loss = graph.add_node("reduce_sum", [graph.add_node("square", [output])], name="loss")
    train.add_train_node(graph, loss)
    graph.add_node("reduce_mean", [output], name="s")
    m = graph.add_node("reduce_sum", [graph.get_node("x0")], name="m")
    graph.add_node("add", [m, output], name="mo")
    graph.add_node("sigmoid_cross_entropy_with_logits", [output, output], name="per")
    p = graph.add_node("placeholder", name="p", attrs={"shape": [3]})
    graph.add_node("tanh", [p], name="q")
    path = tmp_path / "trained.json"
    save_graph(graph, path)
    return path


def test_an_opened_big_graph_offers_its_train_node_losses_and_previews(
        affine, dialogs, trained_file, monkeypatch):
    monkeypatch.setattr(opening, "BUILD_SLICE", 100)
    monkeypatch.setattr(live, "PREVIEW_SLICE", 50)  # the first result shown in many turns
    dialogs.open_path = str(trained_file)
    affine.open_by_menu()
    window = affine.window
    assert window.doc.path == trained_file

    assert window.training.dock.isVisible()  # a graph that trains opens the Training dock
    dock = window.training.training
    trains = [dock.train_combo.itemText(i) for i in range(dock.train_combo.count() - 1)]
    assert trains == ["train  (minimizes loss)"]
    dock.train_combo.setCurrentIndex(dock.train_combo.count() - 1)  # Loss + optimizer…
    losses = [dock.loss_combo.itemText(i) for i in range(dock.loss_combo.count())]
    assert losses == ["loss", "s", "m", "per"]  # final scalars, a scalar read on, per element

    graph, item = window.doc.graph, window.scene.item_for  # (made as asked for)
    has_value = [n for n in graph.nodes if n.op.kind == "op" and n.name not in ("train", "q")]
    affine.qtbot.waitUntil(lambda: not window.live.compute.busy
                           and all(item(n).preview_text() for n in has_value))
    assert item(graph.get_node("output")).preview_text() != ""
    q, train_node = item(graph.get_node("q")), item(graph.get_node("train"))
    assert q.state == OK and q.preview_text() == ""  # quiet: nobody asked about it
    assert train_node.preview_text() == ""  # never run for a preview


def test_last_nodes_are_those_no_other_of_them_reads() -> None:
    """Small sets are walked, big ones by their complement: the same answer."""
    graph = chains(4, 6)
    rng = random.Random(7)
    nodes = graph.nodes
    for size in (0, 1, 5, len(nodes) // 2, len(nodes) - 3, len(nodes)):
        chosen = set(rng.sample(nodes, size))
        expected = {n for n in chosen if not any(c in chosen for c in n.consumers)}
        found = last_nodes(chosen, graph)
        assert set(found) == expected and len(found) == len(expected)


def test_a_scalar_placeholder_is_no_loss_candidate() -> None:
    graph = Graph()
    graph.add_node("placeholder", name="k", attrs={"shape": []})
    graph.add_node("constant", name="c", value=np.float64(1.0))
    assert [n.name for n in graph.scalars()] == ["k", "c"]  # sources: the dock leaves them out
