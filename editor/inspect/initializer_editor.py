"""A variable's initializer, edited as a kind, a shape, the kind's parameters and a seed
(instead of a JSON object typed by hand)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from engine.initializers import KINDS

NONE = "none"
"""The kind entry for no initializer."""
SEED_RANGE = 10_000
"""A kind chosen anew gets a seed below this: its values can be drawn again."""


def parse_shape(text: str) -> list[int]:
    """``2, 3``, ``[2, 3]``, ``2×3`` or ``2 x 3`` → ``[2, 3]``; empty → ``[]`` (a scalar)."""
    listed = re.sub(r"(?<=\d)\s*[×x*]\s*(?=\d)", ",", text)
    words = [w for w in re.split(r"[\s,\[\]()]+", listed.strip()) if w]
    try:
        sizes = [int(w) for w in words]
    except ValueError:
        raise ValueError(f"shape: expected sizes like 2, 3 — got {text!r}") from None
    if any(size < 0 for size in sizes):
        raise ValueError(f"shape: sizes must be ≥ 0 — got {text!r}")
    return sizes


class InitializerEditor(QWidget):
    """Edits an initializer spec; ``edited()`` when the user changes a field — :meth:`spec`
    is then the spec to apply (``None`` for no initializer)."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.addItems([NONE, *KINDS])
        self.kind.setToolTip("How Reset variables makes the value (choosing one draws it now)")
        self.shape = QLineEdit()
        self.shape.setPlaceholderText("scalar")
        self.shape.setToolTip("Sizes, e.g. 2, 3")
        self.parameters = {name: QLineEdit() for kind in KINDS.values() for name in kind}
        self.seed = QLineEdit()
        self.seed.setPlaceholderText("none: new values at each reset")
        self.seed.setToolTip("The same seed draws the same values")
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow(self.kind)
        self._form.addRow("shape", self.shape)
        for name, edit in self.parameters.items():
            self._form.addRow(name, edit)
        self._form.addRow("seed", self.seed)
        self._value_shape: list[int] = []
        self.kind.activated.connect(self._kind_chosen)
        for edit in (self.shape, self.seed, *self.parameters.values()):
            edit.editingFinished.connect(self._edit_finished)
        self._show_rows()

    def set_spec(self, spec: dict[str, Any] | None, value_shape: tuple[int, ...]) -> None:
        """Show ``spec`` (``None``: no initializer) of a variable whose value has
        ``value_shape`` (the shape a newly chosen kind starts with)."""
        self._value_shape = list(value_shape)
        self.kind.setCurrentText(NONE if spec is None else spec["kind"])
        shape = value_shape if spec is None else spec["shape"]
        self.shape.setText(", ".join(map(str, shape)))
        for name, edit in self.parameters.items():
            edit.setText(_number(spec[name]) if spec is not None and name in spec else "")
        seed = None if spec is None else spec.get("seed")
        self.seed.setText("" if seed is None else str(seed))
        for edit in (self.shape, self.seed, *self.parameters.values()):
            edit.setModified(False)
        self._show_rows()

    def spec(self) -> dict[str, Any] | None:
        """The spec the fields describe; ``ValueError`` names a field that cannot be read."""
        kind = self.kind.currentText()
        if kind == NONE:
            return None
        spec: dict[str, Any] = {"kind": kind, "shape": parse_shape(self.shape.text())}
        for name, default in KINDS[kind].items():
            text = self.parameters[name].text().strip()
            try:
                spec[name] = float(text) if text else default
            except ValueError:
                raise ValueError(f"{name}: expected a number, got {text!r}") from None
        if kind.startswith("random"):
            text = self.seed.text().strip()
            try:
                spec["seed"] = int(text) if text else None
            except ValueError:
                raise ValueError(f"seed: expected a whole number, got {text!r}") from None
        return spec

    def _kind_chosen(self) -> None:
        """A kind chosen: its parameters start at their defaults, random ones with a seed."""
        kind = self.kind.currentText()
        for name, default in KINDS.get(kind, {}).items():
            self.parameters[name].setText(_number(default))
        if kind.startswith("random") and not self.seed.text().strip():
            self.seed.setText(str(np.random.default_rng().integers(SEED_RANGE)))
        if not self.shape.text().strip():
            self.shape.setText(", ".join(map(str, self._value_shape)))
        self._show_rows()
        self.edited.emit()

    def _edit_finished(self) -> None:
        edit = self.sender()
        if isinstance(edit, QLineEdit) and edit.isModified():
            edit.setModified(False)
            self.edited.emit()

    def _show_rows(self) -> None:
        kind = self.kind.currentText()
        self._form.setRowVisible(self.shape, kind != NONE)
        for name, edit in self.parameters.items():
            self._form.setRowVisible(edit, name in KINDS.get(kind, {}))
        self._form.setRowVisible(self.seed, kind.startswith("random"))


def _number(value: float) -> str:
    return f"{value:g}"
