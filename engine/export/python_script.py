"""A Python script that rebuilds a graph with ``import engine``: the TensorFlow-1-style API,
one line per node in the graph's order; running it writes a graph file equal to the original.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..data.binding import binding_of
from ..graph import Constant, Graph, Node, Placeholder, Variable
from ..io import atomic_write, encode_tensor
from . import Identifiers

HEAD = '''"""The graph {title}, rebuilt with Tensor Canvas's engine (written by Tensor Canvas).

    python {script} [OUT.json]      # writes the graph file (default: {title}.json)
"""

import sys

import engine as ts
from engine.io import decode_tensor


def tensor(data):
    """A tensor, stored exactly as in a graph file."""
    return decode_tensor(data, "tensor")


def build():
    """The graph: its nodes in order, then its layout and optimizer state."""
    with ts.Graph().as_default() as g:
'''

TAIL = '''    return g


if __name__ == "__main__":
    ts.save_graph(build(), sys.argv[1] if len(sys.argv) > 1 else {default!r})
'''


def python_script(graph: Graph, title: str = "graph", script: str = "graph.py") -> str:
    """The script's text."""
    variables = Identifiers("g", "ts", "tensor", "sys", "build")
    lines: list[str] = []
    later: list[str] = []
    defined: set[Node] = set()
    for node in graph.nodes:
        var = variables(node.name)
        lines.append(f"{var} = {_construct(node, variables, defined, later)}")
        defined.add(node)
    body = [*lines, *later]
    for node in graph.nodes:
        if node.state:
            state = ", ".join(f"{k!r}: tensor({encode_tensor(v)!r})" for k, v in node.state.items())
            body.append(f"g.set_state({node.name!r}, {{{state}}})")
    layout = {node.name: node.ui for node in graph.nodes if node.ui}
    if layout:
        body.append(f"for name, ui in {layout!r}.items():")
        body.append("    g.set_ui(name, **ui)")
    text = HEAD.format(title=title, script=script)
    text += "".join(f"        {line}\n" for line in body)
    return text + TAIL.format(default=f"{title}.json")


def write_python_script(graph: Graph, path: str | os.PathLike[str]) -> None:
    """Write :func:`python_script` to ``path`` (its name gives the graph's title)."""
    path = Path(path)
    atomic_write(path, python_script(graph, path.stem, path.name))


def _construct(node: Node, variables: Identifiers, defined: set[Node], later: list[str]
               ) -> str:
    """The expression making ``node``; wires into nodes made later go to ``later``."""
    name = f"name={node.name!r}"
    binding = binding_of(node)
    if isinstance(node, Placeholder) and binding is not None:
        # bound to a data set: the set's file, if any, gives its rows when the graph is opened
        rows = "" if binding["file"] is not None or node.value is None else \
            f", value=tensor({encode_tensor(node.value)!r})"
        return f"g.add_node({node.type!r}, {name}, attrs={{{_dict_items(node.attrs)}}}{rows})"
    if isinstance(node, Placeholder):
        default = "" if node.value is None else f", default=tensor({encode_tensor(node.value)!r})"
        return (f"ts.placeholder(shape={_literal(node.shape)}, dtype={node.dtype!r}, "
                f"{name}{default})")
    if isinstance(node, Variable):
        return (f"ts.Variable(tensor({encode_tensor(node.value)!r}), {name}, "  # type: ignore[arg-type]
                f"trainable={node.trainable!r}, initializer={_literal(node.initializer)})")
    if isinstance(node, Constant):
        return f"ts.constant(tensor({encode_tensor(node.value)!r}), {name})"  # type: ignore[arg-type]
    attrs = "".join(f", {k}={_literal(v)}" for k, v in node.attrs.items())
    if all(s is not None and s in defined for s in node.inputs) and node.type.isidentifier():
        inputs = "".join(f"{variables(s.name)}, " for s in node.inputs if s is not None)
        return f"ts.{node.type}({inputs}{name}{attrs})"
    for port, source in enumerate(node.inputs):
        if source is not None:
            later.append(f"g.connect({source.name!r}, {node.name!r}, {port})")
    return f"g.add_node({node.type!r}, {name}, attrs={{{_dict_items(node.attrs)}}})"


def _dict_items(attrs: dict[str, Any]) -> str:
    return ", ".join(f"{k!r}: {_literal(v)}" for k, v in attrs.items())


def _literal(value: Any) -> str:
    """A Python literal for an attribute value (tuples as lists, an initializer as a dict)."""
    if isinstance(value, dict):
        return "{" + _dict_items(value) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)
