"""The graph file format (JSON, versioned): validate everything, then build; save atomically.

See docs/file-format.md. Loading never executes anything from the file.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import json
import math
import os
import re
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from . import jsontext
from .data.binding import attach, to_file
from .errors import FileFormatError
from .gcpause import gc_paused
from .graph import NAME_PATTERN, Graph, Node, Placeholder, _ValueNode
from .initializers import Initializer
from .limits import Limits
from .registry import get_op, has_op
from .store import EMPTY, lean_attrs
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


def decode_tensor(data: Any, where: str, limits: Limits | None = None, *,
                  consume: bool = False) -> np.ndarray:
    """The tensor stored at ``where``; ``FileFormatError`` saying what is wrong with it (a
    shape past ``limits`` is refused before anything is allocated). With ``consume``, its
    base64 text is taken out of ``data`` and let go as soon as it is decoded."""
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
    try:
        (limits or Limits.from_environment()).check_tensor(shape, dtype)
    except ValueError as error:
        raise FileFormatError(f"{where}.shape: {error}") from None
    if "base64" in data:
        held = [data.pop("base64") if consume else data["base64"]]
        return _decode_base64(held, dtype, tuple(shape), where)
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


BASE64_PIECE = 1 << 18
"""Characters of base64 decoded at a time (a multiple of 4; about a ms): between two pieces
other threads run — the window's, while a file is read in another thread."""


def _decode_base64(held: list[Any], dtype: str, shape: tuple[int, ...], where: str) -> np.ndarray:
    """The tensor of the base64 text in ``held`` (emptied: the text, as large as the tensor,
    goes once decoded), decoded a piece at a time into the tensor's memory."""
    if not isinstance(held[0], str):
        raise FileFormatError(f"{where}.base64: expected a string")
    text: str = held.pop()
    little = np.dtype(dtype).newbyteorder("<")
    expected = math.prod(shape) * little.itemsize
    out = np.empty(expected, np.uint8) if expected <= len(text) // 4 * 3 else None
    padding = text.find("=")
    # pieces of whole quads without padding, then the rest from the last quad before the
    # padding: each decoded as decoding the whole text would (whose rules for '=' differ
    # at its start)
    split = max(0, (padding if padding >= 0 else len(text)) // 4 * 4 - 4)
    pieces = [(at, min(at + BASE64_PIECE, split)) for at in range(0, split, BASE64_PIECE)]
    done = 0
    for start, end in [*pieces, (split, len(text))]:
        try:
            raw = base64.b64decode(text[start:end], validate=True)
        except ValueError:
            raise FileFormatError(f"{where}.base64: not valid base64") from None
        if out is not None and done + len(raw) <= expected:
            out[done:done + len(raw)] = np.frombuffer(raw, np.uint8)
        done += len(raw)
    del text
    if done != expected or out is None:
        raise FileFormatError(
            f"{where}.base64: holds {done} bytes; shape {list(shape)} of {dtype} needs "
            f"{expected}"
        )
    tensor: np.ndarray = out.view(little).astype(dtype, copy=False).reshape(shape)
    return tensor


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
        entry["ui"] = dict(node.ui)  # (a Pos is not a dict: see store.py)
    return entry


def graph_from_dict(data: Any, source: str = "graph", *, limits: Limits | None = None,
                    progress: Callable[[float], None] | None = None) -> Graph:
    """Validate file contents completely, then build the graph they describe (see
    :func:`load_graph` for ``limits`` and ``progress``). As when loading a file, a value
    the writer could not write back (NaN outside a tensor's elements, a lone surrogate) is
    refused with its place."""
    try:
        jsontext.check(data, (), _non_finite_allowed)
    except jsontext.JSONValueError as error:
        raise FileFormatError(f"{source}: {_place(error.path, data)}: {error.reason}") from None
    return _graph_from_checked(data, source, limits, _Progress(progress))


def _graph_from_checked(data: Any, source: str, limits: Limits | None, report: _Progress,
                        consume: bool = False) -> Graph:
    """The graph of checked JSON; with ``consume``, each node's entry in ``data`` is let go
    as soon as it is read (less memory at once: a loaded file's JSON is not needed again)."""
    with gc_paused():
        specs = _validate(data, source, limits or Limits.from_environment(), report.part(0, 0.6),
                          consume)
        return _build(specs, report.part(0.6, 1))


class _NodeSpec(NamedTuple):
    """A node's entry, checked (a tuple: a dict for each of many nodes made the load's peak
    higher)."""

    name: str
    op: str
    inputs: list[str | None]
    attrs: dict[str, Any]
    value: Any
    state: dict[str, np.ndarray]
    ui: dict[str, Any]
    place: int
    """Its index in the file's ``nodes``."""

    def at(self, source: str) -> str:
        """Where it is in the file, for a message."""
        return f"{source}: nodes[{self.place}] ('{self.name}')"


def _build(specs: list[_NodeSpec], report: _Progress) -> Graph:
    """The graph of validated node specs; each spec is let go (popped) once its node is made."""
    graph = Graph()
    count = len(specs)
    every = report.every(count)
    wiring: list[tuple[Node, list[str | None]]] = []
    specs.reverse()
    while specs:
        if len(wiring) % every == 0:
            report(len(wiring) / count)
        spec = specs.pop()
        node = graph.add_node(spec.op, name=spec.name, attrs=spec.attrs, value=spec.value,
                              ui=spec.ui)
        node.state = spec.state
        wiring.append((node, spec.inputs))
    for node, inputs in wiring:  # the wiring was checked to be acyclic: no check per wire
        for port, name in enumerate(inputs):
            if name is not None:
                graph._wire(graph.get_node(name), node, port)
    report(1)
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


def load_graph(path: str | os.PathLike[str], *, progress: Callable[[float], None] | None = None,
               limits: Limits | None = None) -> Graph:
    """Read a graph file; :class:`FileFormatError` says what is wrong and where.

    ``progress(fraction)``, if given, is called now and then (in the calling thread) with the
    share of the work done, from 0 to 1; it may raise :class:`Cancelled` to stop loading.
    ``limits`` (default: :meth:`Limits.from_environment`) bound the tensors and the node
    count the file may claim.
    """
    path = Path(path)
    report = _Progress(progress)
    try:
        text = _read_text(path, report.part(0, 0.15))
        data = parse_text(text, str(path))
        del text
        report(0.35)
        graph = _graph_from_checked(data, str(path), limits, report.part(0.35, 1), consume=True)
    except MemoryError:
        raise FileFormatError(f"{path}: too big to load in the memory left") from None
    attach(graph, path.resolve().parent)
    return graph


def graph_from_text(text: str, source: str, *, limits: Limits | None = None) -> Graph:
    """The graph of file contents given as text (the clipboard's), checked as
    :func:`load_graph` checks a file's; ``source`` starts each message."""
    return _graph_from_checked(parse_text(text, source), source, limits, _Progress(None),
                               consume=True)


def parse_text(text: str, source: str) -> Any:
    """File contents as JSON, strictly (see :mod:`engine.jsontext`); ``FileFormatError``
    naming the line and column of a syntax error, or the place of a refused value."""
    try:
        with gc_paused():
            return jsontext.loads(text, _non_finite_allowed)
    except RecursionError:
        raise FileFormatError(f"{source}: nested too deeply to be a graph file") from None
    except json.JSONDecodeError as error:
        if not text.strip():
            raise FileFormatError(f"{source}: the file is empty") from None
        cut = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        hint = " (the file looks truncated)" if cut else ""
        raise FileFormatError(
            f"{source}: not valid JSON at line {error.lineno}, column {error.colno}: "
            f"{error.msg}{hint}"
        ) from None
    except jsontext.JSONValueError as error:
        raise FileFormatError(f"{source}: {_place(error.path, error.document)}: "
                              f"{error.reason}") from None


def _non_finite_allowed(path: jsontext.JSONPath) -> bool:
    """NaN and ±Infinity are read among a tensor's elements only: ``nodes[i].value.data…``,
    ``nodes[i].default.data…`` and ``nodes[i].state.KEY.data…``."""
    if len(path) < 4 or path[0] != "nodes":
        return False
    if path[2] in ("value", "default"):
        return path[3] == "data"
    return path[2] == "state" and len(path) > 4 and path[4] == "data"


def _place(path: jsontext.JSONPath, document: Any) -> str:
    """A JSON path as messages write it, with the node's name: ``nodes[3] ('m').attrs``."""
    text = jsontext.format_path(path) or "the top level"
    if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
        try:
            name = document["nodes"][path[1]]["name"]
        except (KeyError, IndexError, TypeError):
            return text
        if isinstance(name, str) and NAME_PATTERN.fullmatch(name):
            head = jsontext.format_path(path[:2])
            text = f"{head} ('{name}'){text[len(head):]}"
    return text


_CHUNK = 1 << 20
"""Bytes read and decoded at a time (about a ms)."""


def _read_text(path: Path, report: _Progress) -> str:
    """The file's text, read and decoded a chunk at a time (reporting progress; between two,
    other threads run); not UTF-8 names the place."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pieces: list[str] = []
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):  # a folder, a device, a pipe: never a graph
                raise FileFormatError(f"{path}: cannot read it (not a file)")
            size, done = info.st_size, 0
            while chunk := f.read(_CHUNK):  # (to the end: a file that grew meanwhile too)
                pieces.append(decoder.decode(chunk))
                done += len(chunk)
                report(min(done / size, 1.0))
            pieces.append(decoder.decode(b"", final=True))
    except OSError as error:
        raise FileFormatError(f"{path}: cannot read it ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error, "".join(pieces)) from None
    return "".join(pieces)


def _not_utf8(path: Path, error: UnicodeDecodeError, before: str) -> FileFormatError:
    """The refusal of a file whose text is ``before`` (decoded), then ``error.object``."""
    data, at = error.object, error.start
    line = before.count("\n") + data.count(b"\n", 0, at) + 1
    newline = data.rfind(b"\n", 0, at)
    if newline < 0:  # the line began in the text before
        newline = -len(before[before.rfind("\n") + 1:].encode("utf-8")) - 1
    return FileFormatError(f"{path}: cannot read it: not UTF-8 text (byte 0x{data[at]:02x} at "
                           f"line {line}, column {at - newline})")


class _Progress:
    """Reports the share done of a part of the work, ``[start, end]`` of the whole."""

    def __init__(self, report: Callable[[float], None] | None, start: float = 0.0,
                 end: float = 1.0) -> None:
        self.report, self.start, self.end = report, start, end

    def __call__(self, done: float) -> None:
        if self.report is not None:
            self.report(self.start + (self.end - self.start) * done)

    def part(self, start: float, end: float) -> _Progress:
        width = self.end - self.start
        return _Progress(self.report, self.start + width * start, self.start + width * end)

    def every(self, count: int) -> int:
        """How many items go between two reports: a hundred reports in all."""
        return max(1, count // 100) if self.report is not None else count + 1


def cannot_write(path: str | os.PathLike[str]) -> str | None:
    """Why saving to ``path`` would fail — it is a folder, its folder is missing, or we may not
    write there — or None if it would not (asked before long work whose result is saved)."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        return "is a folder, not a file"
    folder = target.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                                     dir=folder)
    except OSError as error:
        return f"cannot write in the folder {folder} ({error.strerror or error})"
    os.close(fd)
    os.unlink(probe)
    if target.exists() and not os.access(target, os.W_OK):
        return "the file is read-only"
    return None


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to a temporary file beside ``path``, sync it, then rename it over.

    The file keeps its permissions (a new one gets ``0o666 & ~umask``, as ``open`` would
    give it); a symbolic link is written through to its target and stays a link. A file with
    other hard links is rewritten in place once the complete copy is on disk, so that its
    links keep sharing it (if that write fails, the copy is kept and the error names it).
    Temporaries of ours beside the target that a killed save left behind are removed.
    """
    path = Path(os.path.realpath(path))
    folder = path.parent
    _remove_stale_temporaries(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            _take_permissions(tmp, path)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if not _hard_linked(path):
            os.replace(tmp, path)
            return
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        _write_in_place(path, data)
    except OSError as error:
        raise OSError(error.errno, f"{error.strerror}; the complete file is kept in {tmp}",
                      str(path)) from None
    os.unlink(tmp)


def _hard_linked(path: Path) -> bool:
    try:
        return os.stat(path).st_nlink > 1
    except FileNotFoundError:
        return False


def _write_in_place(path: Path, data: bytes) -> None:
    """Overwrite the file at ``path`` with ``data`` (the same inode: its hard links follow)."""
    with open(path, "r+b") as f:
        f.write(data)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())


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


def _validate(data: Any, source: str, limits: Limits, report: _Progress,
              consume: bool = False) -> list[_NodeSpec]:
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
    try:
        limits.check_nodes(len(nodes))
    except ValueError as error:
        raise FileFormatError(f"{source}: nodes: {error}") from None
    specs: list[_NodeSpec] = []
    every = report.every(len(nodes))
    for i, entry in enumerate(nodes):
        if i % every == 0:
            report(i / len(nodes))
        specs.append(_node_spec(entry, source, i, limits, consume))
        if consume:
            nodes[i] = None
    names: dict[str, _NodeSpec] = {}
    for spec in specs:
        if spec.name in names:
            raise FileFormatError(f"{spec.at(source)}: duplicate node name '{spec.name}'")
        names[spec.name] = spec
    for spec in specs:
        for port, name in enumerate(spec.inputs):
            if name is not None and name not in names:
                raise FileFormatError(
                    f"{spec.at(source)}.inputs[{port}]: no node named '{name}' in the file")
    if _acyclic(names):
        return specs
    wiring: nx.DiGraph[str] = nx.DiGraph()  # (only to name the loop)
    wiring.add_nodes_from(names)
    wiring.add_edges_from((i, s.name) for s in specs for i in s.inputs if i is not None)
    cycle = nx.find_cycle(wiring)
    loop = " → ".join([u for u, _ in cycle] + [cycle[0][0]])
    raise FileFormatError(f"{source}: the wiring has a cycle: {loop}")


def _acyclic(specs: dict[str, _NodeSpec]) -> bool:
    """Whether the wiring of ``specs`` (by name) has no cycle: a depth-first walk up the
    inputs. (A networkx graph of the names took 5.7 MB for 10,000 nodes, more than the graph
    being loaded; and its cached views held it in a cycle, which the editor's reading thread
    froze.)"""
    done: set[str] = set()
    for start in specs:
        if start in done:
            continue
        walking = {start}
        stack = [(start, iter(specs[start].inputs))]
        while stack:
            name, inputs = stack[-1]
            for source in inputs:
                if source is None or source in done:
                    continue
                if source in walking:
                    return False
                walking.add(source)
                stack.append((source, iter(specs[source].inputs)))
                break
            else:
                stack.pop()
                walking.discard(name)
                done.add(name)
    return True


def _node_spec(entry: Any, source: str, index: int, limits: Limits, consume: bool
               ) -> _NodeSpec:
    where = f"{source}: nodes[{index}]"
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
        attrs = lean_attrs(opdef.parse_attrs(attrs))
    except ValueError as error:
        raise FileFormatError(f"{where}.attrs: {error}") from None
    _check_initializers(attrs, where, limits)
    ui = entry.get("ui", EMPTY)
    if not isinstance(ui, dict):
        raise FileFormatError(f"{where}.ui: expected an object")
    if not _shallow(ui):
        _check_depth(ui, f"{where}.ui")
    value = _node_value(entry, opdef.kind, attrs, where, limits, consume)
    state = entry.get("state", {})
    if not isinstance(state, dict):
        raise FileFormatError(f"{where}.state: expected an object of named tensors")
    state = {key: decode_tensor(data, f"{where}.state[{key!r}]", limits, consume=consume)
             for key, data in state.items()} or EMPTY
    return _NodeSpec(name, op_type, inputs, attrs, value, state, ui, index)


def _node_value(entry: dict[str, Any], kind: str, attrs: dict[str, Any], where: str,
                limits: Limits, consume: bool) -> Any:
    field = {"placeholder": "default", "variable": "value", "constant": "value"}.get(kind)
    for other in ("value", "default"):
        if other in entry and other != field:
            raise FileFormatError(f"{where}: a {entry['op']} node has no '{other}'")
    if field is None or (field == "default" and "default" not in entry):
        return None
    if field not in entry:
        raise FileFormatError(f"{where}: a {kind} needs a '{field}'")
    array = decode_tensor(entry[field], f"{where}.{field}", limits, consume=consume)
    if kind == "placeholder":
        try:
            Placeholder.fit(array, attrs["shape"], attrs["dtype"])
        except ValueError as error:
            raise FileFormatError(f"{where}.default: {error}") from None
    return array


_UI_DEPTH = 32
"""How deeply a node's ``ui`` may nest: deep enough for any editor, shallow enough to write
back from anywhere (a JSON writer recurses)."""


def _shallow(ui: dict[str, Any]) -> bool:
    """Whether ``ui`` nests at most two deep (as the editor's does): no need to look further."""
    for value in ui.values():
        if isinstance(value, (dict, list)):
            for item in value.values() if isinstance(value, dict) else value:
                if isinstance(item, (dict, list)):
                    return False
    return True


def _check_depth(ui: dict[str, Any], where: str) -> None:
    try:
        jsontext.check(ui, max_depth=_UI_DEPTH)
    except jsontext.JSONValueError as error:
        raise FileFormatError(f"{where}{_joined(jsontext.format_path(error.path))}: "
                              f"{error.reason}") from None


def _joined(place: str) -> str:
    return place if not place or place.startswith("[") else f".{place}"


def _check_initializers(attrs: dict[str, Any], where: str, limits: Limits) -> None:
    """An initializer must draw a tensor within ``limits`` (it is drawn on Reset variables)."""
    for name, value in attrs.items():
        if isinstance(value, Initializer):
            try:
                limits.check_tensor(value["shape"], value["dtype"])
            except ValueError as error:
                raise FileFormatError(f"{where}.attrs.{name}.shape: {error}") from None
