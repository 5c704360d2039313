"""A loss and an optimizer registered here, in a test, train everywhere the built-in ones do:
sessions, ``fit``, files, renames and the command line — no other file knows them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from training_helpers import registered_loss_and_optimizer

import engine as ts
from engine.cli import main
from engine.registry import LOSS, TRAIN_STEP, has_role, ops_with_role

TARGET = np.array([3.0, -2.0])


@pytest.fixture(autouse=True)
def test_ops() -> Iterator[None]:
    with registered_loss_and_optimizer():
        yield


def mae_graph() -> ts.Graph:
    """loss = mean |w − TARGET|, a signum train node (by name: no class of its own) on it."""
    with ts.Graph().as_default() as g:
        w = ts.Variable([0.0, 0.0], name="w")
        loss = ts.Operation("test_mae", [TARGET, w], name="loss")
        ts.train.add_train_node(g, loss, {"optimizer": "test_signum", "learning_rate": 0.125,
                                          "beta": 0.5})
    return g


def test_the_registry_knows_their_roles() -> None:
    g = mae_graph()
    assert has_role(g.get_node("loss"), LOSS) and has_role(g.get_node("train"), TRAIN_STEP)
    assert ts.get_op("test_mae") in ops_with_role(LOSS)
    assert ts.train.optimizers()["test_signum"] is ts.get_op("test_signum")
    assert ts.train.train_nodes(g) == [g.get_node("train")]
    assert ts.train.train_node_for(g, "loss") == (g.get_node("train"), g.get_node("loss"))
    assert ts.get_op("test_signum").active_attrs({}) == (
        "learning_rate", "beta", "decay_rate", "var_list", "global_step")


def test_session_steps_follow_the_update_rule() -> None:
    g = mae_graph()
    session = ts.Session(g)
    m = np.zeros(2)
    w = np.zeros(2)
    for step in range(1, 4):
        loss = session.run("train")
        assert loss == np.mean(np.abs(w - TARGET))
        grad = np.sign(w - TARGET) / 2
        m = 0.5 * grad if step == 1 else 0.5 * m + 0.5 * grad
        w = w - 0.125 * np.sign(m)
        assert g.get_node("w").value.tolist() == w.tolist()
    assert set(g.get_node("train").state) == {"step", "m/w"}


def test_fit_trains_with_them() -> None:
    g = mae_graph()
    result = ts.train.fit(g, "train", 100)
    assert result.reason == "done" and result.steps == 100
    assert result.final_loss < 0.2 < result.losses[0]


def test_a_saved_graph_trains_on_and_renames_follow(tmp_path) -> None:
    g = mae_graph()
    ts.train.fit(g, "train", 3)
    path = tmp_path / "mae.json"
    ts.save_graph(g, path)
    loaded = ts.load_graph(path)
    loaded.rename("w", "weights")
    assert set(loaded.get_node("train").state) == {"step", "m/weights"}
    ts.train.fit(loaded, "train", 2)
    ts.train.fit(g, "train", 2)
    assert loaded.get_node("weights").value.tolist() == g.get_node("w").value.tolist()


def test_the_command_line_trains_with_them(tmp_path, capsys) -> None:
    path = tmp_path / "mae.json"
    ts.save_graph(mae_graph(), path)
    assert main(["train", str(path), "--fetch", "loss", "--steps", "100"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(f"after 100 steps; saved to {path}")
    trained = ts.load_graph(path)
    assert int(trained.get_node("train").state["step"]) == 100
    assert float(ts.Session(trained).run("loss")) < 0.2
