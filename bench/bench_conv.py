"""A training step of a small CNN in the engine ÷ the same step written by hand in numpy,
measured side by side in one run (A B A B…): 8 × 8 single-channel images, batch 32; conv
3×3×8 (SAME) + bias → relu → max_pool 2×2 → dense 10 → softmax cross-entropy (mean), gradient
descent. BLAS is held to one thread for both sides.

    python bench/bench_conv.py [ROUNDS]        # target: median ratio ≤ 1.5
"""

from __future__ import annotations

import os
import statistics
import sys
import timeit

import setup_bench  # noqa: F401  (first: one BLAS thread before numpy loads; the root on the path)

# isort: split
import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import engine as ts  # noqa: E402

BATCH, SIDE, FILTERS, CLASSES, RATE = 32, 8, 8, 10, 0.05
TARGET = 1.5


def data(seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 16, (BATCH, SIDE, SIDE, 1)) / 16  # the digits' range, scaled
    labels = np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)]
    weights = [rng.normal(0, 0.3, (3, 3, 1, FILTERS)), np.zeros(FILTERS),
               rng.normal(0, 0.1, (SIDE * SIDE * FILTERS // 4, CLASSES)), np.zeros(CLASSES)]
    return images, labels, weights


def engine_step():
    images, labels, (K, c, W, b) = data()
    with ts.Graph().as_default() as graph:
        X = ts.placeholder(shape=[None, SIDE, SIDE, 1], name="X")
        Y = ts.placeholder(shape=[None, CLASSES], name="Y")
        conv = ts.conv2d(X, ts.Variable(K, name="K"), padding="SAME")
        hidden = ts.relu(ts.bias_add(conv, ts.Variable(c, name="c")))
        pooled = ts.reshape(ts.max_pool(hidden), shape=[-1, SIDE * SIDE * FILTERS // 4])
        logits = pooled @ ts.Variable(W, name="W") + ts.Variable(b, name="b")
        loss = ts.reduce_mean(ts.softmax_cross_entropy_with_logits(Y, logits))
        train = ts.train.GradientDescentOptimizer(RATE).minimize(loss)
    session = ts.Session(graph)
    feed, fetches = {X: images, Y: labels}, [train, loss]
    return lambda: session.run(fetches, feed)[1]


def numpy_step():
    images, labels, (K, c, W, b) = data()
    n = len(images)

    def step():
        nonlocal K, c, W, b
        padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
        windows = sliding_window_view(padded, (3, 3), axis=(1, 2))  # (N, 8, 8, 1, 3, 3)
        columns = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3)).reshape(-1, 9)
        z = (columns @ K.reshape(9, FILTERS)).reshape(n, SIDE, SIDE, FILTERS) + c
        h = np.maximum(z, 0)
        # each 2×2 window's four values last; the first maximum wins (and takes the gradient)
        windows_max = np.ascontiguousarray(h.reshape(n, 4, 2, 4, 2, FILTERS).transpose(
            0, 1, 3, 5, 2, 4)).reshape(n, 4, 4, FILTERS, 4)
        first = windows_max.argmax(axis=-1)
        flat = np.take_along_axis(windows_max, first[..., None], axis=-1).reshape(n, -1)
        logits = flat @ W + b
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = -np.sum(labels * (shifted - np.log(total))) / n
        dlogits = (e / total - labels) / n
        dflat = dlogits @ W.T
        dwin = np.zeros_like(windows_max)
        np.put_along_axis(dwin, first[..., None], dflat.reshape(n, 4, 4, FILTERS, 1), axis=-1)
        dh = dwin.reshape(n, 4, 4, FILTERS, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(h.shape)
        dz = dh * (z > 0)
        dK = (columns.T @ dz.reshape(-1, FILTERS)).reshape(K.shape)
        W, b = W - RATE * (flat.T @ dlogits), b - RATE * dlogits.sum(axis=0)
        K, c = K - RATE * dK, c - RATE * dz.sum(axis=(0, 1, 2))
        return loss

    return step


def per_call(step, number: int) -> float:
    return timeit.timeit(step, number=number) / number


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    ours, hand = engine_step(), numpy_step()
    losses = [(ours(), hand()) for _ in range(5)]  # warm up; the same network learns alike
    assert np.allclose(losses, [(a, a) for a, _ in losses], rtol=1e-9), losses
    number = 200
    load = os.getloadavg()
    a_times, b_times = [], []
    with threadpool_limits(1):
        for _ in range(rounds):
            a_times.append(per_call(ours, number))
            b_times.append(per_call(hand, number))
    ratios = [a / b for a, b in zip(a_times, b_times, strict=True)]
    print(f"CNN training step, batch {BATCH}, {SIDE}×{SIDE}, conv 3×3×{FILTERS} → relu → "
          f"max_pool 2 → dense {CLASSES}; {rounds} rounds × {number} steps, A B A B")
    print(f"{'':10} {'min':>10} {'median':>10}")
    print(f"{'engine':10} {min(a_times) * 1e6:8.1f}µs {statistics.median(a_times) * 1e6:8.1f}µs")
    print(f"{'numpy':10} {min(b_times) * 1e6:8.1f}µs {statistics.median(b_times) * 1e6:8.1f}µs")
    print(f"{'ratio':10} {min(ratios):10.2f} {statistics.median(ratios):10.2f}")
    print(f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    median = statistics.median(ratios)
    print(f"target: median ratio ≤ {TARGET} — {'met' if median <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
