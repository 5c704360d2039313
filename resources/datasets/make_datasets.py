"""Write the built-in data sets shipped as files (run once; nothing is downloaded at run time).

    python resources/datasets/make_datasets.py

The series' two Gaussian blobs and XOR clusters are drawn with the seeds of
resources/examples/make_examples.py; iris and digits are copied from scikit-learn's own copies
(this script alone needs scikit-learn, the program does not). See README.md for sources and
licences.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def write_points(name: str, groups: dict[str, np.ndarray]) -> None:
    """A CSV of x, y and the class of each point."""
    with open(HERE / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["x", "y", "class"])
        for label, points in groups.items():
            out.writerows([f"{x:.6f}", f"{y:.6f}", label] for x, y in points)


def series() -> None:
    rng = np.random.default_rng(3)  # the perceptron's seed
    blue = rng.normal(size=(50, 2)) + 2
    red = rng.normal(size=(50, 2)) - 2
    write_points("blobs", {"blue": blue, "red": red})
    rng = np.random.default_rng(1)  # the multi-layer perceptron's seed

    def cluster(x: float, y: float) -> np.ndarray:
        return 0.2 * rng.normal(size=(25, 2)) + np.array([x, y])

    red = np.concatenate([cluster(0, 0), cluster(1, 1)])
    blue = np.concatenate([cluster(0, 1), cluster(1, 0)])
    write_points("xor_clusters", {"blue": blue, "red": red})


def scikit_learn() -> None:
    from sklearn.datasets import load_digits, load_iris

    iris = load_iris()
    with open(HERE / "iris.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
        for row, target in zip(iris.data, iris.target, strict=True):
            out.writerow([*(f"{v:g}" for v in row), iris.target_names[target]])
    digits = load_digits()
    np.savez_compressed(HERE / "digits.npz", features=digits.data.astype(np.uint8),
                        labels=digits.target.astype(np.uint8))


if __name__ == "__main__":
    series()
    scikit_learn()
