"""Mini-batches and training on a data set by epochs: losses, accuracy (classifiers found by
role), the confusion matrix; ``python main.py train FILE --epochs``."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from data_graphs import classifier

import engine as ts
from engine.cli import main
from engine.data import DataError
from engine.data.command import epoch_line

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"


def test_batches_are_seeded_cover_every_row_once_and_shuffle_each_epoch() -> None:
    arrays = {"x": np.arange(10.0), "y": np.arange(10) * 2}
    first = list(ts.data.batches(arrays, 4, epochs=2, seed=3))
    again = list(ts.data.batches(arrays, 4, epochs=2, seed=3))
    assert [len(b["x"]) for b in first] == [4, 4, 2, 4, 4, 2]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a["x"], b["x"])
    epoch1 = np.concatenate([b["x"] for b in first[:3]])
    epoch2 = np.concatenate([b["x"] for b in first[3:]])
    assert sorted(epoch1) == sorted(epoch2) == list(range(10))
    assert not np.array_equal(epoch1, epoch2)
    for batch in first:
        np.testing.assert_array_equal(batch["y"], batch["x"] * 2)  # the same rows of each
    in_order = list(ts.data.batches(arrays, 4, seed=None))
    np.testing.assert_array_equal(in_order[0]["x"], [0, 1, 2, 3])


def test_an_epoch_of_batches_never_copies_the_data_set() -> None:
    import tracemalloc

    arrays = {"x": np.zeros((100_000, 64)), "y": np.zeros((100_000, 10))}  # 59 MB
    tracemalloc.start()
    try:
        for _ in ts.data.batches(arrays, 32, epochs=2, seed=0):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20  # the shuffled row indices (0.8 MB) and a batch, no more


def test_the_validation_split_is_seeded_and_disjoint() -> None:
    split = ts.data.split(100, 0.25, seed=1)
    assert len(split.validation) == 25 and len(split.train) == 75
    assert not set(split.train) & set(split.validation)
    np.testing.assert_array_equal(split.validation, ts.data.split(100, 0.25, seed=1).validation)
    assert len(ts.data.split(3, 0.01).validation) == 1 and len(ts.data.split(5, 0).validation) == 0
    with pytest.raises(DataError, match="validation split 1.5"):
        ts.data.split(10, 1.5)


def test_fit_data_reports_epochs_accuracy_and_a_confusion_matrix() -> None:
    g = classifier(features=4, classes=3)
    iris = ts.data.builtin("iris")
    iris = ts.data.standardized(iris, "features", ts.data.split(150, 0.2, 0).train)
    seen: list[ts.data.Epoch] = []
    steps: list[int] = []
    result = ts.data.fit_data(g, "train", iris, {"X": "features", "c": "labels"},
                              ts.data.Schedule(epochs=15, batch_size=16, seed=0),
                              on_epoch=seen.append, on_step=lambda n, loss: steps.append(n))
    assert result.reason == "done" and len(result.epochs) == 15 and seen == result.epochs
    assert result.steps == 15 * 8 and steps == list(range(1, 121))  # 120 rows in batches of 16
    last = result.epochs[-1]
    assert last.validation_accuracy >= 0.9 and last.accuracy >= 0.9
    assert last.loss < result.epochs[0].loss
    assert result.confusion.shape == (3, 3) and result.confusion.sum() == 30
    assert np.trace(result.confusion) == round(last.validation_accuracy * 30)
    assert list(result.classes) == ["setosa", "versicolor", "virginica"]


def test_a_classifier_of_probabilities_is_found_by_role_and_a_regression_has_no_accuracy() -> None:
    mlp = ts.load_graph(EXAMPLES / "mlp.json")  # softmax output p_output, loss built by hand
    data = ts.data.builtin("xor_clusters")
    assert ts.data.classifier_output(mlp.get_node("J")).name == "p_output"
    result = ts.data.fit_data(mlp, "train", data, {"X": "features", "c": "labels"},
                              ts.data.Schedule(epochs=2, batch_size=10))
    assert result.epochs[-1].validation_accuracy is not None
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 2], name="x")
        y = ts.placeholder(shape=[None, 2], name="y")
        w = ts.Variable(np.zeros((2, 2)), name="w")
        ts.train.GradientDescentOptimizer(0.01).minimize(
            ts.mean_squared_error(y, x @ w, name="mse"), name="train")
    data = ts.data.Dataset("points", {"a": np.ones((8, 2)), "b": np.ones((8, 2))})
    result = ts.data.fit_data(g, "train", data, {"x": "a", "y": "b"},
                              ts.data.Schedule(epochs=3, batch_size=4, validation_split=0.25))
    assert result.epochs[-1].accuracy is None and result.confusion is None
    assert result.epochs[-1].loss < result.epochs[0].loss


def test_stopping_and_bad_settings() -> None:
    g = classifier()
    blobs = ts.data.builtin("blobs")
    asked: list[bool] = []
    result = ts.data.fit_data(g, "train", blobs, {"X": "features", "c": "labels"},
                              ts.data.Schedule(epochs=5, batch_size=10),
                              should_stop=lambda: asked.append(True) or len(asked) > 12)
    assert result.reason == "stopped" and result.steps == 12 and len(result.epochs) == 1
    for schedule, message in [(ts.data.Schedule(epochs=0), "epochs 0"),
                              (ts.data.Schedule(batch_size=0), "batch size 0"),
                              (ts.data.Schedule(validation_split=1.0), "validation split 1.0")]:
        with pytest.raises(DataError, match=message):
            ts.data.fit_data(g, "train", blobs, {"X": "features"}, schedule)
    with pytest.raises(DataError, match="no array 'pixels' for X"):
        ts.data.fit_data(g, "train", blobs, {"X": "pixels"})


# ---- the command line -------------------------------------------------------------------------


@pytest.fixture
def bound_graph(tmp_path) -> Path:
    g = classifier(features=4, classes=3)
    path = tmp_path / "iris.json"
    ts.data.bind(g, ts.data.builtin("iris"), {"X": "features", "c": "labels"})
    ts.save_graph(g, path)
    return path


def test_train_by_epochs_prints_losses_accuracy_and_saves(bound_graph, tmp_path, capsys) -> None:
    out = tmp_path / "out.json"
    assert main(["train", str(bound_graph), "--epochs", "3", "--batch-size", "30",
                 "--validation-split", "0.2", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "iris: 150 rows, features → X, labels → c"
    assert lines[1] == "3 epochs, batch size 30, validation split 0.2, seed 0 (flags)"
    assert lines[2].startswith("epoch 1/3  J = ") and "validation J = " in lines[2]
    assert "  accuracy " in lines[4] and "validation accuracy " in lines[4]
    assert lines[5].startswith("confusion matrix")
    assert lines[-1] == f"trained 3 epochs (12 steps); saved to {out}"
    assert int(ts.load_graph(out).get_node("train").state["step"]) == 12


def keeping(path: Path, settings: object) -> Path:
    """The graph file at ``path`` with its train node keeping ``settings``, as the Training
    dock keeps them."""
    g = ts.load_graph(path)
    g.set_ui("train", training=settings)
    ts.save_graph(g, path)
    return path


def test_train_without_flags_uses_the_train_nodes_settings(bound_graph, tmp_path,
                                                           capsys) -> None:
    settings = {"epochs": 2, "batch_size": 50, "seed": 3, "validation_split": 0.25}
    keeping(bound_graph, settings)
    out = tmp_path / "out.json"
    assert main(["train", str(bound_graph), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "2 epochs, batch size 50, validation split 0.25, seed 3 (train's settings)"
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert [line.split("  ")[0] for line in epochs] == ["epoch 1/2", "epoch 2/2"]
    assert all("validation J = " in line and "validation accuracy " in line for line in epochs)
    assert lines[-1] == f"trained 2 epochs (6 steps); saved to {out}"  # 112 rows in 3 batches
    by_hand = ts.load_graph(bound_graph)  # the same run in Python, with those settings
    data, bindings = ts.data.bound_data(by_hand)
    result = ts.data.fit_data(by_hand, "train", data, bindings, ts.data.Schedule(**settings))
    assert epochs[-1] == epoch_line(result.epochs[-1], 2, "J")
    np.testing.assert_array_equal(ts.load_graph(out).get_node("W").value,
                                  by_hand.get_node("W").value)


def test_flags_override_the_train_nodes_settings(bound_graph, capsys) -> None:
    keeping(bound_graph, {"epochs": 5, "batch_size": 50, "seed": 3, "validation_split": 0.25})
    assert main(["train", str(bound_graph), "--epochs", "1", "--batch-size", "200"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("1 epoch, batch size 200, validation split 0.25, seed 3 (train's "
                        "settings and flags)")
    assert lines[-1].startswith("trained 1 epoch (1 step); saved to ")
    assert main(["train", str(bound_graph), "--steps", "4"]) == 0  # steps: no epochs
    assert capsys.readouterr().out.splitlines()[-1].startswith("J = ")


@pytest.mark.parametrize(("settings", "message"), [
    ({"epochs": "ten"}, "train's ui.training.epochs: 'ten' is not a whole number"),
    ({"epochs": 2, "validation_split": [0.2]}, "ui.training.validation_split: [0.2] is not a "
                                                "number"),
    ({"epochs": 2, "batch_size": 0}, "batch size 0: expected at least 1"),
    ("fast", "train's ui.training: expected an object of epoch settings"),
])
def test_bad_kept_settings_are_named_and_change_nothing(bound_graph, capsys, settings,
                                                        message) -> None:
    keeping(bound_graph, settings)
    before = bound_graph.read_bytes()
    assert main(["train", str(bound_graph)]) == 2
    assert message in capsys.readouterr().err
    assert bound_graph.read_bytes() == before


def test_train_with_data_from_the_command_line(tmp_path, capsys) -> None:
    g = classifier(features=4, classes=3)
    ts.save_graph(g, tmp_path / "model.json")
    csv = tmp_path / "iris.csv"
    shutil.copy(ROOT / "resources" / "datasets" / "iris.csv", csv)
    assert main(["train", str(tmp_path / "model.json"), "--epochs", "1",
                 "--data", f"X={csv}:features", "--data", f"c={csv}:labels"]) == 0
    assert "validation accuracy" in capsys.readouterr().out
    bound = ts.load_graph(tmp_path / "model.json")
    assert ts.data.bound_data(bound)[0].rows == 150


def test_data_for_a_bound_data_set_is_read_as_it_was(bound_graph, tmp_path, capsys) -> None:
    fewer = tmp_path / "fewer.csv"
    lines = (ROOT / "resources" / "datasets" / "iris.csv").read_text().splitlines()
    fewer.write_text("\n".join(lines[:1] + lines[1::2]) + "\n")  # 75 of the rows
    assert main(["train", str(bound_graph), "--epochs", "1", "--data", f"iris={fewer}"]) == 0
    assert capsys.readouterr().out.startswith("iris: 75 rows, features → X, labels → c")


@pytest.mark.parametrize(("args", "message"), [
    (["--epochs", "2", "--steps", "3"], "give either --steps N or --epochs N"),
    ([], "give either --steps N or --epochs N"),
    (["--epochs", "0"], "--epochs: expected ≥ 1"),
    (["--epochs", "1", "--batch-size", "0"], "batch size 0"),
    (["--epochs", "1", "--data", "nothing=x.csv"], "--data nothing: no placeholder or bound"),
    (["--epochs", "1", "--data", "X"], "expected NAME=PATH"),
])
def test_bad_epoch_arguments_are_named_and_change_nothing(bound_graph, capsys, args,
                                                          message) -> None:
    before = bound_graph.read_bytes()
    assert main(["train", str(bound_graph), *args]) == 2
    assert message in capsys.readouterr().err
    assert bound_graph.read_bytes() == before


def test_bad_data_from_the_command_line_is_named_and_changes_nothing(tmp_path, capsys) -> None:
    ts.save_graph(classifier(features=4, classes=3), tmp_path / "model.json")
    before = (tmp_path / "model.json").read_bytes()
    (tmp_path / "bad.csv").write_text("a,b,c,d,kind\n1,2,3,4,x\n1,2,3,oops,y\n")
    (tmp_path / "wide.csv").write_text("a,b,kind\n1,2,x\n3,4,y\n")
    cases = {f"X={tmp_path / 'bad.csv'}:features": "bad.csv, line 3, column 'd': 'oops'",
             f"X={tmp_path / 'wide.csv'}:features": "does not fit placeholder X",
             f"X={tmp_path / 'gone.csv'}": "gone.csv: cannot read it"}
    for data, message in cases.items():
        assert main(["train", str(tmp_path / "model.json"), "--epochs", "1", "--data", data,
                     "--data", f"c={tmp_path / 'wide.csv'}:labels"]) == 2
        assert message in capsys.readouterr().err
        assert (tmp_path / "model.json").read_bytes() == before


def test_an_unbound_graph_says_what_to_do(tmp_path, capsys) -> None:
    ts.save_graph(classifier(), tmp_path / "g.json")
    assert main(["train", str(tmp_path / "g.json"), "--epochs", "1"]) == 2
    assert "no placeholder is bound to a data set" in capsys.readouterr().err


# ---- the examples -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "target"), [("digits", 0.95), ("spiral", 0.9)])
def test_the_data_examples_reach_their_accuracy_with_their_own_settings(name, target) -> None:
    graph = ts.load_graph(EXAMPLES / f"{name}.json")
    settings = graph.get_node("train").ui["training"]
    data, bindings = ts.data.bound_data(graph)
    result = ts.data.fit_data(graph, "train", data, bindings, ts.data.Schedule(**settings))
    assert result.reason == "done"
    assert result.epochs[-1].validation_accuracy >= target
    assert list(data.classes)[:2] == (["0", "1"] if name == "digits" else ["orange", "blue"])


def test_the_digits_example_references_the_shipped_file() -> None:
    binding = ts.load_graph(EXAMPLES / "digits.json").get_node("X").attrs["binding"]
    assert binding["file"] == str((ROOT / "resources" / "datasets" / "digits.npz").resolve())
    text = (EXAMPLES / "digits.json").read_text()
    assert '"file": "../datasets/digits.npz"' in text
