"""A training step in the engine ÷ the same step written by hand in numpy, measured side by
side in one run: (a) the series' MLP (resources/examples/mlp.json: 100 points, 2-2-2 sigmoid,
summed cross-entropy from log/multiply/reduce_sum) and (b) a 128×64 → 64 → 10 sigmoid/softmax
MLP with the fused softmax_cross_entropy. Both are fed their batch each step.

    python bench/bench_train.py [ROUNDS]   # targets: (a) ≤ 1.5, (b) ≤ 1.1

The two sides alternate (engine, numpy, engine, …; 300 steps each time), one BLAS thread for
both; printed: each side's min and median, the ratio of the mins and the load average. With
``--interpreted`` the engine runs its plans step by step (no compiled code), for comparison.
"""

from __future__ import annotations

import sys

from setup_bench import ROOT, alternate, report  # first: pins BLAS before numpy loads

# isort: split
import numpy as np

import engine as ts

COMPILED = "--interpreted" not in sys.argv


def engine_series_mlp():
    graph = ts.load_graph(ROOT / "resources" / "examples" / "mlp.json")
    X, c = graph.get_node("X"), graph.get_node("c")
    feed = {X: X.default.copy(), c: c.default.copy()}
    session = ts.Session(graph, compiled=COMPILED)
    fetches = [graph.get_node("train"), graph.get_node("J")]
    return lambda: session.run(fetches, feed)


def numpy_series_mlp():
    graph = ts.load_graph(ROOT / "resources" / "examples" / "mlp.json")
    X, c = graph.get_node("X").default.copy(), graph.get_node("c").default.copy()
    W1, b1, W2, b2 = (graph.get_node(n).value.copy()
                      for n in ("W_hidden", "b_hidden", "W_output", "b_output"))
    lr = 0.03

    def step():
        nonlocal W1, b1, W2, b2
        h = 1 / (1 + np.exp(-(X @ W1 + b1)))
        z = h @ W2 + b2
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.sum(np.sum(c * np.log(p), axis=1))
        dz = p - c
        dh = dz @ W2.T * h * (1 - h)
        W2, b2 = W2 - lr * (h.T @ dz), b2 - lr * dz.sum(axis=0)
        W1, b1 = W1 - lr * (X.T @ dh), b1 - lr * dh.sum(axis=0)
        return loss

    return step


def data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(128, 64))
    Y = np.eye(10)[rng.integers(0, 10, 128)]
    weights = [rng.normal(0, 0.1, (64, 64)), np.zeros(64), rng.normal(0, 0.1, (64, 10)),
               np.zeros(10)]
    return X, Y, weights


def engine_mlp():
    X_value, Y_value, (W1, b1, W2, b2) = data()
    with ts.Graph().as_default() as graph:
        X = ts.placeholder(shape=[None, 64], name="X")
        Y = ts.placeholder(shape=[None, 10], name="Y")
        hidden = ts.sigmoid(X @ ts.Variable(W1) + ts.Variable(b1))
        logits = hidden @ ts.Variable(W2) + ts.Variable(b2)
        loss = ts.reduce_mean(ts.softmax_cross_entropy(Y, logits))
        train = ts.train.GradientDescentOptimizer(0.1).minimize(loss)
    session = ts.Session(graph, compiled=COMPILED)
    feed = {X: X_value, Y: Y_value}
    fetches = [train, loss]
    return lambda: session.run(fetches, feed)


def numpy_mlp():
    X, Y, (W1, b1, W2, b2) = data()
    lr, n = 0.1, len(X)

    def step():
        nonlocal W1, b1, W2, b2
        h = 1 / (1 + np.exp(-(X @ W1 + b1)))
        z = h @ W2 + b2
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = -np.sum(Y * (shifted - np.log(total))) / n
        dz = (e / total - Y) / n
        dh = dz @ W2.T * h * (1 - h)
        W2, b2 = W2 - lr * (h.T @ dz), b2 - lr * dz.sum(axis=0)
        W1, b1 = W1 - lr * (X.T @ dh), b1 - lr * dh.sum(axis=0)
        return loss

    return step


def main() -> None:
    rounds = int(next((a for a in sys.argv[1:] if a.isdigit()), 7))
    mode = "compiled" if COMPILED else "interpreted"
    a = report("(a) series' MLP, 100 points, 2-2-2 (target ≤ 1.5)",
               alternate({f"engine ({mode})": engine_series_mlp(),
                          "numpy by hand": numpy_series_mlp()}, 300, rounds))
    b = report("(b) MLP 128×64 → 64 → 10 (target ≤ 1.1)",
               alternate({f"engine ({mode})": engine_mlp(), "numpy by hand": numpy_mlp()},
                         300, rounds))
    for name, ratio, target in (("(a)", a, 1.5), ("(b)", b, 1.1)):
        print(f"{name}: {ratio:.2f} ÷ numpy, target ≤ {target} — "
              f"{'met' if ratio <= target else 'NOT met'}")


if __name__ == "__main__":
    main()
