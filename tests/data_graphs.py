"""Graphs the data tests train."""

from __future__ import annotations

import engine as ts


def classifier(features: int = 2, classes: int = 2) -> ts.Graph:
    """X (features) and one-hot c, a softmax layer, its mean cross-entropy J, Adam."""
    with ts.Graph().as_default() as g:
        X = ts.placeholder(shape=[None, features], dtype="float64", name="X")
        c = ts.placeholder(shape=[None, classes], dtype="float64", name="c")
        W = ts.Variable(ts.random_normal([features, classes], seed=1), name="W")
        b = ts.Variable(ts.zeros([classes]), name="b")
        J = ts.reduce_mean(ts.softmax_cross_entropy(c, X @ W + b), name="J")
        ts.train.AdamOptimizer(0.05).minimize(J, name="train")
    return g
