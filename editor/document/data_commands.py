"""Binding data set arrays to placeholders, as one undoable edit."""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.document import Command, Document
from engine.data.binding import BINDING, Change
from engine.data.fitting import SETTINGS_UI

Setting = tuple[str, dict[str, Any] | None, np.ndarray | None]
"""A placeholder's name, binding and default."""


class BindData(Command):
    """Give placeholders their bindings and defaults (from :func:`engine.data.plan_binding`,
    which checked them all): ``Bind digits to X, c``; undo restores what they had."""

    def __init__(self, doc: Document, changes: list[Change], text: str | None = None) -> None:
        names = [node.name for node, _, _ in changes]
        sets = sorted({b["set"] for _, b, _ in changes if b is not None})
        super().__init__(doc, text or (f"Bind {', '.join(sets)} to {', '.join(names)}" if sets
                                       else f"Unbind {', '.join(names)}"))
        self.new: list[Setting] = [(node.name, binding, value) for node, binding, value
                                   in changes]
        self.old: list[Setting] = [(node.name, node.attrs.get(BINDING), node.value)
                                   for node, _, _ in changes]

    def apply(self) -> None:
        self._set(self.new, self.old)

    def revert(self) -> None:
        self._set(self.old, self.new)

    def _set(self, settings: list[Setting], undo: list[Setting]) -> None:
        """Apply ``settings``; if one is refused, put back (from ``undo``) those applied."""
        done = 0
        try:
            for name, binding, value in settings:
                self.graph.set_attr(name, BINDING, binding)
                self.graph.set_value(name, value)
                done += 1
        except Exception:
            for name, binding, value in reversed(undo[:done + 1]):
                self.graph.set_attr(name, BINDING, binding)
                self.graph.set_value(name, value)
            raise


TRAINING_UI = SETTINGS_UI
"""The train node's ``ui`` entry holding its settings for a data set (epochs, batch_size,
seed, validation_split), as the examples keep them and ``main.py train`` reads them."""


class SetTrainingSettings(Command):
    """Keep a train node's settings for training on a data set (in its ``ui``, so the file
    has them): ``Set train's training: 30 epochs, batch 32, validation 0.2, seed 0``."""

    def __init__(self, doc: Document, train_node: str, settings: dict[str, Any]) -> None:
        super().__init__(doc, f"Set {train_node}'s training: {settings['epochs']} epochs, "
                              f"batch {settings['batch_size']}, validation "
                              f"{settings['validation_split']:g}, seed {settings['seed']}")
        self.train_node, self.new = train_node, dict(settings)
        self.old = doc.graph.get_node(train_node).ui.get(TRAINING_UI)

    def apply(self) -> None:
        self.graph.set_ui(self.train_node, **{TRAINING_UI: dict(self.new)})

    def revert(self) -> None:
        self.graph.set_ui(self.train_node, **{TRAINING_UI: self.old})
