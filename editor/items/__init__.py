"""Scene items: nodes and wires, views of the engine graph."""

from .edge import EdgeItem, WireItem
from .node import NodeItem

__all__ = ["EdgeItem", "NodeItem", "WireItem"]
