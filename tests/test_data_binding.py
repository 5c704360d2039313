"""Bindings of data set arrays to placeholders: all or nothing, saved embedded or by reference
(format version 2), a moved or changed data file named on the placeholder; version 1 files
still read."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from data_graphs import classifier

import engine as ts
from engine.data import DataError, binding


def test_binding_sets_defaults_and_round_trips_embedded(tmp_path) -> None:
    g = classifier()
    blobs = ts.data.builtin("blobs")
    ts.data.bind(g, blobs, {"X": "features", "c": "labels"})
    np.testing.assert_array_equal(g.get_node("X").value, blobs.arrays["features"])
    assert g.get_node("c").attrs["binding"]["set"] == "blobs"
    ts.save_graph(g, tmp_path / "g.json")
    again = ts.load_graph(tmp_path / "g.json")
    data, bindings = ts.data.bound_data(again)
    assert bindings == {"X": "features", "c": "labels"} and list(data.classes) == ["blue", "red"]
    np.testing.assert_array_equal(data.arrays["labels"], blobs.arrays["labels"])
    assert json.loads((tmp_path / "g.json").read_text())["format_version"] == 2


def test_a_binding_that_does_not_fit_changes_nothing() -> None:
    g = classifier(features=3)
    before = g.get_node("X").attrs, g.get_node("c").attrs
    seen: list[ts.GraphEvent] = []

    def listen(event: ts.GraphEvent) -> None:
        seen.append(event)

    g.subscribe(listen)
    with pytest.raises(DataError) as error:
        ts.data.bind(g, ts.data.builtin("blobs"), {"c": "labels", "X": "features"})
    assert "blobs, array 'features' does not fit placeholder X" in error.value.args[0]
    assert "(100,2) does not fit shape (?,3)" in error.value.args[0]
    assert error.value.node == "X" and not seen
    assert (g.get_node("X").attrs, g.get_node("c").attrs) == before
    assert g.get_node("c").value is None
    with pytest.raises(DataError, match="no array 'pixels' to bind to X"):
        ts.data.bind(g, ts.data.builtin("blobs"), {"X": "pixels"})
    with pytest.raises(DataError, match="'W' is not a placeholder"):
        ts.data.bind(g, ts.data.builtin("blobs"), {"W": "features"})


def big_data(tmp_path, rows: int = 5000):
    rng = np.random.default_rng(0)
    path = tmp_path / "data" / "big.npz"
    path.parent.mkdir()
    np.savez(path, features=rng.normal(size=(rows, 2)), labels=rng.integers(0, 2, rows))
    return path


def test_a_large_data_set_is_referenced_by_relative_path_and_hash(tmp_path) -> None:
    path = big_data(tmp_path, rows=70_000)
    g = classifier()
    data = ts.data.load(path, label="labels")
    ts.data.bind(g, data, {"X": "features", "c": "labels"}, file=path,
                 options={"label": "labels"})
    (tmp_path / "graphs").mkdir()
    ts.save_graph(g, tmp_path / "graphs" / "g.json")
    text = (tmp_path / "graphs" / "g.json").read_text()
    saved = {n["name"]: n for n in json.loads(text)["nodes"]}
    assert saved["X"]["attrs"]["binding"]["file"] == "../data/big.npz"
    assert len(saved["X"]["attrs"]["binding"]["sha256"]) == 64
    assert "default" not in saved["X"] and len(text) < 5000
    again = ts.load_graph(tmp_path / "graphs" / "g.json")
    np.testing.assert_array_equal(again.get_node("X").value, data.arrays["features"])
    assert ts.data.problems(again) == {}


def test_a_moved_or_changed_data_file_is_named_on_the_placeholder(tmp_path) -> None:
    path = big_data(tmp_path)
    g = classifier()
    ts.data.bind(g, ts.data.load(path, label="labels"), {"X": "features", "c": "labels"},
                 file=path, options={"label": "labels"}, embed=False)
    ts.save_graph(g, tmp_path / "g.json")
    shutil.move(path, tmp_path / "elsewhere.npz")
    moved = ts.load_graph(tmp_path / "g.json")  # the graph still opens
    found = ts.data.problems(moved)
    assert set(found) == {"X", "c"}
    assert found["X"].startswith("placeholder 'X' is bound to big.npz (features), which is "
                                 "missing")
    with pytest.raises(ts.FeedError, match="bound to big.npz .*missing") as error:
        ts.Session(moved).run("J")
    assert error.value.node in ("X", "c")
    np.savez(path, features=np.zeros((3, 2)), labels=np.zeros(3, dtype=int))
    changed = ts.load_graph(tmp_path / "g.json")
    assert "changed since the graph was saved" in ts.data.problem(changed.get_node("X"))
    with pytest.raises(DataError, match="changed since"):
        ts.data.bound_data(changed)


def test_version_1_files_still_read_and_a_bad_binding_is_named(tmp_path) -> None:
    v1 = {"format": "tensor-canvas-graph", "format_version": 1, "nodes": [
        {"name": "x", "op": "placeholder", "attrs": {"shape": [2], "dtype": "float64"}}]}
    (tmp_path / "v1.json").write_text(json.dumps(v1))
    node = ts.load_graph(tmp_path / "v1.json").get_node("x")
    assert node.attrs["binding"] is None
    v1["nodes"][0]["attrs"]["binding"] = {"set": "s", "array": "a", "file": "f.csv"}
    v1["format_version"] = 2
    (tmp_path / "bad.json").write_text(json.dumps(v1))
    with pytest.raises(ts.FileFormatError, match=r"nodes\[0\] \('x'\).*binding.*sha256"):
        ts.load_graph(tmp_path / "bad.json")


def test_bound_data_refuses_two_data_sets_or_none() -> None:
    g = classifier()
    with pytest.raises(DataError, match="no placeholder is bound"):
        ts.data.bound_data(g)
    ts.data.bind(g, ts.data.builtin("blobs"), {"X": "features"})
    ts.data.bind(g, ts.data.builtin("xor_clusters"), {"c": "labels"})
    with pytest.raises(DataError, match=r"several data sets \(blobs, xor_clusters\)"):
        ts.data.bound_data(g)


def test_renaming_a_bound_placeholder_keeps_its_binding(tmp_path) -> None:
    g = classifier()
    ts.data.bind(g, ts.data.builtin("blobs"), {"X": "features", "c": "labels"})
    g.rename("X", "points")
    assert ts.data.bound_data(g)[1] == {"points": "features", "c": "labels"}
    copy = g.copy()
    assert binding.binding_of(copy.get_node("points"))["array"] == "features"
