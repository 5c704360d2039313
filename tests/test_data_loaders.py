"""Loading data files and built-in data sets; every kind of bad input named by file, row and
column (or array)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as ts
from engine.data import DataError, loaders


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


# ---- CSV ------------------------------------------------------------------------------------


def test_csv_with_header_names_and_a_label_column_of_names(tmp_path) -> None:
    path = write(tmp_path / "points.csv", "x,y,kind\n1,2,cat\n3,4,dog\n5,6,cat\n")
    data = ts.data.load(path, label="kind")
    np.testing.assert_array_equal(data.arrays["features"], [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(data.arrays["labels"], [[1, 0], [0, 1], [1, 0]])
    assert list(data.classes) == ["cat", "dog"] and data.column_names("features") == ["x", "y"]
    assert data.name == "points" and data.rows == 3


def test_delimiter_and_quotes_are_detected_and_integer_labels_become_indices(tmp_path) -> None:
    path = write(tmp_path / "semi.csv", '"a";"b";"class"\n"1.5";2;10\n3;"4";2\n5;6;10\n')
    data = ts.data.load(path, label="class", encoding="index")
    np.testing.assert_array_equal(data.arrays["features"], [[1.5, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(data.arrays["labels"], [1, 0, 1])
    assert list(data.classes) == ["2", "10"]  # numeric order, not text order


def test_a_file_without_header_gets_column_numbers_and_tabs_work(tmp_path) -> None:
    path = write(tmp_path / "plain.csv", "1\t2\t0\n3\t4\t1\n")
    data = ts.data.load(path, label=2)
    assert data.column_names("features") == ["column 1", "column 2"]
    assert data.arrays["labels"].shape == (2, 2)


def test_preview_shows_the_first_rows(tmp_path) -> None:
    rows = "".join(f"{i},{i * 2},a\n" for i in range(50))
    preview = ts.data.preview_csv(write(tmp_path / "p.csv", "u,v,w\n" + rows), rows=3)
    assert preview.columns == ["u", "v", "w"] and preview.header and preview.delimiter == ","
    assert preview.rows == [["0", "0", "a"], ["1", "2", "a"], ["2", "4", "a"]]


def test_progress_is_told_and_cancel_stops_loading(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(loaders, "CHUNK_ROWS", 10)
    path = write(tmp_path / "many.csv", "".join(f"{i},{i}\n" for i in range(35)))
    seen: list[float] = []
    data = ts.data.load(path, progress=seen.append)
    assert data.rows == 35 and seen[-1] == 1.0 and len(seen) >= 4
    assert seen == sorted(seen)
    asked: list[bool] = []
    with pytest.raises(ts.data.LoadCancelled):
        ts.data.load(path, cancelled=lambda: asked.append(True) or len(asked) > 2)


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("\n\n", "the file is empty"),
    ("a,b,c\n", "has a header row (a, b, c) but no rows of data"),
    ("a,b\n1,2\n3,4,5\n", "line 3: has 3 values, expected 2"),
    ("a,b\n1,2\n3\n", "line 3: has 1 values, expected 2"),
    ("a,b\n1,2\n3,x\n", "line 3, column 'b': 'x' is not a number"),
    ("a,b\n1,2\n3,\n", "line 3, column 'b': an empty cell"),
    ("a,b\n1,2\nnan,4\n", "line 3, column 'a': nan (a missing or infinite value)"),
])
def test_bad_csv_is_named_by_line_and_column(tmp_path, text, message) -> None:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError) as error:
        ts.data.load(path)
    assert str(path) in error.value.args[0] and message in error.value.args[0]


def test_a_preview_that_ends_within_a_character_is_not_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(loaders, "PREVIEW_BYTES", 12)
    path = write(tmp_path / "names.csv", "x,name\n1,café\n2,thé\n")  # é: bytes 11 and 12
    preview = ts.data.preview_csv(path)
    assert preview.columns == ["x", "name"] and preview.rows == []  # not "caf"
    monkeypatch.setattr(loaders, "PREVIEW_BYTES", 16)
    assert ts.data.preview_csv(path).rows == [["1", "café"]]
    assert list(ts.data.load(path, label="name").classes) == ["café", "thé"]
    path.write_bytes(b"x,name\n1,\xe9t\xe9\n")  # not UTF-8 within the head: still refused
    with pytest.raises(DataError, match="names.csv, line 2: not UTF-8"):
        ts.data.preview_csv(path)


def test_a_bad_row_deep_in_a_big_file_is_found(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(loaders, "CHUNK_ROWS", 100)
    rows = [f"{i},{i}" for i in range(1000)]
    rows[777] = "1,oops"
    path = write(tmp_path / "deep.csv", "\n".join(rows) + "\n")
    with pytest.raises(DataError, match="line 778, column 'column 2': 'oops' is not a number"):
        ts.data.load(path)


def test_a_label_column_of_thousands_of_values_is_not_classes(tmp_path) -> None:
    path = write(tmp_path / "ids.csv", "x,id\n" + "".join(f"{i},id{i}\n" for i in range(3000)))
    with pytest.raises(DataError, match="column 'id': 3,000 distinct values are too many"):
        ts.data.load(path, label="id")


def test_labels_that_are_not_whole_numbers_and_unknown_columns_are_named(tmp_path) -> None:
    path = write(tmp_path / "f.csv", "x,y\n1,0.5\n2,1\n")
    with pytest.raises(DataError, match="column 'y', row 1: 0.5 is not a class"):
        ts.data.load(path, label="y")
    with pytest.raises(DataError, match="no column named 'z'"):
        ts.data.load(path, label="z")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:  # a sparse 2 GiB file: nothing is written to disk
        f.truncate(2 * 2**30)
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("read"))
    with pytest.raises(DataError, match=r"huge.csv: 2.0 GiB is more than the 1.0 GiB"):
        ts.data.load(path)
    small = write(tmp_path / "small.csv", "1,2\n")
    monkeypatch.setattr(loaders, "SIZE_LIMIT", 2)
    with pytest.raises(DataError, match="small.csv: .* is more than"):
        ts.data.load(small)


def test_a_file_that_is_not_utf8_or_of_an_unknown_kind(tmp_path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,b\n1,2\n\xe9,3\n")
    with pytest.raises(DataError, match="latin.csv, line 3: not UTF-8"):
        ts.data.load(path)
    with pytest.raises(DataError, match="not a data file Tensor Canvas reads"):
        ts.data.load(write(tmp_path / "x.txt", "1"))
    with pytest.raises(DataError, match="cannot read it"):
        ts.data.load(tmp_path / "gone.csv")


# ---- numpy files ----------------------------------------------------------------------------


def test_npy_and_npz_each_array_a_column_group(tmp_path) -> None:
    np.save(tmp_path / "x.npy", np.arange(6).reshape(3, 2))
    data = ts.data.load(tmp_path / "x.npy")
    assert data.arrays["features"].dtype == np.float64 and data.rows == 3
    np.savez(tmp_path / "d.npz", pixels=np.ones((4, 3)), extra=np.zeros(4),
             digit=np.array([3, 1, 3, 2]))
    data = ts.data.load(tmp_path / "d.npz", label="digit")
    assert set(data.arrays) == {"pixels", "extra", "labels"} and list(data.classes) == ["1", "2",
                                                                                         "3"]
    np.testing.assert_array_equal(data.label_indices(), [2, 0, 2, 1])


def test_arrays_of_python_objects_are_refused_never_unpickled(tmp_path, monkeypatch) -> None:
    import pickle

    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    objects = np.array([{"a": 1}, None], dtype=object)
    np.save(tmp_path / "obj.npy", objects, allow_pickle=True)
    with pytest.raises(DataError, match="obj.npy: holds Python objects, which are refused"):
        ts.data.load(tmp_path / "obj.npy")
    np.savez(tmp_path / "obj.npz", good=np.ones(2), bad=objects)
    with pytest.raises(DataError, match="array 'bad': holds Python objects"):
        ts.data.load(tmp_path / "obj.npz")


def test_npy_nan_strings_rows_mismatch_and_broken_files(tmp_path) -> None:
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan]]))
    with pytest.raises(DataError, match=r"nan.npy: the value at \[0, 1\] is nan"):
        ts.data.load(tmp_path / "nan.npy")
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    with pytest.raises(DataError, match="holds <U1 values, not numbers"):
        ts.data.load(tmp_path / "text.npy")
    np.savez(tmp_path / "rows.npz", a=np.ones(3), b=np.ones(4))
    with pytest.raises(DataError, match=r"different numbers of rows \(a 3, b 4\)"):
        ts.data.load(tmp_path / "rows.npz")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DataError, match="broken.npz: not a numpy file"):
        ts.data.load(tmp_path / "broken.npz")


# ---- built-in data sets -----------------------------------------------------------------------


def test_the_shipped_data_sets() -> None:
    iris = ts.data.builtin("iris")
    assert iris.arrays["features"].shape == (150, 4) and len(iris.classes) == 3
    digits = ts.data.builtin("digits", encoding="index")
    assert digits.arrays["features"].shape == (1797, 64) and digits.arrays["labels"].max() == 9
    blobs = ts.data.builtin("blobs")
    assert blobs.rows == 100 and list(blobs.classes) == ["blue", "red"]
    assert ts.data.builtin("xor_clusters").rows == 100


@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral"])
def test_playground_sets_are_seeded_with_size_and_noise(name) -> None:
    a = ts.data.builtin(name, size=200, noise=0.1, seed=4)
    b = ts.data.builtin(name, size=200, noise=0.1, seed=4)
    c = ts.data.builtin(name, size=200, noise=0.1, seed=5)
    np.testing.assert_array_equal(a.arrays["features"], b.arrays["features"])
    assert not np.array_equal(a.arrays["features"], c.arrays["features"])
    assert a.arrays["features"].shape == (200, 2) and a.arrays["labels"].sum(axis=0).min() > 50
    indices = ts.data.builtin(name, size=200, noise=0.1, seed=4, encoding="index")
    np.testing.assert_array_equal(indices.arrays["labels"], a.label_indices())
    with pytest.raises(DataError, match="noise 0.9: expected 0 to 0.5"):
        ts.data.builtin(name, noise=0.9)


def test_standardising_uses_the_training_rows_only() -> None:
    data = ts.data.Dataset("d", {"features": np.array([[0.0, 5], [2, 5], [100, 5]])})
    out = ts.data.standardized(data, "features", np.array([0, 1]))
    np.testing.assert_allclose(out.arrays["features"][:, 0], [-1, 1, 99])
    np.testing.assert_allclose(out.arrays["features"][:, 1], [0, 0, 0])  # constant: centred


def test_the_preview_of_numpy_files_reads_their_first_rows_only(tmp_path, monkeypatch) -> None:
    import pickle

    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    big = np.arange(3000.0).reshape(1000, 3)
    np.save(tmp_path / "x.npy", big)
    head = ts.data.loaders.preview_arrays(tmp_path / "x.npy", 4)
    np.testing.assert_array_equal(head["features"], big[:4])
    np.savez_compressed(tmp_path / "d.npz", pixels=big, digit=np.arange(1000) % 10,
                        one=np.float64(7), turned=np.asfortranarray(big))
    head = ts.data.loaders.preview_arrays(tmp_path / "d.npz", 2)
    assert list(head) == ["pixels", "digit", "one", "turned"]
    np.testing.assert_array_equal(head["pixels"], big[:2])
    np.testing.assert_array_equal(head["digit"], [0, 1])
    assert head["one"] == 7
    np.testing.assert_array_equal(head["turned"], big[:2])


@pytest.mark.parametrize(("name", "content", "message"), [
    ("obj.npy", "objects", "obj.npy: holds Python objects, which are refused"),
    ("obj.npz", "objects", "obj.npz, array 'bad': holds Python objects"),
    ("empty.npy", b"", "empty.npy: not a numpy file that can be read"),
    ("broken.npz", b"PK\x03\x04 not really", "broken.npz: not a numpy file that can be read"),
    ("cut.npy", "cut", "cut.npy: not a numpy file that can be read"),
])
def test_the_preview_of_a_bad_numpy_file_names_it(tmp_path, name, content, message) -> None:
    path = tmp_path / name
    objects = np.array([{"a": 1}, None], dtype=object)
    if content == "objects" and name.endswith(".npy"):
        np.save(path, objects, allow_pickle=True)
    elif content == "objects":
        np.savez(path, good=np.ones(2), bad=objects)
    elif content == "cut":
        np.save(path, np.ones((100, 3)))
        path.write_bytes(path.read_bytes()[:200])
    else:
        path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        ts.data.loaders.preview_arrays(path)
