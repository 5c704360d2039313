"""The graph file format (JSON, versioned): validate everything, then build; save atomically.

See docs/file-format.md. Loading never executes anything from the file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import re
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from .data.binding import attach, to_file
from .errors import FileFormatError
from .gcpause import gc_paused
from .graph import Graph, Node, Placeholder, _ValueNode
from .registry import get_op, has_op
from .tensors import DTYPES

FORMAT_NAME = "tensor-canvas-graph"
FORMAT_VERSION = 2
"""Version 2 added placeholders' ``binding`` attribute (engine/data/binding.py)."""
READABLE_LIMIT = 64
"""Tensors of at most this many finite real elements are stored as nested lists."""


# ---- tensors --------------------------------------------------------------------------------


def encode_tensor(array: np.ndarray) -> dict[str, Any]:
    """A tensor as JSON: nested lists when small and finite, else base64 of its bytes."""
    array = np.asarray(array)
    out: dict[str, Any] = {"dtype": array.dtype.name, "shape": list(array.shape)}
    readable = array.size <= READABLE_LIMIT and array.dtype.kind in "biuf"
    if readable and (array.dtype.kind != "f" or np.isfinite(array).all()):
        out["data"] = array.tolist()
    else:
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        out["base64"] = base64.b64encode(raw).decode()
    return out


def decode_tensor(data: Any, where: str) -> np.ndarray:
    """The tensor stored at ``where``; ``FileFormatError`` saying what is wrong with it."""
    if not isinstance(data, dict):
        raise FileFormatError(f"{where}: a tensor is an object with dtype, shape and data")
    dtype = data.get("dtype")
    if dtype not in DTYPES:
        raise FileFormatError(f"{where}.dtype: unknown dtype {dtype!r}")
    shape = data.get("shape")
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise FileFormatError(f"{where}.shape: expected a list of sizes ≥ 0, got {shape!r}")
    unknown = set(data) - {"dtype", "shape", "data", "base64"}
    if unknown:
        raise FileFormatError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if ("data" in data) == ("base64" in data):
        raise FileFormatError(f"{where}: a tensor has either 'data' or 'base64'")
    if "base64" in data:
        return _decode_base64(data["base64"], dtype, tuple(shape), where)
    return _decode_data(data["data"], dtype, tuple(shape), f"{where}.data")


_DATA_TYPES: dict[str, set[type]] = {
    "b": {bool}, "i": {int}, "u": {int}, "f": {int, float}, "c": {int, float},
}
"""The JSON values a readable tensor of each dtype kind may hold (no float truncated to int)."""


def _decode_data(values: Any, dtype: str, shape: tuple[int, ...], where: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=dtype)  # refuses ragged lists and out-of-range integers
        wrong = {type(v) for v in np.array(values, dtype=object).flat}
        wrong -= _DATA_TYPES[array.dtype.kind]
        if wrong:
            names = ", ".join(sorted(t.__name__ for t in wrong))
            raise ValueError(f"{names} values do not fit {dtype}")
    except (ValueError, TypeError, OverflowError) as error:
        raise FileFormatError(f"{where}: cannot be read as {dtype} ({error})") from None
    if array.size == 0 == math.prod(shape):  # [] stands for any empty shape
        array = array.reshape(shape)
    if array.shape != shape:
        raise FileFormatError(f"{where}: has shape {list(array.shape)}, not {list(shape)}")
    return array


def _decode_base64(text: Any, dtype: str, shape: tuple[int, ...], where: str) -> np.ndarray:
    if not isinstance(text, str):
        raise FileFormatError(f"{where}.base64: expected a string")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise FileFormatError(f"{where}.base64: not valid base64") from None
    little = np.dtype(dtype).newbyteorder("<")
    expected = math.prod(shape) * little.itemsize
    if len(raw) != expected:
        raise FileFormatError(
            f"{where}.base64: holds {len(raw)} bytes; shape {list(shape)} of {dtype} needs "
            f"{expected}"
        )
    return np.frombuffer(raw, dtype=little).astype(dtype).reshape(shape)


# ---- graphs ---------------------------------------------------------------------------------


def graph_to_dict(graph: Graph, nodes: list[Node] | None = None) -> dict[str, Any]:
    """The file contents for ``graph`` (or for ``nodes`` of it: wires to other nodes are
    left out, as when copying a selection)."""
    chosen = graph.nodes if nodes is None else nodes
    names = {n.name for n in chosen}
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "nodes": [_node_to_dict(n, names) for n in chosen],
    }


def _node_to_dict(node: Node, names: set[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": node.name, "op": node.type}
    if node.inputs:
        entry["inputs"] = [s.name if s is not None and s.name in names else None
                           for s in node.inputs]
    attrs = {k: list(v) if isinstance(v, tuple) else v for k, v in node.attrs.items()}
    if attrs:
        entry["attrs"] = attrs
    if isinstance(node, _ValueNode) and node.value is not None:
        entry["default" if isinstance(node, Placeholder) else "value"] = encode_tensor(node.value)
    if node.state:
        entry["state"] = {key: encode_tensor(array) for key, array in node.state.items()}
    if node.ui:
        entry["ui"] = node.ui
    return entry


def graph_from_dict(data: Any, source: str = "graph") -> Graph:
    """Validate file contents completely, then build the graph they describe."""
    with gc_paused():
        return _build(_validate(data, source))


def _build(specs: list[dict[str, Any]]) -> Graph:
    graph = Graph()
    for spec in specs:
        node = graph.add_node(spec["op"], name=spec["name"], attrs=spec["attrs"],
                              value=spec["value"], ui=spec["ui"])
        node.state = spec["state"]
        spec["node"] = node
    by_name = {spec["name"]: spec["node"] for spec in specs}
    for spec in specs:  # the wiring was checked to be acyclic: no check per wire
        for port, name in enumerate(spec["inputs"]):
            if name is not None:
                graph._wire(by_name[name], spec["node"], port)
    return graph


def save_graph(graph: Graph, path: str | os.PathLike[str]) -> None:
    """Write ``graph`` to ``path`` atomically: the old file stays intact if anything fails."""
    path = Path(path)
    atomic_write(path, dumps(to_file(graph_to_dict(graph), path.resolve().parent)))


def dumps(data: dict[str, Any]) -> str:
    """File contents as text: one node per line, so files read and diff well."""
    head = {k: v for k, v in data.items() if k != "nodes"}
    lines = [json.dumps(node, allow_nan=False, ensure_ascii=False) for node in data["nodes"]]
    body = ",\n  ".join(lines)
    return json.dumps(head)[:-1] + f', "nodes": [\n  {body}\n]}}\n'.replace("[\n  \n]", "[]")


def load_graph(path: str | os.PathLike[str]) -> Graph:
    """Read a graph file; :class:`FileFormatError` says what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FileFormatError(f"{path}: cannot read it ({error})") from None
    try:
        with gc_paused():
            data = json.loads(text)
    except RecursionError:
        raise FileFormatError(f"{path}: nested too deeply to be a graph file") from None
    except json.JSONDecodeError as error:
        if not text.strip():
            raise FileFormatError(f"{path}: the file is empty") from None
        cut = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        hint = " (the file looks truncated)" if cut else ""
        raise FileFormatError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: "
            f"{error.msg}{hint}"
        ) from None
    graph = graph_from_dict(data, str(path))
    attach(graph, path.resolve().parent)
    return graph


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, sync it, then rename it over.

    The file keeps its permissions (a new one gets ``0o666 & ~umask``, as ``open`` would
    give it); a symbolic link is written through to its target and stays a link.
    Temporaries of ours beside the target that a killed save left behind are removed.
    """
    path = Path(os.path.realpath(path))
    folder = path.parent
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            _take_permissions(tmp, path)
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _take_permissions(tmp: str, path: Path) -> None:
    """Give ``tmp`` the mode (and, where allowed, the owner and group) of ``path``, or the
    mode a new file gets (``mkstemp`` makes it 0600)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    mine = os.stat(tmp)
    if (st.st_uid, st.st_gid) != (mine.st_uid, mine.st_gid):
        with contextlib.suppress(OSError, AttributeError):  # only root may give a file away;
            os.chown(tmp, st.st_uid, st.st_gid)  # a group of ours may be kept


_TEMPORARY = re.compile(r"(?:(\d+)\.)?[a-z0-9_]{8}")
"""What ``mkstemp`` puts between ``.NAME.`` and ``.tmp``: our process id and 8 random
characters (without the id: from a version that did not write it)."""


def _remove_stale_temporaries(path: Path) -> None:
    """Remove ``.NAME.PID.XXXXXXXX.tmp`` beside ``path`` whose process is gone (a save that
    was killed midway); another process's save in progress keeps its file."""
    prefix = f".{path.name}."
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        match = _TEMPORARY.fullmatch(name[len(prefix):-len(".tmp")])
        if match is None:
            continue
        pid = match.group(1)
        if pid is None or not _process_alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # another thread of ours is saving; on
        return True  # Windows, os.kill would end the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0  # it exists (another user's); an absurd id is no process
    return True


_umask_lock = threading.Lock()


def _umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:  # elsewhere: set it and put it back
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


# ---- validation -----------------------------------------------------------------------------


def _validate(data: Any, source: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise FileFormatError(f"{source}: the file holds {type(data).__name__}, not a graph object")
    if data.get("format") != FORMAT_NAME:
        raise FileFormatError(f"{source}: not a Tensor Canvas graph (format is "
                              f"{data.get('format')!r}, expected {FORMAT_NAME!r})")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FileFormatError(f"{source}: format_version must be a whole number ≥ 1")
    if version > FORMAT_VERSION:
        raise FileFormatError(f"{source}: written in format version {version}; this version of "
                              f"Tensor Canvas reads up to {FORMAT_VERSION}")
    unknown = set(data) - {"format", "format_version", "nodes"}
    if unknown:
        raise FileFormatError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        raise FileFormatError(f"{source}: 'nodes' must be a list")
    specs = [_node_spec(entry, f"{source}: nodes[{i}]") for i, entry in enumerate(nodes)]
    names: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if spec["name"] in names:
            raise FileFormatError(f"{spec['where']}: duplicate node name '{spec['name']}'")
        names[spec["name"]] = spec
    for spec in specs:
        for port, name in enumerate(spec["inputs"]):
            if name is not None and name not in names:
                raise FileFormatError(
                    f"{spec['where']}.inputs[{port}]: no node named '{name}' in the file")
    wiring: nx.DiGraph[str] = nx.DiGraph()
    wiring.add_nodes_from(names)
    wiring.add_edges_from((i, s["name"]) for s in specs for i in s["inputs"] if i is not None)
    if nx.is_directed_acyclic_graph(wiring):  # fast; find_cycle only to name the loop
        return specs
    cycle = nx.find_cycle(wiring)
    loop = " → ".join([u for u, _ in cycle] + [cycle[0][0]])
    raise FileFormatError(f"{source}: the wiring has a cycle: {loop}")


def _node_spec(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise FileFormatError(f"{where}: a node is an object, not {type(entry).__name__}")
    name = entry.get("name")
    if not isinstance(name, str):
        raise FileFormatError(f"{where}.name: expected a string, got {name!r}")
    try:
        Graph._check_name(name)
    except ValueError as error:
        raise FileFormatError(f"{where}.name: {error}") from None
    where = f"{where} ('{name}')"
    unknown = set(entry) - {"name", "op", "inputs", "attrs", "value", "default", "state", "ui"}
    if unknown:
        raise FileFormatError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    op_type = entry.get("op")
    if not isinstance(op_type, str) or not has_op(op_type):
        raise FileFormatError(f"{where}.op: unknown op type {op_type!r}")
    opdef = get_op(op_type)
    inputs = entry.get("inputs", [None] * len(opdef.inputs))
    if not isinstance(inputs, list) or len(inputs) != len(opdef.inputs) or not all(
        i is None or isinstance(i, str) for i in inputs
    ):
        raise FileFormatError(f"{where}.inputs: {op_type} takes a list of {len(opdef.inputs)} "
                              f"input names (or nulls), got {inputs!r}")
    attrs = entry.get("attrs", {})
    if not isinstance(attrs, dict):
        raise FileFormatError(f"{where}.attrs: expected an object")
    try:
        attrs = opdef.parse_attrs(attrs)
    except ValueError as error:
        raise FileFormatError(f"{where}.attrs: {error}") from None
    ui = entry.get("ui", {})
    if not isinstance(ui, dict):
        raise FileFormatError(f"{where}.ui: expected an object")
    value = _node_value(entry, opdef.kind, attrs, where)
    state = entry.get("state", {})
    if not isinstance(state, dict):
        raise FileFormatError(f"{where}.state: expected an object of named tensors")
    state = {key: decode_tensor(data, f"{where}.state[{key!r}]") for key, data in state.items()}
    return {"name": name, "op": op_type, "inputs": inputs, "attrs": attrs, "value": value,
            "state": state, "ui": ui, "where": where}


def _node_value(entry: dict[str, Any], kind: str, attrs: dict[str, Any], where: str) -> Any:
    field = {"placeholder": "default", "variable": "value", "constant": "value"}.get(kind)
    for other in ("value", "default"):
        if other in entry and other != field:
            raise FileFormatError(f"{where}: a {entry['op']} node has no '{other}'")
    if field is None or (field == "default" and "default" not in entry):
        return None
    if field not in entry:
        raise FileFormatError(f"{where}: a {kind} needs a '{field}'")
    array = decode_tensor(entry[field], f"{where}.{field}")
    if kind == "placeholder":
        try:
            Placeholder.fit(array, attrs["shape"], attrs["dtype"])
        except ValueError as error:
            raise FileFormatError(f"{where}.default: {error}") from None
    return array

