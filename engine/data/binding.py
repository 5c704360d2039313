"""Bindings: a data set's arrays bound to placeholders (features → X, labels → c).

A bound placeholder's default is the array, and its ``binding`` attribute says where the array
came from (see :func:`engine.ops.sources.parse_binding`). In a graph file a small data set is
embedded (the default is saved as usual); a large one read from a file is referenced by a path
relative to the graph file and the file's SHA-256, and read again on open. A missing or changed
file leaves the placeholder without a value — the graph still opens — and :func:`problem`
says why.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ..graph import Graph, Node, Placeholder
from .batches import split
from .dataset import DataError, Dataset, standardized
from .loaders import Cancelled, Progress, check_size, file_digest, load

BINDING = "binding"
"""The placeholder attribute holding a binding."""
EMBED_LIMIT = 1 << 20
"""Bound arrays of more bytes than this (together) are referenced by file, not embedded."""
READ_OPTIONS = ("features", "label", "encoding")
"""The options of a binding that :func:`engine.data.load` takes."""

Change = tuple[Placeholder, dict[str, Any] | None, np.ndarray | None]
"""One placeholder's new binding and default."""


def binding_of(node: Node) -> dict[str, Any] | None:
    """A placeholder's binding, or ``None``."""
    found: dict[str, Any] | None = node.attrs.get(BINDING) if isinstance(node, Placeholder) \
        else None
    return found


def bound(nodes: Iterable[Node]) -> list[tuple[Placeholder, dict[str, Any]]]:
    """The bound placeholders among ``nodes``, with their bindings."""
    return [(n, n.attrs[BINDING]) for n in nodes
            if isinstance(n, Placeholder) and n.attrs.get(BINDING) is not None]


def plan_binding(graph: Graph, data: Dataset, arrays: Mapping[str, str], *,
                 file: str | os.PathLike[str] | None = None,
                 options: Mapping[str, Any] | None = None,
                 embed: bool | None = None) -> list[Change]:
    """What binding ``data``'s arrays to placeholders (name → array) changes, checked whole
    before anything changes: :class:`DataError` naming the placeholder and array that does not
    fit. ``file`` is where the data were read from (with the reading ``options``): the binding
    references it when ``embed`` is false, or ``None`` and the arrays exceed
    :data:`EMBED_LIMIT` bytes."""
    if not arrays:
        raise DataError(f"{data.name}: no placeholder to bind")
    chosen = {name: data.arrays.get(array) for name, array in arrays.items()}
    size = sum(a.nbytes for a in chosen.values() if a is not None)
    reference = file is not None and (embed is False or embed is None and size > EMBED_LIMIT)
    source = {"file": str(Path(file).resolve()), "sha256": file_digest(file)} if reference \
        and file is not None else {}
    kept = dict(options or {})
    if data.classes:
        kept["classes"] = list(data.classes)
    if data.columns:
        kept["columns"] = {name: list(names) for name, names in data.columns.items()}
    changes: list[Change] = []
    for name, array in arrays.items():
        node = graph.get_node(name) if name in graph else None
        if not isinstance(node, Placeholder):
            raise DataError(f"{data.name}: {name!r} is not a placeholder of the graph", node=name)
        values = chosen[name]
        if values is None:
            raise DataError(f"{data.name}: no array {array!r} to bind to {name} (it has "
                            f"{', '.join(data.arrays)})", node=name)
        try:
            value = node.check(values)
        except ValueError as error:
            raise DataError(f"{data.name}, array '{array}' does not fit placeholder {name}: "
                            f"{error}", node=name) from None
        binding = {"set": data.name, "array": array, "file": None, "sha256": None,
                   "options": kept, **source}
        changes.append((node, binding, value))
    return changes


def apply(graph: Graph, changes: Iterable[Change]) -> None:
    """Give each placeholder its binding and default (from :func:`plan_binding`)."""
    for node, binding, value in changes:
        graph.set_attr(node, BINDING, binding)
        graph.set_value(node, value)


def bind(graph: Graph, data: Dataset, arrays: Mapping[str, str], **how: Any) -> None:
    """Bind ``data``'s arrays to placeholders, all or none (see :func:`plan_binding`)::

        ts.data.bind(graph, digits, {"X": "features", "c": "labels"})
    """
    apply(graph, plan_binding(graph, data, arrays, **how))


def bound_data(graph: Graph, names: Iterable[str] | None = None) -> tuple[Dataset, dict[str, str]]:
    """The data set bound to the graph's placeholders (those of ``names``, if given) and the
    bindings (placeholder → array): :class:`DataError` if none is bound, if they are bound to
    different data sets, or if a bound placeholder has no data (naming the cause)."""
    chosen = [graph.get_node(n) for n in names] if names is not None else graph.nodes
    found = bound(chosen)
    if not found:
        raise DataError("no placeholder is bound to a data set: bind one (or give --data)")
    sets = sorted({b["set"] for _, b in found})
    if len(sets) > 1:
        raise DataError(f"the placeholders are bound to several data sets ({', '.join(sets)}): "
                        "training takes one")
    arrays: dict[str, np.ndarray] = {}
    for node, binding in found:
        if node.value is None:
            raise DataError(problem(node) or f"{node.name} has no data", node=node.name)
        arrays[binding["array"]] = node.value
    options = found[0][1]["options"]
    data = Dataset(sets[0], arrays, dict(options.get("columns", {})),
                   tuple(options.get("classes", ())))
    return data, {n.name: b["array"] for n, b in found}


def bound_to(node: Node) -> tuple[Dataset, dict[str, str]]:
    """The data set bound to the placeholders ``node`` reads (a loss, or a train node's),
    and the bindings, as :func:`bound_data`."""
    graph = node.graph
    feeding = nx.ancestors(graph.nx, node)
    return bound_data(graph, [n.name for n in graph.nodes
                              if n in feeding and isinstance(n, Placeholder)])


def plan_rebinding(graph: Graph, name: str, array: tuple[str, str] | None) -> list[Change]:
    """Bind placeholder ``name`` to ``(data set, array)`` of a data set already bound in the
    graph (as its other placeholders are), or unbind it (``None``: it keeps its value);
    :class:`DataError` if the array does not fit."""
    node = graph.get_node(name)
    if not isinstance(node, Placeholder):
        raise DataError(f"{name!r} is not a placeholder", node=name)
    if array is None:
        return [(node, None, node.value)]
    chosen, wanted = array
    users = [(n, b) for n, b in bound(graph.nodes) if b["set"] == chosen]
    if not users:
        raise DataError(f"no data set {chosen!r} is bound in the graph", node=name)
    data, _ = bound_data(graph, [n.name for n, _ in users])
    if wanted not in data.arrays:
        raise DataError(f"{chosen}: no array {wanted!r} bound in the graph", node=name)
    try:
        value = node.check(data.arrays[wanted])
    except ValueError as error:
        raise DataError(f"{chosen}, array '{wanted}' does not fit placeholder {name}: {error}",
                        node=name) from None
    return [(node, {**users[0][1], "array": wanted}, value)]


def bound_arrays(graph: Graph) -> list[tuple[str, str]]:
    """Every (data set, array) bound in the graph, in order."""
    return sorted({(b["set"], b["array"]) for _, b in bound(graph.nodes)})


def read_source(path: str | os.PathLike[str], options: Mapping[str, Any],
                progress: Progress | None = None, cancelled: Cancelled | None = None) -> Dataset:
    """A bound file read as its binding's ``options`` say (load options, and ``standardize``:
    the ``validation_split`` and ``seed`` whose training rows give the mean and deviation),
    telling ``progress`` and asking ``cancelled`` as :func:`engine.data.load` does."""
    data = load(path, progress=progress, cancelled=cancelled,
                **{k: v for k, v in options.items() if k in READ_OPTIONS})
    how = options.get("standardize")
    if isinstance(how, dict):
        rows = split(data.rows, float(how.get("validation_split", 0.0)),
                     int(how.get("seed", 0))).train
        data = standardized(data, str(how.get("array", "features")), rows)
    return data


# ---- files ----------------------------------------------------------------------------------


def to_file(contents: dict[str, Any], folder: str | os.PathLike[str]) -> dict[str, Any]:
    """File contents with each referenced binding's path relative to ``folder`` (where the
    graph file goes) and its data left out (the file holds it)."""
    for entry in contents["nodes"]:
        binding = entry.get("attrs", {}).get(BINDING)
        if binding is None or binding["file"] is None:
            continue
        relative = os.path.relpath(binding["file"], folder)
        entry["attrs"] = {**entry["attrs"],
                          BINDING: {**binding, "file": Path(relative).as_posix()}}
        entry.pop("default", None)
    return contents


def attach(graph: Graph, folder: str | os.PathLike[str]) -> None:
    """Read the files a just-opened graph's bindings reference (paths relative to ``folder``,
    made absolute), giving their placeholders their data; a file that is missing, changed or
    unreadable leaves its placeholder without (see :func:`problem`)."""
    read: dict[tuple[str, str], Dataset | None] = {}
    for node, binding in bound(graph.nodes):
        if binding["file"] is None:
            continue
        path = Path(folder, binding["file"]).resolve()
        binding = {**binding, "file": str(path)}
        node.attrs = {**node.attrs, BINDING: binding}
        key = (str(path), repr(sorted(binding["options"].items())))
        if key not in read:
            read[key] = None if _file_problem(binding) else _try_read(path, binding["options"])
        data = read[key]
        if data is not None and binding["array"] in data.arrays:
            try:
                node._value = node.check(data.arrays[binding["array"]])
            except ValueError:
                continue


def _try_read(path: Path, options: Mapping[str, Any]) -> Dataset | None:
    try:
        return read_source(path, options)
    except DataError:
        return None


_digests: dict[tuple[str, int, int], str] = {}
"""File digests by (path, size, modification time), so a file is hashed once."""


def problem(node: Node) -> str | None:
    """Why a bound placeholder has no data (its file missing, changed or unreadable), else
    ``None``."""
    binding = binding_of(node)
    if binding is None or binding["file"] is None or not isinstance(node, Placeholder) \
            or node.value is not None:
        return None
    where = f"placeholder '{node.name}' is bound to {Path(binding['file']).name} " \
            f"({binding['array']})"
    found = _file_problem(binding)
    if found is not None:
        return f"{where}, {found}"
    try:
        data = read_source(binding["file"], binding["options"])
    except DataError as error:
        return f"{where}, which cannot be read: {error.args[0]}"
    if binding["array"] not in data.arrays:
        return f"{where}, which has no array {binding['array']!r}"
    return f"{where}, whose array does not fit it"


def _file_problem(binding: Mapping[str, Any]) -> str | None:
    """What is wrong with a binding's file before reading it: missing, too big, changed."""
    path = Path(binding["file"])
    try:
        stat = path.stat()
    except OSError:
        return f"which is missing ({path}): put it back, or bind the data again"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    try:
        check_size(path)
        digest = _digests.get(key) or _digests.setdefault(key, file_digest(path))
    except (DataError, OSError) as error:
        return f"which cannot be read: {error}"
    if digest != binding["sha256"]:
        return ("which changed since the graph was saved (its SHA-256 differs): bind it "
                "again to use it")
    return None


def problems(graph: Graph) -> dict[str, str]:
    """Every bound placeholder without data, and why."""
    found = {node.name: problem(node) for node, _ in bound(graph.nodes)}
    return {name: text for name, text in found.items() if text is not None}
