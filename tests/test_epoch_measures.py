"""An epoch's measured loss is a batch's loss over the rows measured: whether the loss averages
a batch's rows is read from the graph's roles (the mean of a loss on logits) or else tried once
per fit, and both roads report what a session computes."""

from __future__ import annotations

import numpy as np
import pytest

import engine as ts
from engine.data.fitting import _averages


def frozen(loss: str) -> ts.Graph:
    """A softmax layer that does not learn (rate 0), its loss built as ``loss`` says."""
    with ts.Graph().as_default() as g:
        x = ts.placeholder(shape=[None, 3], name="x")
        c = ts.placeholder(shape=[None, 2], name="c")
        w = ts.Variable(ts.random_normal([3, 2], seed=2), name="w")
        logits = x @ w
        per_row = (ts.softmax_cross_entropy(c, logits) if loss != "sigmoid"
                   else ts.sigmoid_cross_entropy_with_logits(c, logits))
        total = {"mean": ts.reduce_mean(per_row), "sigmoid": ts.reduce_mean(per_row),
                 "sum": ts.reduce_sum(per_row),
                 "mean of a sum": ts.reduce_mean(ts.reduce_sum(per_row, axis=0))}[loss]
        ts.train.GradientDescentOptimizer(0.0).minimize(total, name="train")
    return g


@pytest.mark.parametrize("loss, by_roles, batch", [
    ("mean", True, 1), ("sigmoid", True, 1), ("sum", False, 4), ("mean of a sum", False, 4)])
def test_an_epochs_loss_is_a_batchs_by_roles_or_by_trial(loss, by_roles, batch) -> None:
    graph = frozen(loss)
    rng = np.random.default_rng(5)
    data = ts.data.Dataset("rows", {"x": rng.normal(size=(20, 3)),
                                    "c": np.eye(2)[rng.integers(0, 2, 20)]})
    train = graph.get_node("train")
    assert _averages(train.inputs[0]) is by_roles
    result = ts.data.fit_data(graph, train, data, {"x": "x", "c": "c"},
                              ts.data.Schedule(epochs=1, batch_size=4, validation_split=0.25))
    rows = ts.data.split(20, 0.25, 0)
    session = ts.Session(graph)
    for part, measured in [(rows.train, result.epochs[0].loss),
                           (rows.validation, result.epochs[0].validation_loss)]:
        whole = float(session.run(train.inputs[0], {"x": data.arrays["x"][part],
                                                    "c": data.arrays["c"][part]}))
        assert measured == pytest.approx(whole if by_roles else whole / len(part) * batch,
                                         rel=1e-12)
