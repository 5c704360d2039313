"""Mini-batches: a seeded split into training and validation rows, and per epoch a seeded
shuffle of the training rows cut into batches — indices into the data set's arrays, which are
never copied whole (a batch takes its rows with one fancy index)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .dataset import DataError

Rows = NDArray[np.intp]


@dataclass(frozen=True)
class Split:
    """Which rows train and which validate."""

    train: Rows
    validation: Rows


def split(rows: int, validation_split: float, seed: int = 0) -> Split:
    """A seeded random ``validation_split`` fraction of ``rows`` rows to validate (at least one
    if the fraction is above 0), the rest to train (at least one)."""
    if not 0 <= validation_split < 1:
        raise DataError(f"validation split {validation_split}: expected a fraction from 0 to "
                        "below 1")
    held = min(rows - 1, max(1, round(rows * validation_split))) if validation_split else 0
    if rows < 1 or held < 0:
        raise DataError("no rows to train with")
    order = np.random.default_rng(seed).permutation(rows)
    return Split(np.sort(order[held:]), np.sort(order[:held]))


def epoch_batches(rows: Rows, batch_size: int, rng: np.random.Generator | None) -> list[Rows]:
    """``rows`` shuffled by ``rng`` (kept in order without one) in batches of ``batch_size``
    (the last one smaller)."""
    if batch_size < 1:
        raise DataError(f"batch size {batch_size}: expected at least 1")
    order = rows[rng.permutation(len(rows))] if rng is not None else rows
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def batches(arrays: Mapping[str, np.ndarray], batch_size: int, *, epochs: int = 1,
            seed: int | None = 0,
            rows: Rows | None = None) -> Iterator[dict[str, np.ndarray]]:
    """Mini-batches of ``arrays`` (the same rows of each), ``epochs`` times over ``rows``
    (default all), shuffled each epoch by a generator seeded with ``seed`` (``None``: in order).

        for batch in ts.data.batches(data.arrays, 32, epochs=5, seed=1):
            session.run(train, {X: batch["features"], c: batch["labels"]})
    """
    total = len(next(iter(arrays.values())))
    rows = np.arange(total) if rows is None else rows
    rng = None if seed is None else np.random.default_rng(seed)
    for _ in range(epochs):
        for batch in epoch_batches(rows, batch_size, rng):
            yield {name: array[batch] for name, array in arrays.items()}
