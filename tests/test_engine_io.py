"""Saving and loading graphs: exact tensors, every dtype and shape, ui dicts, atomic saves."""

import base64
import gc
import json
import math
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine as ts
from engine import io
from engine.tensors import DTYPES

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [(), (0,), (3,), (2, 3), (0, 4), (2, 0, 3), (2, 1, 3, 1)]


def sample(dtype: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """A tensor of ``dtype`` and ``shape`` using the dtype's whole range of values."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    kind = np.dtype(dtype).kind
    if kind == "b":
        return rng.integers(0, 2, size).astype(bool).reshape(shape)
    if kind in "iu":
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, size, dtype=dtype, endpoint=True)
        values[: min(size, 2)] = [info.min, info.max][: min(size, 2)]
        return values.reshape(shape)
    values = rng.standard_normal(size) * 10.0 ** rng.integers(-5, 5, size)
    if kind == "c":
        values = values + 1j * rng.standard_normal(size)
    return values.astype(dtype).reshape(shape)


def round_trip(graph: ts.Graph, tmp_path) -> ts.Graph:
    path = tmp_path / "graph.json"
    ts.save_graph(graph, path)
    return ts.load_graph(path)


def identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, same shape, same bits."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_and_shape_round_trips_exactly(dtype, tmp_path):
    g = ts.Graph()
    values = {f"v{i}": sample(dtype, s, i) for i, s in enumerate(SHAPES)}
    values["big"] = sample(dtype, (50, 40))
    for name, value in values.items():
        g.add_node("variable", name=name, value=value)
    g.add_node("constant", name="c", value=values["v3"])
    g.add_node("placeholder", name="p", attrs={"shape": [None, 3], "dtype": dtype},
               value=values["v3"])
    loaded = round_trip(g, tmp_path)
    for name, value in values.items():
        assert identical(loaded.get_node(name).value, value), name
    assert identical(loaded.get_node("c").value, values["v3"])
    p = loaded.get_node("p")
    assert identical(p.default, values["v3"]) and (p.shape, p.dtype) == ((None, 3), dtype)


def test_float64_round_trips_bit_for_bit_with_nan_inf_and_signed_zero(tmp_path):
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308,
                        0.1, 1 / 3, np.pi])
    payload = np.array([0x7FF8_0000_DEAD_BEEF], dtype=np.uint64).view(np.float64)  # a NaN payload
    g = ts.Graph()
    g.add_node("constant", name="special", value=special)
    g.add_node("constant", name="payload", value=payload)
    g.add_node("constant", name="finite", value=special[4:])  # small and finite: readable
    loaded = round_trip(g, tmp_path)
    for name in ("special", "payload", "finite"):
        assert identical(loaded.get_node(name).value, g.get_node(name).value)


def test_small_tensors_are_readable_and_large_ones_compact():
    small = io.encode_tensor(np.array([[1.5, -2.0], [0.0, 3.0]]))
    assert small == {"dtype": "float64", "shape": [2, 2], "data": [[1.5, -2.0], [0.0, 3.0]]}
    large = io.encode_tensor(np.arange(1000, dtype=np.float32))
    assert set(large) == {"dtype", "shape", "base64"}
    assert len(large["base64"]) == 4 * math.ceil(4000 / 3)  # 1000 float32s, nothing more
    nan = io.encode_tensor(np.array([np.nan]))
    assert "base64" in nan  # JSON has no NaN: exact bytes instead


def test_base64_is_little_endian_c_order():
    data = io.encode_tensor(np.asfortranarray(np.arange(100, dtype=">i4").reshape(10, 10)))
    raw = base64.b64decode(data["base64"])
    assert np.array_equal(np.frombuffer(raw, "<i4").reshape(10, 10), np.arange(100).reshape(10, 10))


def test_graph_structure_attrs_and_ui_round_trip(tmp_path):
    ui = {"pos": [12.5, -3], "color": "#ff0000", "collapsed": True, "notes": {"a": [1, None]},
          "label": "ünïcödé ✓"}
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 2], dtype="float32", name="x", ui=ui)
        w = ts.Variable([[1.0], [2.0]], name="w", trainable=False)
        y = ts.matmul(x, w, name="layer/y")
        ts.reduce_sum(y, axis=[0, 1], keepdims=True, name="s")
        ts.softmax(y, axis=0, name="sm")
        ts.transpose(y, axes=[1, 0], name="t")
        ts.reshape(y, [-1], name="r")
        ts.add(y, y, name="twice")
    g.add_node("add", [y], name="loose")  # an unwired port survives too
    loaded = round_trip(g, tmp_path)
    assert [n.name for n in loaded.nodes] == [n.name for n in g.nodes]
    for node in g.nodes:
        twin = loaded.get_node(node.name)
        assert (twin.type, twin.attrs, twin.ui) == (node.type, node.attrs, node.ui)
        assert [i and i.name for i in twin.input_nodes] == [i and i.name for i in node.input_nodes]
    assert loaded.get_node("x").ui == ui and loaded.get_node("w").trainable is False
    feed = {"x": np.array([[1.0, 1.0]], dtype=np.float32)}
    assert ts.Session(loaded).run("s", feed) == ts.Session(g).run("s", feed) == 3.0


def test_file_order_is_kept_even_when_inputs_come_later(tmp_path):
    g = ts.Graph()
    late = g.add_node("negative", name="late")
    src = g.add_node("constant", name="src", value=2.0)
    g.connect(src, late, 0)
    g.add_node("constant", name="zzz", value=1.0)
    loaded = round_trip(g, tmp_path)
    assert [n.name for n in loaded.nodes] == ["late", "src", "zzz"]
    assert ts.Session(loaded).run("late") == -2.0


def test_files_read_well():
    g = ts.load_graph(os.path.join(os.path.dirname(__file__), "..", "resources", "examples",
                                   "affine.json"))
    text = io.dumps(io.graph_to_dict(g))
    head = '{"format": "tensor-canvas-graph", "format_version": 2, "nodes": ['
    assert text.splitlines()[0] == head
    assert len(text.splitlines()) == len(g) + 2  # one node per line
    assert json.loads(text) == io.graph_to_dict(g)
    assert io.dumps(io.graph_to_dict(ts.Graph())).strip().endswith('"nodes": []}')


def test_a_selection_is_saved_without_wires_to_the_rest():
    with ts.Graph().as_default() as g:
        x = ts.placeholder(name="x")
        y = ts.negative(x, name="y")
        z = ts.exp(y, name="z")
    data = io.graph_to_dict(g, [y, z])
    assert [n["name"] for n in data["nodes"]] == ["y", "z"]
    assert data["nodes"][0]["inputs"] == [None] and data["nodes"][1]["inputs"] == ["y"]
    assert [n.name for n in io.graph_from_dict(data).nodes] == ["y", "z"]


def test_saving_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "graph.json"
    good = ts.Graph()
    good.add_node("constant", name="old", value=1.0)
    ts.save_graph(good, path)
    before = path.read_bytes()
    new = ts.Graph()
    new.add_node("constant", name="new", value=np.arange(10_000.0))

    def failing_write(*args, **kwargs):
        raise OSError(28, "No space left on device")

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    for target, replacement in [(os, "replace"), (os, "fsync"), (io, "dumps")]:
        with monkeypatch.context() as patch:
            patch.setattr(target, replacement,
                          failing_fsync if replacement == "fsync" else failing_write)
            with pytest.raises(OSError):
                ts.save_graph(new, path)
        assert path.read_bytes() == before
        assert os.listdir(tmp_path) == ["graph.json"]  # no temporary file left behind


def test_saving_is_atomic_when_the_disk_fills_midway(tmp_path, monkeypatch):
    path = tmp_path / "graph.json"
    ts.save_graph(ts.Graph(), path)
    before = path.read_bytes()

    class FullDisk:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, text):
            self.f.write(text[: len(text) // 2])
            raise OSError(28, "No space left on device")

    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    g = ts.Graph()
    g.add_node("constant", name="c", value=np.arange(1000.0))
    with pytest.raises(OSError, match="No space"):
        ts.save_graph(g, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["graph.json"]


def test_saving_a_graph_that_cannot_be_encoded_changes_nothing(tmp_path):
    path = tmp_path / "graph.json"
    ts.save_graph(ts.Graph(), path)
    before = path.read_bytes()
    g = ts.Graph()
    g.add_node("constant", name="c", value=1.0, ui={"bad": float("nan")})
    with pytest.raises(ValueError):
        ts.save_graph(g, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["graph.json"]


def test_the_example_file_is_rewritten_identically_and_documented():
    root = os.path.join(os.path.dirname(__file__), "..")
    with open(os.path.join(root, "resources", "examples", "affine.json"), encoding="utf-8") as f:
        text = f.read()
    assert io.dumps(io.graph_to_dict(io.graph_from_dict(json.loads(text)))) == text
    with open(os.path.join(root, "docs", "file-format.md"), encoding="utf-8") as f:
        doc = f.read()
    example = doc.split("## Example", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    assert example == text


EXAMPLES = sorted((Path(__file__).parents[1] / "resources" / "examples").glob("*.json"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_opens_and_saves_byte_for_byte(example, tmp_path):
    """An example saved as it was opened is the same file (data sets' paths included: the
    copy keeps examples/ and datasets/ side by side)."""
    shutil.copytree(example.parents[1], tmp_path / "resources")
    copy = tmp_path / "resources" / "examples" / example.name
    io.save_graph(io.load_graph(copy), copy)
    assert copy.read_bytes() == example.read_bytes()


# ---- what a save does to the file's permissions, links and leftovers ---------------------


def saved_graph(name: str = "kept") -> ts.Graph:
    g = ts.Graph()
    g.add_node("constant", name=name, value=1.0)
    return g


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664], ids=oct)
def test_overwriting_a_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "graph.json"
    path.write_text("{}")
    path.chmod(mode)
    ts.save_graph(saved_graph(), path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert "kept" in ts.load_graph(path)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077], ids=oct)
def test_a_new_file_gets_the_default_mode_of_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        ts.save_graph(saved_graph(), tmp_path / "new.json")
        with open(tmp_path / "plain.json", "w") as f:  # what any program's new file gets
            f.write("{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o666 & ~mask
    assert (tmp_path / "new.json").stat().st_mode == (tmp_path / "plain.json").stat().st_mode


def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "data" / "graph.json"
    real.parent.mkdir()
    ts.save_graph(saved_graph("old"), real)
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(Path("data") / "graph.json")  # relative, as ln -s makes it
    ts.save_graph(saved_graph("new"), link)
    assert link.is_symlink() and os.readlink(link) == str(Path("data") / "graph.json")
    assert "new" in ts.load_graph(real) and "old" not in ts.load_graph(real)
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["data", "link.json"]
    assert os.listdir(real.parent) == ["graph.json"]


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    ts.save_graph(saved_graph(), link)
    assert link.is_symlink() and "kept" in ts.load_graph(tmp_path / "later.json")


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_save_removes_the_temporaries_that_killed_saves_left(tmp_path):
    path = tmp_path / "graph.json"
    ts.save_graph(saved_graph("old"), path)
    killed = f".graph.json.{dead_pid()}.k1ll3d_x.tmp"  # a save killed midway
    legacy = ".graph.json.ab_cd123.tmp"  # mkstemp's name before the process id was in it
    running = f".graph.json.{os.getppid()}.inflight.tmp"  # another process saving right now
    others = [".graph.json.notes.txt", ".graph.json.tmp", ".other.json.12.abcdefgh.tmp",
              ".graph.json.x.12.abcdefgh.tmp", "graph.json.12.abcdefgh.tmp"]
    for name in [killed, legacy, running, *others]:
        (tmp_path / name).write_text("{")
    ts.save_graph(saved_graph("new"), path)
    assert sorted(os.listdir(tmp_path)) == sorted(["graph.json", running, *others])
    assert "new" in ts.load_graph(path)


def test_a_killed_save_leaves_the_file_intact_and_the_next_save_cleans_up(tmp_path):
    path = tmp_path / "graph.json"
    ts.save_graph(saved_graph("old"), path)
    script = (f"import os, engine.io as io\n"
              f"def die(fd):\n    os.kill(os.getpid(), 9)\n"
              f"os.fsync = die\n"
              f"io.save_graph(io.load_graph({str(path)!r}), {str(path)!r})\n")
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    assert child.wait() == -9
    left = [n for n in os.listdir(tmp_path) if n != "graph.json"]
    assert len(left) == 1 and left[0].startswith(f".graph.json.{child.pid}.")
    assert "old" in ts.load_graph(path)
    ts.save_graph(saved_graph("new"), path)
    assert os.listdir(tmp_path) == ["graph.json"]


def test_saving_a_hard_linked_file_keeps_its_links(tmp_path):
    first = tmp_path / "graph.json"
    ts.save_graph(saved_graph("old"), first)
    first.chmod(0o604)
    second = tmp_path / "also.json"
    os.link(first, second)
    inode = first.stat().st_ino
    ts.save_graph(saved_graph("new"), second)
    for path in (first, second):
        assert path.stat().st_ino == inode and path.stat().st_nlink == 2
        assert "new" in ts.load_graph(path) and "old" not in ts.load_graph(path)
    assert stat.S_IMODE(first.stat().st_mode) == 0o604
    assert sorted(os.listdir(tmp_path)) == ["also.json", "graph.json"]


def test_a_failed_write_into_a_hard_linked_file_keeps_the_complete_copy(tmp_path, monkeypatch):
    path = tmp_path / "graph.json"
    ts.save_graph(saved_graph("old"), path)
    os.link(path, tmp_path / "also.json")

    def disk_full(target, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io, "_write_in_place", disk_full)
    with pytest.raises(OSError) as info:
        ts.save_graph(saved_graph("new"), path)
    copy = next(tmp_path.glob(".graph.json.*.tmp"))
    assert str(info.value) == (f"[Errno 28] No space left on device; the complete file is kept "
                               f"in {copy}: '{path}'")
    assert "new" in ts.load_graph(copy)


def test_loading_leaves_nothing_for_the_collector(tmp_path):
    """What validation makes is freed as it goes, not by a later collection: the editor's
    reading thread freezes what it leaves (``gc.freeze``), and the wiring check's networkx
    graph of names, held in a cycle by its cached views, stayed there (5.7 MB for 10,000
    nodes)."""
    with ts.Graph().as_default() as g:
        last = ts.placeholder(shape=[2], name="x")
        for _ in range(300):
            last = ts.negative(last)
    ts.save_graph(g, tmp_path / "chain.json")
    io.load_graph(tmp_path / "chain.json")  # (what a first load imports stays)
    gc.collect()
    loaded = io.load_graph(tmp_path / "chain.json")
    assert len(loaded) == 301 and gc.collect() < 50
