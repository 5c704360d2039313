"""The series' worked example z = A·x + b through the API, a saved file and the command line."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine as ts
import main

ROOT = Path(__file__).resolve().parent.parent
AFFINE = ROOT / "resources" / "examples" / "affine.json"


def build_affine() -> tuple[ts.Graph, ts.Node, ts.Node]:
    with ts.Graph().as_default() as g:
        A = ts.Variable([[1, 0], [0, -1]], name="A")
        b = ts.Variable([1, 1], name="b")
        x = ts.placeholder(name="x")
        z = ts.add(ts.matmul(A, x), b, name="z")
    return g, x, z


def test_api_computes_the_worked_example():
    g, x, z = build_affine()
    assert np.array_equal(ts.Session(g).run(z, {x: [1, 2]}), [2, -1])


def test_example_file_holds_the_worked_example():
    g = ts.load_graph(AFFINE)
    assert [n.name for n in g.nodes] == ["A", "x", "b", "matmul", "z"]
    assert np.array_equal(g.get_node("x").default, [1, 2])
    assert np.array_equal(ts.Session(g).run("z"), [2, -1])


def test_worked_example_survives_save_and_load(tmp_path):
    g, x, _ = build_affine()
    g.set_value(x, [1, 2])
    ts.save_graph(g, tmp_path / "affine.json")
    loaded = ts.load_graph(tmp_path / "affine.json")
    assert np.array_equal(ts.Session(loaded).run("z"), [2, -1])
    assert np.array_equal(ts.Session(loaded).run("z", {"x": [3, 4]}), [4, -3])


def test_cli_prints_the_fetched_node(capsys):
    assert main.main(["run", str(AFFINE), "--fetch", "z"]) == 0
    assert capsys.readouterr().out == "z = [2, -1]\n"


def test_cli_feeds_a_placeholder(capsys):
    assert main.main(["run", str(AFFINE), "--fetch", "z", "--feed", "x=[3,4]"]) == 0
    assert capsys.readouterr().out == "z = [4, -3]\n"


def test_cli_fetches_several_nodes_and_defaults_to_the_outputs(capsys):
    assert main.main(["run", str(AFFINE), "--fetch", "matmul", "--fetch", "x"]) == 0
    assert capsys.readouterr().out == "matmul = [1, -2]\nx = [1, 2]\n"
    assert main.main(["run", str(AFFINE), "--feed", "x=[[3. 4.]]"]) != 0  # wrong shape
    assert main.main(["run", str(AFFINE), "--feed", "x=array([3., 4.])"]) == 0
    assert capsys.readouterr().out.endswith("z = [4, -3]\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fetch", "nope"], "nope"),
        (["--feed", "x=[1,2,3]"], "x"),
        (["--feed", "x=[1,"], "x"),
        (["--feed", "x"], "NAME=VALUE"),
        (["--feed", "z=[1,2]"], "z"),
        (["--feed", "y=[1,2]"], "y"),
    ],
)
def test_cli_bad_input_gives_one_line_on_stderr(capsys, args, message):
    assert main.main(["run", str(AFFINE), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert message in captured.err


def test_cli_reports_unreadable_files(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "tensor-canvas-graph", "format_version": 1, "nodes": [')
    for path in (broken, tmp_path / "missing.json", tmp_path):
        assert main.main(["run", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and str(path) in err


def test_cli_as_a_program():
    ok = subprocess.run(
        [sys.executable, "main.py", "run", str(AFFINE), "--fetch", "z", "--feed", "x=[3,4]"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "z = [4, -3]\n", "")
    bad = subprocess.run(
        [sys.executable, "main.py", "run", str(AFFINE), "--fetch", "nope"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "error: no node named 'nope' in the graph\n"


@pytest.mark.parametrize("argv", [["run"], ["run", str(AFFINE), "--bogus"], ["run", "--fetch"]])
def test_cli_usage_errors_are_one_line(capsys, argv):
    assert main.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "--help" in err
