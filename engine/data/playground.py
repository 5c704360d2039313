"""TensorFlow Playground's four classification data sets, made by its formulas (dataset.ts,
github.com/tensorflow/playground, Apache-2.0) with a seeded generator: ``size`` points in two
classes, ``noise`` from 0 to 0.5 (the Playground's 0–50 %)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .dataset import FEATURES, INDEX, LABELS, ONE_HOT, DataError, Dataset, one_hot_rows

CLASSES = ("orange", "blue")
"""The Playground's colours: orange for label −1 (index 0), blue for +1 (index 1)."""
Points = tuple[NDArray[np.float64], NDArray[np.intp]]


def circle(size: int, noise: float, rng: np.random.Generator) -> Points:
    """Blue inside radius 2.5, orange in a ring from 3.5 to 5 (noise moves points across)."""
    radius = 5.0
    half = size // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half),
                        rng.uniform(radius * 0.7, radius, size - half)])
    angle = rng.uniform(0, 2 * math.pi, size)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    noisy = points + rng.uniform(-radius, radius, (size, 2)) * noise
    return points, (np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5).astype(np.intp)


def xor(size: int, noise: float, rng: np.random.Generator) -> Points:
    """Points in [−5, 5]² away from the axes; blue where x·y ≥ 0."""
    points = rng.uniform(-5, 5, (size, 2))
    points += np.where(points > 0, 0.3, -0.3)
    noisy = points + rng.uniform(-5, 5, (size, 2)) * noise
    return points, (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.intp)


def gauss(size: int, noise: float, rng: np.random.Generator) -> Points:
    """Two Gaussians, blue at (2, 2) and orange at (−2, −2), wider with more noise."""
    variance = 0.5 + noise / 0.5 * 3.5
    half = size // 2
    centres = np.array([[2.0, 2.0]] * half + [[-2.0, -2.0]] * (size - half))
    points = centres + rng.normal(0, math.sqrt(variance), (size, 2))
    return points, np.array([1] * half + [0] * (size - half), dtype=np.intp)


def spiral(size: int, noise: float, rng: np.random.Generator) -> Points:
    """Two interleaved spirals (blue, then orange turned by π)."""
    half = size // 2
    parts = []
    for count, turn in ((half, 0.0), (size - half, math.pi)):
        i = np.arange(count) / max(count, 1)
        r = i * 5
        t = 1.75 * i * 2 * math.pi + turn
        arm = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        parts.append(arm + rng.uniform(-1, 1, (count, 2)) * noise)
    return np.concatenate(parts), np.array([1] * half + [0] * (size - half), dtype=np.intp)


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], Points]] = {
    "circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral,
}


def playground(name: str, size: int = 500, noise: float = 0.0, seed: int = 0,
               encoding: str = ONE_HOT) -> Dataset:
    """One of :data:`GENERATORS`' data sets: ``features`` (x, y) and ``labels`` (one-hot
    rows, or class indices for ``encoding="index"``)."""
    if name not in GENERATORS:
        raise DataError(f"no Playground data set {name!r}: expected one of "
                        f"{', '.join(GENERATORS)}")
    if size < 2:
        raise DataError(f"{name}: size {size}: expected at least 2 points")
    if not 0 <= noise <= 0.5:
        raise DataError(f"{name}: noise {noise}: expected 0 to 0.5")
    points, labels = GENERATORS[name](size, noise, np.random.default_rng(seed))
    encoded = labels.astype(np.int64) if encoding == INDEX else one_hot_rows(labels, 2)
    return Dataset(name, {FEATURES: points, LABELS: encoded}, {FEATURES: ["x", "y"]}, CLASSES)
