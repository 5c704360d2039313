"""Scene items: nodes and wires, views of the engine graph."""

from editor.canvas.items.edge import EdgeItem, WireItem
from editor.canvas.items.node import NodeItem

__all__ = ["EdgeItem", "NodeItem", "WireItem"]
