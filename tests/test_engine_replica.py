"""Graph.copy, pickling, and replaying change events onto a copy keep it equal to the graph."""

from __future__ import annotations

import json
import pickle
import threading

import numpy as np
import pytest

import engine as ts
from engine.io import dumps, graph_to_dict, load_graph
from engine.replica import change_of, changes_of, data_copy, replay

EXAMPLES = ["affine", "perceptron", "mlp"]


def text(graph: ts.Graph) -> str:
    return dumps(graph_to_dict(graph))


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_copy_and_a_pickled_graph_equal_the_graph(name):
    graph = load_graph(f"resources/examples/{name}.json")
    for other in (graph.copy(), pickle.loads(pickle.dumps(graph))):
        assert text(other) == text(graph)
        assert [n.name for n in other.nodes] == [n.name for n in graph.nodes]
        fetch = [n.name for n in graph.nodes if not graph.nx.out_degree(n) and not n.op.stateful]
        for a, b in zip(ts.Session(other).run(fetch), ts.Session(graph).run(fetch), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_copy_shares_nothing_mutable():
    graph = load_graph("resources/examples/mlp.json")
    other = graph.copy()
    node = graph.nodes[0]
    twin = other.get_node(node.name)
    assert twin is not node and twin.graph is other
    before = node.ui["pos"]
    node.ui["pos"][0] += 100  # a position is read as a new list: that list is no one's
    assert node.ui["pos"] == before
    graph.set_ui(node, pos=[node.ui["pos"][0] + 100, 0])
    assert twin.ui["pos"][0] != node.ui["pos"][0]
    variable = next(n for n in graph.nodes if isinstance(n, ts.Variable))
    assert not np.shares_memory(variable.value, other.get_node(variable.name).value)
    ts.Session(graph).run("train")  # a train step changes the graph's variables and state
    assert text(other) != text(graph)
    assert other.get_node("train").state == {}


def test_a_copy_made_later_is_the_graph_as_it_was_when_asked_for():
    graph = load_graph("resources/examples/mlp.json")
    before = text(graph)
    make = graph.copy_later()
    ts.Session(graph).run("train")  # new values and state after the snapshot
    graph.set_attr("train", "learning_rate", 0.5)
    graph.rename("J", "loss")
    other = make()
    assert text(graph) != before
    without_ui = [{k: v for k, v in n.items() if k != "ui"} for n in graph_to_dict(other)["nodes"]]
    assert without_ui == [{k: v for k, v in n.items() if k != "ui"}
                          for n in json.loads(before)["nodes"]]
    assert all(n.ui == {} for n in other.nodes)


def test_training_a_copy_matches_training_the_graph():
    graph = load_graph("resources/examples/mlp.json")
    other = graph.copy()
    a, b = ts.Session(graph), ts.Session(other)
    for _ in range(5):
        assert a.run(["train", "J"])[1] == b.run(["train", "J"])[1]
    assert text(other) == text(graph)


def test_replayed_events_keep_a_copy_equal_to_the_graph():
    graph = load_graph("resources/examples/affine.json")
    replica = graph.copy()
    changes = []

    def record(event):
        changes.append(change_of(event))

    graph.subscribe(record)  # held weakly: kept alive by this frame
    graph.set_value("x", [3.0, 4.0])
    y = graph.add_node("square", [graph.get_node("z")], name="y")
    graph.set_ui(y, pos=[1, 2])  # not a change a replica needs
    graph.rename("A", "M")
    graph.add_node("reduce_sum", [y], name="J")
    graph.disconnect("J", 0)
    graph.connect("z", "J", 0)
    graph.set_attr("J", "axis", 0)
    graph.remove_node("y")
    Wt = graph.add_node("variable", name="W", value=np.ones((2, 2)))
    graph.set_state(Wt, {"step": np.int64(3)})
    for change in changes:
        if change is not None:
            replay(replica, change)
    data = graph_to_dict(graph)
    for entry in data["nodes"]:
        entry.pop("ui", None)
    mirrored = graph_to_dict(replica)
    for entry in mirrored["nodes"]:
        entry.pop("ui", None)
    assert dumps(mirrored) == dumps(data)
    assert ts.Session(replica).run("J") == ts.Session(graph).run("J")


def test_a_deletion_replays_as_one_removal_and_the_disconnections_it_does_not_imply():
    graph = load_graph("resources/examples/affine.json")
    graph.add_node("square", [graph.get_node("z")], name="y")
    replica = graph.copy()
    changes = []

    def record(events):
        changes.extend(changes_of(events))

    graph.subscribe(record, batched=True)  # held weakly: kept alive by this frame
    removal = graph.remove_nodes(["matmul", "z"])
    assert changes == [("remove_nodes", (["matmul", "z"],))]  # (y's input goes with z)
    graph.reinsert(removal)
    graph.set_value("x", [3.0, 4.0])
    graph.disconnect("y", 0)  # a run of removals: this wire is not matmul's
    graph.remove_node("matmul")
    assert [c[0] for c in changes[-3:]] == ["disconnect", "disconnect", "remove_nodes"]
    for change in changes:
        replay(replica, change)
    assert nodes_of(replica) == nodes_of(graph)


def nodes_of(graph: ts.Graph) -> list[dict]:
    """The graph's nodes as saved, by name, without their places on the canvas (a replica
    needs neither their order nor their ``ui``)."""
    entries = graph_to_dict(graph)["nodes"]
    for entry in entries:
        entry.pop("ui", None)
    return sorted(entries, key=lambda entry: entry["name"])


def test_changes_made_in_one_thread_replay_in_another():
    graph = load_graph("resources/examples/mlp.json")
    replica = graph.copy()
    changes = []

    def record(event):
        changes.append(change_of(event))

    graph.subscribe(record)  # held weakly: kept alive by this frame
    ts.Session(graph).run("train")  # the step assigns every trained variable
    values = {n.name: n.value for n in graph.nodes if isinstance(n, ts.Variable)}

    def follow() -> None:
        for change in changes:
            if change is not None:
                replay(replica, change)

    worker = threading.Thread(target=follow)
    worker.start()
    worker.join()
    for name, value in values.items():
        np.testing.assert_array_equal(replica.get_node(name).value, value)


def test_a_change_for_another_graph_is_refused():
    replica = load_graph("resources/examples/affine.json").copy()
    with pytest.raises(KeyError):
        replay(replica, ("remove_node", ("nowhere",)))
    with pytest.raises(ValueError, match="unknown change"):
        replay(replica, ("explode", ()))


def test_data_copy_shares_nothing_mutable():
    initializer = ts.random_normal([2, 2])
    ui = {"pos": [10.0, 20.0], "note": "x", "tags": ("a", ["b"]), "init": initializer}
    copied = data_copy(ui)
    assert copied["pos"] == [10.0, 20.0] and copied["pos"] is not ui["pos"]
    assert copied["tags"] == ("a", ["b"]) and copied["tags"][1] is not ui["tags"][1]
    assert copied["init"] is not initializer  # anything else: copy.deepcopy
