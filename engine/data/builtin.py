"""The built-in data sets: files shipped under resources/datasets (see its README for their
sources and licences) and the Playground's generated ones."""

from __future__ import annotations

from pathlib import Path

from .dataset import ONE_HOT, DataError, Dataset
from .loaders import load
from .playground import GENERATORS, playground

DATASETS = Path(__file__).resolve().parents[2] / "resources" / "datasets"
FILES = {
    "blobs": ("blobs.csv", "class"), "xor_clusters": ("xor_clusters.csv", "class"),
    "iris": ("iris.csv", "species"), "digits": ("digits.npz", "labels"),
}
"""Each shipped data set: its file and label column (or array)."""
NAMES = (*FILES, *GENERATORS)


def builtin_path(name: str) -> Path:
    """Where a shipped data set's file is."""
    if name not in FILES:
        raise DataError(f"no built-in data file {name!r}: expected one of {', '.join(FILES)}")
    return DATASETS / FILES[name][0]


def builtin(name: str, *, encoding: str = ONE_HOT, size: int = 500, noise: float = 0.0,
            seed: int = 0) -> Dataset:
    """A built-in data set by name (any of :data:`NAMES`); ``size``, ``noise`` and ``seed``
    make a Playground set."""
    if name in GENERATORS:
        return playground(name, size, noise, seed, encoding)
    if name not in FILES:
        raise DataError(f"no built-in data set {name!r}: expected one of {', '.join(NAMES)}")
    file, label = FILES[name]
    return load(DATASETS / file, label=label, encoding=encoding)
