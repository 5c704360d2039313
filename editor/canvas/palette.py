"""The palette: every op type of the engine's registry by category, to drag onto the canvas."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from editor import style
from editor.canvas.search import matches
from engine.registry import OpDef, all_ops, get_op

OP_MIME = "application/x-tensor-canvas-op"


CATEGORY_ORDER = ("Inputs", "Math", "Linear algebra", "Neural network", "Reduction",
                  "Comparison", "Array", "Loss", "Training")


def _category_rank(op: OpDef) -> int:
    """Inputs first, then the usual categories, then any others (sorted() keeps ties)."""
    return CATEGORY_ORDER.index(op.category) if op.category in CATEGORY_ORDER else len(
        CATEGORY_ORDER)


class OpTree(QTreeWidget):
    """Categories with their op types; dragging an op carries its type as :data:`OP_MIME`."""

    def __init__(self) -> None:
        super().__init__()
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)  # a drop never takes the entry away
        self.setIndentation(12)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        categories: dict[str, QTreeWidgetItem] = {}
        for op in sorted(all_ops(), key=_category_rank):
            parent = categories.get(op.category)
            if parent is None:
                parent = QTreeWidgetItem(self, [op.category])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = parent.font(0)
                font.setBold(True)
                parent.setFont(0, font)
                categories[op.category] = parent
            self._add_op(parent, op)
        self.expandAll()
        self.resizeColumnToContents(0)
        frame = 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(self.columnWidth(0) + self.sizeHintForColumn(1) + frame)

    def _add_op(self, parent: QTreeWidgetItem, op: OpDef) -> None:
        item = QTreeWidgetItem(parent, [op.type, op.symbol or ""])
        item.setData(0, Qt.ItemDataRole.UserRole, op.type)
        item.setToolTip(0, op.doc)
        item.setToolTip(1, op.doc)
        item.setIcon(0, style.swatch(style.op_color(op).rgba()))
        item.setForeground(1, style.MUTED_TEXT)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                      | Qt.ItemFlag.ItemIsDragEnabled)

    def op_item(self, op_type: str) -> QTreeWidgetItem:
        """The entry of ``op_type``."""
        for item in self.findItems(op_type,
                                   Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive, 0):
            if item.data(0, Qt.ItemDataRole.UserRole) == op_type:
                return item
        raise KeyError(op_type)

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [OP_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        data = QMimeData()
        types = [item.data(0, Qt.ItemDataRole.UserRole) for item in items
                 if item.data(0, Qt.ItemDataRole.UserRole)]
        if types:
            data.setData(OP_MIME, types[0].encode())
        return data


class Palette(QWidget):
    """A filter box over the :class:`OpTree`; activating an entry emits ``activated``."""

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter…")
        self.filter.setClearButtonEnabled(True)
        self.tree = OpTree()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree.itemActivated.connect(self._activate)

    def _apply_filter(self, text: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            category = self.tree.topLevelItem(i)
            assert category is not None  # i < topLevelItemCount()
            shown = 0
            for j in range(category.childCount()):
                item = category.child(j)
                assert item is not None  # j < childCount()
                visible = matches(get_op(item.data(0, Qt.ItemDataRole.UserRole)), text) is not None
                item.setHidden(not visible)
                shown += visible
            category.setHidden(shown == 0)

    def _activate(self, item: QTreeWidgetItem) -> None:
        op_type = item.data(0, Qt.ItemDataRole.UserRole)
        if op_type:
            self.activated.emit(op_type)
