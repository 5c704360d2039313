"""The neural-network ops come to the palette and Tab search from the registry, and evaluate
on the canvas like the built-in ones."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint


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
