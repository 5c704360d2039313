"""The neural-network ops come to the palette and Tab search from the registry, and evaluate
on the canvas like the built-in ones."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint
from training_helpers import PERCEPTRON


def preview(canvas, name: str, text: str) -> None:
    canvas.qtbot.waitUntil(lambda: canvas.item(name).preview_text() == text)


def test_leaky_relu_from_the_palette_and_softplus_from_tab_search(affine) -> None:
    palette = affine.window.op_palette.tree
    assert palette.op_item("conv2d") is not None and palette.op_item("rmsprop") is not None
    affine.drop_from_palette("leaky_relu", QPoint(650, 420))
    affine.wire("z", "leaky_relu", "x")  # z = [2, -1]
    affine.select("leaky_relu")
    preview(affine, "leaky_relu", "[2, -0.2]")
    affine.search_add("softpl", QPoint(250, 450))
    affine.wire("leaky_relu", "softplus", "x")
    affine.select("softplus")
    view = affine.window.tensor_view
    affine.qtbot.waitUntil(lambda: "softplus" in view.names
                           and view.panel("softplus").mode == "value")
    np.testing.assert_allclose(view.panel("softplus").value, np.log1p(np.exp([2.0, -0.2])))


def test_a_minimize_node_shows_the_decay_period_once_it_decays(canvas) -> None:
    assert canvas.window.open_file(PERCEPTRON)
    canvas.window.view.frame_all()
    canvas.select("train")
    fields = canvas.window.properties.fields
    assert fields["attr:decay_rate"].widget.isVisible()
    assert not fields["attr:decay_steps"].widget.isVisible()
    canvas.type_field("attr:decay_rate", "0.5")
    canvas.qtbot.waitUntil(lambda: fields["attr:decay_steps"].widget.isVisible())
    assert fields["attr:staircase"].widget.isVisible()
    canvas.type_field("attr:global_step", "step")  # a name goes in quotes
    assert '"step"' in fields["attr:global_step"].error.text()
    assert canvas.graph.get_node("train").attrs["decay_rate"] == 0.5
