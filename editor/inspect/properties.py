"""The properties panel: the selected node's name, attributes and value, edited as text.

Attributes and values are typed as Python, JSON or numpy prints them (``[None, 2]``,
``[null, 2]``, ``[[1. 0.] [0. 1.]]``); what the engine refuses is shown in red under the field,
in one line that says what to type, and not applied. A value can also be imported from a .npy
or .csv file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.canvas.scene import GraphScene
from editor.document import ERROR, NODE_CHANGED, OK, Document
from editor.document.commands import Rename, SetAttr, SetInitializer, SetValue
from editor.document.data_commands import BindData
from editor.inspect.initializer_editor import InitializerEditor
from engine.data import DataError
from engine.data.binding import BINDING, bound_arrays, plan_rebinding
from engine.graph import Constant, GraphEvent, Node, Placeholder, Variable
from engine.initializers import parse_initializer
from engine.tensors import DTYPES, as_tensor, format_tensor, parse_tensor_text, read_tensor_file

SHOWN_ELEMENTS = 400
"""Values with more elements are not written out in the value field."""
IMPORT_FILTER = "Arrays (*.npy *.csv);;NumPy array (*.npy);;CSV table (*.csv);;All files (*)"


def attr_text(value: Any) -> str:
    """An attribute value as the text the user edits, in Python's spelling (``[None, 2]``,
    ``True``, ``["W", "b"]``); empty for None."""
    return "" if value is None else _python_text(value)


def _python_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return f"[{', '.join(_python_text(v) for v in value)}]"
    if value is None or isinstance(value, bool):
        return str(value)
    return json.dumps(value)


def parse_value(text: str, current: np.ndarray | None) -> np.ndarray:
    """A typed tensor; integers typed into a float tensor keep the float dtype, 0s and 1s typed
    into a boolean one are booleans (typed booleans stay booleans)."""
    return keep_kind(as_tensor(parse_tensor_text(text)), current)


def keep_kind(array: np.ndarray, current: np.ndarray | None) -> np.ndarray:
    """``array``, as floats of ``current``'s dtype if it holds integers and ``current`` floats,
    as booleans if it holds only 0s and 1s and ``current`` booleans (as a CSV file keeps them)."""
    if current is None or array.dtype.kind not in "iu":
        return array
    if current.dtype.kind in "fc":
        return array.astype(current.dtype)
    if current.dtype.kind == "b" and np.isin(array, (0, 1)).all():
        return array.astype(bool)
    return array


def unused_attrs(node: Node) -> set[str]:
    """Attributes the node's current settings ignore (a train node's other optimizers'
    parameters): their rows are hidden."""
    return set(node.attrs) - set(node.op.active_attrs(node.attrs))


def _array_of(key: str | None) -> tuple[str, str] | None:
    """The (data set, array) a binding combo's entry stands for (``None``: none)."""
    if key is None:
        return None
    chosen, array = json.loads(key)
    return chosen, array


class _Field:
    """An editor widget with its error label."""

    def __init__(self, widget: QWidget) -> None:
        self.widget = widget
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()

    def show_error(self, message: str | None) -> None:
        self.error.setVisible(bool(message))  # first: the text of a visible label is laid out
        self.error.setText(message or "")


class PropertiesPanel(QWidget):
    """Edits the one selected node of a scene's document."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc: Document | None = None
        self.scene: GraphScene | None = None
        self.node: Node | None = None
        self.fields: dict[str, _Field] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(8, 8, 8, 8)
        self._layout.addStretch()
        self._body: QWidget | None = None
        self._loaded_value: tuple[QLineEdit, object, str] | None = None
        """The value field, the value it was last filled with, and its text then."""
        self._show(None)

    def set_scene(self, scene: GraphScene) -> None:
        """Follow ``scene``'s selection and document."""
        self.scene, self.doc = scene, scene.doc
        scene.selectionChanged.connect(self._selection_changed)
        scene.doc.changed.connect(self._graph_changed)
        scene.doc.shapes_changed.connect(self._shapes_changed)
        self._show(None)

    # ---- following the document ------------------------------------------------------------

    def _selection_changed(self) -> None:
        assert self.scene is not None  # connected by set_scene
        try:
            chosen = self.scene.selected()
        except RuntimeError:  # the scene is being deleted
            return
        node = next(iter(chosen)) if len(chosen) == 1 else None
        if node is not self.node or node is None:
            self._show(node, len(chosen))

    def _graph_changed(self, events: list[GraphEvent]) -> None:
        """The shown node changed (its form is loaded again) or went (no form)."""
        for event in events:
            if event.node is self.node is not None:
                if event.kind == "node_removed":
                    self._show(None)
                elif event.kind in NODE_CHANGED:
                    self._load()

    def _shapes_changed(self, nodes: list[Node]) -> None:
        if self.node is not None and self.node in nodes:
            self._load_shape()

    # ---- building the form -----------------------------------------------------------------

    def _show(self, node: Node | None, selected: int = 0) -> None:
        """The form of ``node``, or a hint when not one node of the ``selected`` is."""
        self.node = node
        self.fields = {}
        if self._body is not None:
            self._body.hide()
            self._body.deleteLater()
        self._body = QWidget(self)
        self._layout.insertWidget(0, self._body)
        if node is None:
            layout = QVBoxLayout(self._body)
            hint = QLabel(f"{selected} nodes are selected: select one to see and edit its "
                          "properties." if selected > 1 else
                          "Select a node to see and edit its properties.")
            hint.setProperty("role", "muted")
            hint.setWordWrap(True)
            layout.addWidget(hint)
            layout.addStretch()
            self._body.show()
            return
        column = QVBoxLayout(self._body)
        column.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(f"<b>{node.type}</b>  <span style='color:#9aa0aa'>"
                         f"{node.op.category}</span><br><span style='color:#9aa0aa'>"
                         f"{node.op.doc}</span>")
        heading.setWordWrap(True)
        column.addWidget(heading)
        self._form_layout = form = QFormLayout()
        column.addLayout(form)
        self._add_line("name", "Name", lambda text: self._rename(text))
        for attr_name, attr in node.op.attrs.items():
            self._add_attr(attr_name, attr)
        if node.op.is_source:
            label = "Default" if isinstance(node, Placeholder) else "Value"
            self._add_line("value", label, self._set_value, self._import_button())
        self.shape_label = QLabel()
        self.shape_label.setWordWrap(True)
        self.shape_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Shape", self.shape_label)
        self._load()
        self._body.show()

    def _form(self) -> QFormLayout:
        return self._form_layout

    def _add_row(self, key: str, label: str, widget: QWidget,
                 beside: QWidget | None = None) -> _Field:
        field = _Field(widget)
        widget.setObjectName(f"field_{key}")
        self.fields[key] = field
        if beside is None:
            self._form().addRow(label, widget)
        else:
            row = QHBoxLayout()
            row.addWidget(widget, 1)
            row.addWidget(beside)
            self._form().addRow(label, row)
        self._form().addRow(field.error)  # the whole width: a long message wraps less
        return field

    def _add_line(self, key: str, label: str, apply, beside: QWidget | None = None) -> None:
        edit = QLineEdit()
        field = self._add_row(key, label, edit, beside)

        def commit() -> None:
            if edit.isModified():
                edit.setModified(False)
                field.show_error(apply(edit.text()))

        edit.editingFinished.connect(commit)

    def _add_attr(self, name: str, attr) -> None:
        default = attr.default
        if isinstance(default, bool):
            box = QCheckBox()
            field = self._add_row(f"attr:{name}", name, box)
            box.toggled.connect(lambda on: field.show_error(self._set_attr(name, on)))
        elif name == "dtype":
            combo = QComboBox()
            combo.addItems(["any", *DTYPES])
            field = self._add_row(f"attr:{name}", name, combo)
            combo.activated.connect(lambda i: field.show_error(
                self._set_attr(name, None if i == 0 else DTYPES[i - 1])))
        elif name == BINDING:
            combo = QComboBox()
            field = self._add_row(f"attr:{name}", "data", combo)
            combo.activated.connect(lambda i: field.show_error(
                self._bind(_array_of(combo.itemData(i)))))
        elif name == "initializer":
            editor = InitializerEditor()
            field = self._add_row(f"attr:{name}", name, editor)
            editor.edited.connect(lambda: field.show_error(self._set_initializer(editor)))
        elif hasattr(attr.parse, "choices"):  # one of a fixed list (an optimizer…)
            combo = QComboBox()
            combo.addItems(list(attr.parse.choices))
            field = self._add_row(f"attr:{name}", name, combo)
            combo.activated.connect(lambda i: field.show_error(
                self._set_attr(name, combo.itemText(i))))
        else:
            self._add_line(f"attr:{name}", name, lambda text: self._set_attr_text(name, text))
            cast(QLineEdit, self.fields[f"attr:{name}"].widget).setPlaceholderText(
                "None" if default is None else attr_text(default))
        self.fields[f"attr:{name}"].widget.setToolTip(attr.doc)

    def _load(self) -> None:
        """Show the node's current name, attributes and value in the fields."""
        node = self.node
        assert node is not None  # the form shown is a node's
        cast(QLineEdit, self.fields["name"].widget).setText(node.name)
        for name, value in node.attrs.items():
            widget = self.fields[f"attr:{name}"].widget
            widget.blockSignals(True)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif name == BINDING:
                self._load_binding(cast(QComboBox, widget), value)
            elif isinstance(widget, QComboBox) and name == "dtype":
                widget.setCurrentIndex(0 if value is None else DTYPES.index(value) + 1)
            elif isinstance(widget, QComboBox):
                widget.setCurrentText(value)
            elif isinstance(widget, InitializerEditor):
                assert isinstance(node, Variable) and node.value is not None  # it has one
                widget.set_spec(value, node.value.shape)
            else:
                cast(QLineEdit, widget).setText(attr_text(value))
            widget.blockSignals(False)
        unused = unused_attrs(node)
        for name in node.attrs:
            self._form().setRowVisible(self.fields[f"attr:{name}"].widget, name not in unused)
        if "value" in self.fields:
            edit: QLineEdit = self.fields["value"].widget  # type: ignore[assignment]
            assert isinstance(node, (Placeholder, Variable, Constant))  # a source's field
            value = node.value
            loaded = self._loaded_value
            if loaded is not None and loaded[0] is edit and loaded[1] is value \
                    and loaded[2] == edit.text():
                pass  # shows that value already (a rename, an attribute…): not written again
            elif value is None or value.size > SHOWN_ELEMENTS:
                edit.setText("")
                edit.setPlaceholderText("no default (must be fed)" if value is None else
                                        f"{value.size} elements — type a new value to replace")
            else:
                edit.setText(format_tensor(value))
                edit.setCursorPosition(0)  # the start of a long value, not its end
            self._loaded_value = (edit, value, edit.text())
        for field in self.fields.values():
            field.show_error(None)
        self._load_shape()

    def _load_shape(self) -> None:
        node = self.node
        assert node is not None and self.doc is not None  # a node's form is shown
        text, state, message = self.doc.shape_state(node)
        if (state == OK and isinstance(node, (Placeholder, Variable, Constant))
                and node.value is not None):
            text += f"   {node.value.dtype.name}"
        self.shape_label.setText(message or text)
        role = {ERROR: "error", OK: ""}.get(state, "muted")
        if self.shape_label.property("role") != role:  # re-polishing costs a style sheet pass
            self.shape_label.setProperty("role", role)
            self.shape_label.style().unpolish(self.shape_label)
            self.shape_label.style().polish(self.shape_label)

    # ---- applying edits --------------------------------------------------------------------

    def _rename(self, text: str) -> str | None:
        assert self.node is not None and self.doc is not None  # a node's form is shown
        if text.strip() == self.node.name:
            return None
        return self.doc.execute(Rename(self.doc, self.node.name, text.strip()))

    def _set_attr(self, name: str, value: Any) -> str | None:
        assert self.node is not None and self.doc is not None  # a node's form is shown
        if self.node.attrs.get(name) == value:
            return None
        return self.doc.execute(SetAttr(self.doc, self.node.name, name, value))

    def _load_binding(self, combo: QComboBox, binding: dict[str, Any] | None) -> None:
        """Offer the arrays of the data sets bound in the document, and none."""
        assert self.doc is not None
        combo.clear()
        combo.addItem("none (import one: File › Import Data…)", None)
        for found in bound_arrays(self.doc.graph):
            combo.addItem(f"{found[0]} · {found[1]}", json.dumps(found))
        if binding is not None:
            key = json.dumps([binding["set"], binding["array"]])
            combo.setCurrentIndex(max(combo.findData(key), 0))

    def _bind(self, array: tuple[str, str] | None) -> str | None:
        """Bind the node to a data set array bound in the document (None: unbind it)."""
        assert self.node is not None and self.doc is not None  # a node's form is shown
        current = self.node.attrs.get(BINDING)
        if (None if current is None else (current["set"], current["array"])) == array:
            return None
        try:
            changes = plan_rebinding(self.doc.graph, self.node.name, array)
        except DataError as error:
            return error.args[0]
        return self.doc.execute(BindData(self.doc, changes))

    def _set_initializer(self, editor: InitializerEditor) -> str | None:
        assert isinstance(self.node, (Placeholder, Variable, Constant)) and self.doc is not None
        value = cast(np.ndarray, self.node.value)  # the form is a variable's: never None
        try:
            spec = editor.spec()
            if spec is not None and value.dtype.kind in "fc":
                spec["dtype"] = value.dtype.name  # the value keeps its precision
            if parse_initializer(spec) == self.node.attrs["initializer"]:
                return None
        except ValueError as error:
            return str(error)
        return self.doc.execute(SetInitializer(self.doc, self.node.name, spec))

    def _set_attr_text(self, name: str, text: str) -> str | None:
        try:
            value = parse_tensor_text(text) if text.strip() else None
        except ValueError as error:
            return str(error)
        return self._set_attr(name, value)

    def _import_button(self) -> QPushButton:
        button = QPushButton("Import…")
        button.setObjectName("import_value")
        button.setToolTip("Read the value from a .npy file (np.save) or a .csv file")
        button.clicked.connect(self._import_value)
        return button

    def _import_value(self) -> None:
        """Ask for a .npy or .csv file and make its array the value."""
        node = self.node
        assert isinstance(node, (Placeholder, Variable, Constant)) and self.doc is not None
        path, _ = QFileDialog.getOpenFileName(self, f"Import a value for {node.name}", "",
                                              IMPORT_FILTER)
        if not path:
            return
        field = self.fields["value"]
        try:
            array = keep_kind(read_tensor_file(path), node.value)
        except ValueError as error:
            field.show_error(str(error))
            return
        refused = self.doc.execute(SetValue(self.doc, node.name, array))
        field.show_error(refused and f"{Path(path).name}: {refused}")

    def _set_value(self, text: str) -> str | None:
        node = self.node
        assert self.doc is not None  # set_scene came first
        if not text.strip():
            if isinstance(node, Placeholder):
                return None if node.value is None else self.doc.execute(
                    SetValue(self.doc, node.name, None))
            return "type a value"
        assert isinstance(node, (Placeholder, Variable, Constant))  # a source's form
        try:
            array = parse_value(text, node.value)
        except ValueError as error:
            return str(error)
        return self.doc.execute(SetValue(self.doc, node.name, array))
