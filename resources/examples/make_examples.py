"""Write the series' perceptron and multi-layer perceptron, and the digits and spiral
classifiers, as graph files (fixed seeds).

    python resources/examples/make_examples.py      # rewrites the four .json files

The series' two follow "Deep Learning From Scratch": the data sits in placeholders with
defaults (so a run needs no feed), labels are one-hot, the loss is the summed cross-entropy
built from log, multiply and reduce_sum, and a gradient descent train node minimizes it.
The digits and spiral classifiers train on bound data sets by epochs of mini-batches (their
train node's ``ui`` keeps the editor's training settings): digits 8 × 8 (resources/datasets,
referenced by path, standardised) through 64 → 32 → 10, and the Playground's spiral
(embedded) through 2 → 16 → 16 → 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import engine as ts  # noqa: E402

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parent / "datasets"
DATA_SEED = {"perceptron": 3, "mlp": 1, "spiral": 0}
WEIGHT_SEED = {"perceptron": 100, "mlp": 200, "digits": 300, "spiral": 400}
TRAINING = {
    "digits": {"epochs": 10, "batch_size": 32, "seed": 0, "validation_split": 0.2},
    "spiral": {"epochs": 100, "batch_size": 16, "seed": 0, "validation_split": 0.2},
}
"""Each data classifier's training settings, kept in its train node's ``ui``."""


def one_hot_data(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Points of [blue groups…, red groups…] and their labels: blue [1, 0], red [0, 1]."""
    blue, red = groups
    points = np.concatenate([blue, red])
    labels = np.array([[1.0, 0.0]] * len(blue) + [[0.0, 1.0]] * len(red))
    return points, labels


def cross_entropy(c: ts.Node, p: ts.Node) -> ts.Node:
    """J = −Σᵢ Σⱼ cᵢⱼ log pᵢⱼ, as the series writes it."""
    return ts.negative(ts.reduce_sum(ts.reduce_sum(ts.multiply(c, ts.log(p)), axis=1)), name="J")


def inputs(points: np.ndarray, labels: np.ndarray) -> tuple[ts.Node, ts.Node]:
    X = ts.placeholder(shape=[None, 2], dtype="float64", name="X", default=points)
    c = ts.placeholder(shape=[None, 2], dtype="float64", name="c", default=labels)
    return X, c


def perceptron() -> ts.Graph:
    """Part III–IV: 50 blue points around (2, 2), 50 red around (−2, −2), a softmax
    perceptron, gradient descent at 0.01."""
    rng = np.random.default_rng(DATA_SEED["perceptron"])
    blue = rng.normal(size=(50, 2)) + 2
    red = rng.normal(size=(50, 2)) - 2
    seed = WEIGHT_SEED["perceptron"]
    with ts.Graph().as_default() as g:
        X, c = inputs(*one_hot_data([blue, red]))
        W = ts.Variable(ts.random_normal([2, 2], seed=seed), name="W")
        b = ts.Variable(ts.random_normal([2], seed=seed + 1), name="b")
        p = ts.softmax(ts.add(ts.matmul(X, W), b), name="p")
        J = cross_entropy(c, p)
        ts.train.GradientDescentOptimizer(learning_rate=0.01).minimize(J, name="train")
    return g


def mlp() -> ts.Graph:
    """Part V: XOR-like clusters (σ = 0.2) — red at (0, 0) and (1, 1), blue at (0, 1) and
    (1, 0), 25 points each — a 2-2-2 sigmoid network with softmax output, gradient descent
    at 0.03."""
    rng = np.random.default_rng(DATA_SEED["mlp"])

    def cluster(x: float, y: float) -> np.ndarray:
        return 0.2 * rng.normal(size=(25, 2)) + np.array([x, y])

    red = np.concatenate([cluster(0, 0), cluster(1, 1)])
    blue = np.concatenate([cluster(0, 1), cluster(1, 0)])
    seed = WEIGHT_SEED["mlp"]
    with ts.Graph().as_default() as g:
        X, c = inputs(*one_hot_data([blue, red]))
        W_hidden = ts.Variable(ts.random_normal([2, 2], seed=seed), name="W_hidden")
        b_hidden = ts.Variable(ts.random_normal([2], seed=seed + 1), name="b_hidden")
        p_hidden = ts.sigmoid(ts.add(ts.matmul(X, W_hidden), b_hidden), name="p_hidden")
        W_output = ts.Variable(ts.random_normal([2, 2], seed=seed + 2), name="W_output")
        b_output = ts.Variable(ts.random_normal([2], seed=seed + 3), name="b_output")
        p_output = ts.softmax(ts.add(ts.matmul(p_hidden, W_output), b_output), name="p_output")
        J = cross_entropy(c, p_output)
        ts.train.GradientDescentOptimizer(learning_rate=0.03).minimize(J, name="train")
    return g


def dense(h: ts.Node, width: int, units: int, seed: int, suffix: str) -> ts.Node:
    """h · W + b, with W drawn at the scale 1/√width."""
    W = ts.Variable(ts.random_normal([width, units], stddev=1 / width ** 0.5, seed=seed),
                    name=f"W_{suffix}")
    b = ts.Variable(ts.zeros([units]), name=f"b_{suffix}")
    return ts.add(ts.matmul(h, W), b, name="logits" if suffix == "output" else None)


def data_classifier(name: str, data: ts.data.Dataset, hidden: list[int],
                    learning_rate: float, **binding: object) -> ts.Graph:
    """X → tanh layers → logits, the mean softmax cross-entropy J, Adam; X and c bound to
    ``data``'s features and labels."""
    features, classes = data.arrays["features"].shape[1], data.arrays["labels"].shape[1]
    seed = WEIGHT_SEED[name]
    with ts.Graph().as_default() as g:
        X = ts.placeholder(shape=[None, features], dtype="float64", name="X")
        c = ts.placeholder(shape=[None, classes], dtype="float64", name="c")
        h, width = X, features
        for i, units in enumerate(hidden, start=1):
            h = ts.tanh(dense(h, width, units, seed + i, f"hidden{i}"), name=f"hidden{i}")
            width = units
        logits = dense(h, width, classes, seed, "output")
        J = ts.reduce_mean(ts.softmax_cross_entropy(c, logits), name="J")
        train = ts.train.AdamOptimizer(learning_rate).minimize(J, name="train")
    ts.data.bind(g, data, {"X": "features", "c": "labels"}, **binding)
    g.set_ui(train, training=TRAINING[name])
    return g


def digits() -> ts.Graph:
    """Handwritten digits 8 × 8 (standardised with the training rows' statistics), a hidden
    layer of 32, Adam at 0.01: ≥ 95 % of the validation rows right after 10 epochs."""
    path = DATASETS / "digits.npz"
    settings = TRAINING["digits"]
    options = {"label": "labels", "standardize": {
        "validation_split": settings["validation_split"], "seed": settings["seed"]}}
    data = ts.data.binding.read_source(path, options)
    return data_classifier("digits", data, [32], 0.01, file=path, options=options, embed=False)


def spiral() -> ts.Graph:
    """The Playground's two spirals (500 points, no noise), two hidden layers of 16, Adam at
    0.03."""
    data = ts.data.builtin("spiral", size=500, noise=0.0, seed=DATA_SEED["spiral"])
    return data_classifier("spiral", data, [16, 16], 0.03)


COLUMN, ROW = 180, 100
"""Grid units in scene pixels: a node is 156 wide and 66–88 high. Five columns and six rows
fit the default canvas (about 870 × 750 pixels) at a zoom that shows text, with room under
each variable for its gradient badge and, between the bands, for the wires running back."""

LAYOUT = {
    # Read like lines of text: each band is one stage of the series' figure, left to right.
    "perceptron": {
        "X": (0, 0), "W": (0, 1), "matmul": (1, 0.5), "b": (1, 1.5), "add": (2, 1),
        "p": (3, 1),
        "log": (0, 2.7), "c": (0, 3.7), "multiply": (1, 3.2), "reduce_sum": (2, 3.2),
        "reduce_sum_1": (3, 3.2), "J": (4, 2.7), "train": (4, 3.7),
    },
    "mlp": {
        "X": (0, 0), "W_hidden": (0, 1), "matmul": (1, 0.5), "b_hidden": (1, 1.5),
        "add": (2, 1), "p_hidden": (3, 1),
        "W_output": (0, 3.1), "matmul_1": (1, 2.6), "b_output": (1, 3.6), "add_1": (2, 3.1),
        "p_output": (3, 3.1),
        "log": (0, 4.9), "c": (0, 5.9), "multiply": (1, 5.4), "reduce_sum": (2, 5.4),
        "reduce_sum_1": (3, 5.4), "J": (4, 4.9), "train": (4, 5.9),
    },
    "digits": {
        "X": (0, 0), "W_hidden1": (0, 1), "matmul": (1, 0.5), "b_hidden1": (1, 1.5),
        "add": (2, 1), "hidden1": (3, 1),
        "W_output": (0, 3.1), "matmul_1": (1, 2.6), "b_output": (1, 3.6), "logits": (2, 3.1),
        "c": (2, 4.6), "softmax_cross_entropy": (3, 3.6), "J": (4, 3.1), "train": (4, 4.6),
    },
    "spiral": {
        "X": (0, 0), "W_hidden1": (0, 1), "matmul": (1, 0.5), "b_hidden1": (1, 1.5),
        "add": (2, 1), "hidden1": (3, 1),
        "W_hidden2": (0, 3.1), "matmul_1": (1, 2.6), "b_hidden2": (1, 3.6), "add_1": (2, 3.1),
        "hidden2": (3, 3.1),
        "W_output": (0, 5.2), "matmul_2": (1, 4.7), "b_output": (1, 5.7), "logits": (2, 5.2),
        "c": (2, 6.7), "softmax_cross_entropy": (3, 5.7), "J": (4, 5.2), "train": (4, 6.7),
    },
}


def lay_out(graph: ts.Graph, layout: dict[str, tuple[float, float]]) -> None:
    """Place every node on the example's grid, so the editor opens it compact and readable."""
    for node in graph:
        column, row = layout[node.name]
        graph.set_ui(node, pos=[round(COLUMN * column), round(ROW * row)])


def main() -> None:
    for name, build in (("perceptron", perceptron), ("mlp", mlp), ("digits", digits),
                        ("spiral", spiral)):
        graph = build()
        lay_out(graph, LAYOUT[name])
        ts.save_graph(graph, HERE / f"{name}.json")
        print(f"wrote {HERE / f'{name}.json'}")


if __name__ == "__main__":
    main()
