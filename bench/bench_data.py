"""Data: (a) loading a 100,000 × 64 numeric CSV with ``engine.data.load`` ÷ ``numpy.loadtxt``
on the same file (targets: ≤ 1.5×, under 2 s); (b) an epoch of mini-batch training on digits
(batch 32; the digits example: 64 → 32 tanh → 10, mean softmax cross-entropy, Adam) with
``engine.data.fit_data`` ÷ the same loop written by hand in numpy (target ≤ 1.3×). Both sides
do the same work: split the rows into training and validation, start from the same weights
and fresh Adam moments, keep each step's batch loss (the engine's loss curve), measure the
training and validation loss and accuracy at the epoch's end (a batched forward pass over each
part), and count the confusion matrix of the validation rows (as a run's end shows it). The
engine's side is a whole ``fit_data`` call, a new Session included (its plans built and
compiled; only Python's compiling of a generated source already seen is cached, as in any run
after the first in one process), as a click on Train runs it; (c) the same for the digits
example's own run, ten epochs (the hand side keeps its Adam moments and step count across
epochs, as fit_data does), so that what is paid once per run (a new session's plans and
generated code, ≈ 0.5 ms) is shared by the epochs as in a user's training: the cost of an epoch
of training.

Sides alternate A B A B in one run with one BLAS thread each; min, median and the load
average are printed.

    python bench/bench_data.py [--rounds N]
"""

# ruff: noqa: I001  (setup_bench comes before numpy)
from __future__ import annotations

import setup_bench  # noqa: F401  (first: one BLAS thread, the root on the path)
import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import engine as ts

ROOT = Path(__file__).resolve().parents[1]


def alternate(sides: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Run the sides in turn, ``rounds`` times; the seconds of each run by side."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def report(title: str, times: dict[str, list[float]], target: float) -> None:
    (a, ta), (b, tb) = times.items()
    ratio = min(ta) / min(tb)
    print(f"{title}\n  {a}: min {min(ta):.4f} s, median {statistics.median(ta):.4f} s\n"
          f"  {b}: min {min(tb):.4f} s, median {statistics.median(tb):.4f} s\n"
          f"  ratio (min) {ratio:.2f} (target ≤ {target}); "
          f"load average {os.getloadavg()[0]:.2f}")


def csv_sides(folder: Path) -> dict[str, Callable[[], object]]:
    rng = np.random.default_rng(0)
    path = folder / "big.csv"
    header = ",".join(f"c{i}" for i in range(64))
    np.savetxt(path, rng.normal(size=(100_000, 64)), delimiter=",", fmt="%.6f",
               header=header, comments="")
    return {"engine.data.load": lambda: ts.data.load(path),
            "numpy.loadtxt": lambda: np.loadtxt(path, delimiter=",", skiprows=1)}


def adam_steps(X: np.ndarray, C: np.ndarray, batches: list[np.ndarray],
               params: list[np.ndarray],
               moments: tuple[list[np.ndarray], list[np.ndarray]] | None = None,
               first: int = 1) -> np.ndarray:
    """The digits MLP's training steps by hand (64 → 32 tanh → 10, mean softmax
    cross-entropy, Adam from ``moments``, fresh if not given, counting steps from ``first``),
    ``params`` (W1, b1, W2, b2) and the moments changed in place; each batch's loss, as the
    engine's loss curve keeps them."""
    W1, b1, W2, b2 = params
    m, v = moments or ([np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params])
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    losses = np.empty(len(batches))
    for t, batch in enumerate(batches, start=first):
        x, c = X[batch], C[batch]
        h = np.tanh(x @ W1 + b1)
        z = h @ W2 + b2
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        losses[t - first] = -(c * (shifted - np.log(total))).sum(axis=1).mean()
        p = e / total
        dz = (p - c) / len(batch)
        dh = dz @ W2.T * (1 - h * h)
        grads = [x.T @ dh, dh.sum(axis=0), h.T @ dz, dz.sum(axis=0)]
        step = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        for k, (param, grad) in enumerate(zip(params, grads, strict=True)):
            m[k] = beta1 * m[k] + (1 - beta1) * grad
            v[k] = beta2 * v[k] + (1 - beta2) * grad * grad
            param -= step * m[k] / (np.sqrt(v[k]) + eps)
    return losses


def epoch_sides(epochs: int = 1) -> dict[str, Callable[[], object]]:
    """fit_data and the loop by hand, each training ``epochs`` epochs from the same start."""
    graph = ts.load_graph(ROOT / "resources" / "examples" / "digits.json")
    data, bindings = ts.data.bound_data(graph)
    schedule = ts.data.Schedule(epochs=epochs, batch_size=32, seed=0, validation_split=0.2)
    variables = [n for n in graph.nodes if isinstance(n, ts.Variable)]
    start = {v.name: np.array(v.value) for v in variables}

    train = graph.get_node("train")

    def engine_epoch() -> None:
        graph.assign_many((v, start[v.name].copy()) for v in variables)
        graph.set_state(train, {})
        ts.data.fit_data(graph, "train", data, bindings, schedule)

    X, C = data.arrays["features"], data.arrays["labels"]

    def numpy_split() -> tuple[np.ndarray, np.ndarray]:
        """The training and validation rows, as ``fit_data`` splits them."""
        shuffled = np.random.default_rng(0).permutation(len(X))
        held = round(len(X) * 0.2)
        return np.sort(shuffled[held:]), np.sort(shuffled[:held])

    split = ts.data.split(data.rows, 0.2, 0)
    assert all(map(np.array_equal, numpy_split(), (split.train, split.validation)))

    def numpy_epoch() -> None:
        train_rows, validation_rows = numpy_split()
        W1, b1, W2, b2 = (start[k].copy() for k in ("W_hidden1", "b_hidden1", "W_output",
                                                     "b_output"))
        params = [W1, b1, W2, b2]
        rng = np.random.default_rng([0, 1])
        moments = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        first = 1
        for _ in range(epochs):
            order = train_rows[rng.permutation(len(train_rows))]
            batches = [order[i:i + 32] for i in range(0, len(order), 32)]
            adam_steps(X, C, batches, params, moments, first)
            first += len(batches)
            for part in (train_rows, validation_rows):  # the epoch's losses and accuracy
                z = np.tanh(X[part] @ W1 + b1) @ W2 + b2
                shifted = z - z.max(axis=1, keepdims=True)
                log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                float(-(C[part] * log_p).sum(axis=1).mean())
                predicted, truth = np.argmax(z, axis=1), np.argmax(C[part], axis=1)
                float(np.mean(predicted == truth))
        confusion = np.zeros((10, 10), dtype=np.int64)  # the run's end: on the validation rows
        np.add.at(confusion, (truth, predicted), 1)

    return {"engine fit_data": engine_epoch, "numpy by hand": numpy_epoch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with threadpool_limits(1), tempfile.TemporaryDirectory() as folder:
        report("(a) CSV 100,000 × 64", alternate(csv_sides(Path(folder)), rounds), 1.5)
    with threadpool_limits(1):
        report("(b) an epoch on digits, batch 32", alternate(epoch_sides(), rounds * 4), 1.3)
        report("(c) ten epochs on digits, batch 32 (the example's run)",
               alternate(epoch_sides(10), rounds * 4), 1.3)


if __name__ == "__main__":
    main()
