"""``python main.py train``: progress as it goes, the trained graph saved, bad input named."""

from __future__ import annotations

import errno
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import engine as ts
from engine import io
from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]
PERCEPTRON = ROOT / "resources" / "examples" / "perceptron.json"


@pytest.fixture
def perceptron(tmp_path) -> Path:
    path = tmp_path / "perceptron.json"
    shutil.copy(PERCEPTRON, path)
    return path


def loss_of(path: Path) -> float:
    return loss_of_node(ts.load_graph(path), "J")


def loss_of_node(graph: ts.Graph, name: str) -> float:
    return float(ts.Session(graph).run(name))


def test_train_to_another_file_shows_progress(perceptron, tmp_path, capsys) -> None:
    out = tmp_path / "trained.json"
    assert main(["train", str(perceptron), "--fetch", "train", "--steps", "100",
                 "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11
    assert lines[0].startswith("step 10/100  J = ") and lines[0].endswith(" steps/s")
    assert lines[9].startswith("step 100/100  J = ")
    assert lines[10].startswith("J = ") and lines[10].endswith(f"after 100 steps; saved to {out}")
    assert perceptron.read_bytes() == PERCEPTRON.read_bytes()  # the input is left alone
    assert loss_of(out) <= 1.1 < loss_of(perceptron)
    assert float(lines[10].split()[2]) == pytest.approx(loss_of(out), rel=1e-5)


def test_train_in_place_by_loss_name_continues_where_it_stopped(perceptron, tmp_path) -> None:
    once = tmp_path / "once.json"
    assert main(["train", str(perceptron), "--fetch", "train", "--steps", "40", "--out",
                 str(once)]) == 0
    for _ in range(2):
        assert main(["train", str(perceptron), "--fetch", "J", "--steps", "20",
                     "--every", "5"]) == 0
    twice, direct = ts.load_graph(perceptron), ts.load_graph(once)
    for name in ("W", "b"):
        np.testing.assert_array_equal(twice.get_node(name).value, direct.get_node(name).value)
    assert int(twice.get_node("train").state["step"]) == 40


def test_train_with_a_feed(tmp_path, capsys) -> None:
    with ts.Graph().as_default() as g:
        a = ts.placeholder(name="a", default=[1.0])
        w = ts.Variable([0.0], name="w")
        loss = ts.reduce_sum(ts.square(w - a), name="loss")
        ts.train.GradientDescentOptimizer(0.25).minimize(loss, name="step")
    path = tmp_path / "g.json"
    ts.save_graph(g, path)
    assert main(["train", str(path), "--fetch", "step", "--steps", "30", "--feed", "a=[4]"]) == 0
    assert ts.load_graph(path).get_node("w").value[0] == pytest.approx(4.0)


@pytest.mark.parametrize("args,message", [
    (["--fetch", "p", "--steps", "5"], "p is not a train node and no train node minimizes it"),
    (["--fetch", "nothing", "--steps", "5"], "no node named 'nothing'"),
    (["--fetch", "train", "--steps", "0"], "--steps"),
    (["--fetch", "train", "--steps", "5", "--feed", "X=[[1, 2, 3]]"], "cannot feed X"),
])
def test_bad_arguments_are_named_and_change_nothing(perceptron, capsys, args, message) -> None:
    assert main(["train", str(perceptron), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert perceptron.read_bytes() == PERCEPTRON.read_bytes()


def test_a_diverging_loss_stops_and_saves_the_last_finite_values(tmp_path, capsys) -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable([1.0], name="w")
        ts.train.MomentumOptimizer(10.0, 0.5).minimize(ts.reduce_sum(ts.square(w), name="loss"))
    path = tmp_path / "g.json"
    ts.save_graph(g, path)
    expected = ts.train.fit(ts.load_graph(path), "train", 1000)
    assert expected.reason == "diverged"
    assert main(["train", str(path), "--fetch", "loss", "--steps", "1000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the loss loss became inf at step ")
    assert err.rstrip().endswith(f"keeping the values after step {expected.steps}; saved the "
                                 f"graph to {path}")
    saved = ts.load_graph(path)
    assert int(saved.get_node("train").state["step"]) == expected.steps
    assert loss_of_node(saved, "loss") == expected.final_loss < np.inf


def test_a_loss_that_is_not_finite_from_the_start_saves_nothing(tmp_path, capsys) -> None:
    with ts.Graph().as_default() as g:
        w = ts.Variable([np.inf], name="w")
        ts.train.GradientDescentOptimizer(0.1).minimize(ts.reduce_sum(ts.square(w), name="loss"))
    path = tmp_path / "g.json"
    ts.save_graph(g, path)
    before = path.read_bytes()
    assert main(["train", str(path), "--fetch", "loss", "--steps", "10"]) == 2
    err = capsys.readouterr().err
    assert "the loss loss became inf at step 1" in err and err.rstrip().endswith("nothing saved")
    assert path.read_bytes() == before


def test_ctrl_c_stops_after_a_step_and_saves(perceptron) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "train", str(perceptron), "--fetch", "train",
         "--steps", "100000000", "--every", "100"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("step 100/")  # training is under way
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    steps = int(err.split("stopped after ")[1].split()[0])
    assert steps >= 100 and err.rstrip().endswith(f"to {perceptron}")
    assert int(ts.load_graph(perceptron).get_node("train").state["step"]) == steps


def test_main_py_runs_the_train_command(perceptron) -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "train", str(perceptron), "--fetch", "train", "--steps", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "step 3/3" in done.stdout and "saved to" in done.stdout


@pytest.mark.parametrize("where, message", [
    ("missing/trained.json", "the folder {tmp}/missing does not exist"),
    (".", "is a folder, not a file"),
    ("locked/trained.json", "cannot write in the folder {tmp}/locked (Permission denied)"),
])
def test_a_bad_out_is_named_before_training(perceptron, tmp_path, capsys, monkeypatch, where,
                                            message) -> None:
    (tmp_path / "locked").mkdir()
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):  # root may write anywhere: refuse as a mount would
        if dir is not None and Path(dir).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    out = tmp_path / where
    assert main(["train", str(perceptron), "--fetch", "train", "--steps", "100000000",
                 "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # not a step was taken
    assert captured.err == f"error: --out {out}: {message.format(tmp=tmp_path)}\n"


def test_an_error_while_saving_is_said_in_words(perceptron, capsys, monkeypatch) -> None:
    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(io, "atomic_write", full)
    assert main(["train", str(perceptron), "--fetch", "train", "--steps", "2"]) == 2
    assert capsys.readouterr().err == f"error: {perceptron}: No space left on device\n"


def test_a_deeply_nested_feed_is_refused_in_one_line(capsys) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert main(["run", str(ROOT / "resources/examples/affine.json"), "--feed",
                 f"x={deep}"]) == 2
    assert capsys.readouterr().err == ("error: --feed x: lists nest more than 64 deep at "
                                       "character 65: a tensor has at most 64 dimensions\n")
