"""Exports of a graph to other worlds, each checked by running what it writes: ONNX out and in
(:mod:`.onnx_out`, :mod:`.onnx_in`), a JAX training script (:mod:`.jax_script`), a Python
script for this engine (:mod:`.python_script`). The per-op forms they use live in
:mod:`engine.ops.forms`; onnx, onnxruntime and jax are optional (``pip install
'tensorcanvas[interop]'``)."""

from __future__ import annotations

import importlib
import keyword
import re
from collections.abc import Iterable
from types import ModuleType

import networkx as nx

from ..errors import EngineError
from ..graph import Graph, Node

INSTALL = "pip install 'tensorcanvas[interop]'"
"""How to install the optional packages the exports need."""


class ExportError(EngineError):
    """A graph cannot be exported, or a model imported; the message names the node."""


class MissingPackage(EngineError):
    """An optional package an export needs is not installed; the message says how to get it."""


def require(package: str, purpose: str) -> ModuleType:
    """Import ``package``, or raise :class:`MissingPackage` saying how to install it."""
    try:
        return importlib.import_module(package)
    except ImportError:
        raise MissingPackage(f"{purpose} needs the Python package '{package}', which is not "
                             f"installed: {INSTALL} (or pip install {package})") from None


def ancestry(graph: Graph, outputs: Iterable[Node]) -> list[Node]:
    """``outputs`` and every node they depend on, in a topological order that keeps the
    graph's order where it can; ``ExportError`` naming a node with an input left unwired."""
    outputs = list(outputs)
    needed = set(outputs).union(*(nx.ancestors(graph.nx, node) for node in outputs))
    index = {node: i for i, node in enumerate(graph.nodes) if node in needed}
    order = list(nx.lexicographical_topological_sort(graph.nx.subgraph(needed),
                                                     key=index.__getitem__))
    for node in order:
        for port, source in zip(node.op.inputs, node.inputs, strict=True):
            if source is None:
                raise ExportError(f"{node.label}: input '{port}' is not connected",
                                  node=node.name)
    return order


class Identifiers:
    """A distinct Python identifier for each node name, avoiding ``reserved`` words."""

    def __init__(self, *reserved: str) -> None:
        self.taken = set(reserved)
        self.given: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self.given:
            identifier = self.clean(name)
            base, k = identifier, 0
            while identifier in self.taken:
                k += 1
                identifier = f"{base}_{k}"
            self.taken.add(identifier)
            self.given[name] = identifier
        return self.given[name]

    def clean(self, name: str) -> str:
        """``name`` as an identifier, before it is made distinct."""
        identifier = re.sub(r"\W", "_", name)
        if keyword.iskeyword(identifier) or identifier in self.taken:
            identifier += "_"
        return identifier
