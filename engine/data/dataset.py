"""A data set: named arrays with one row per example, their column names and class names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from ..errors import EngineError

FEATURES = "features"
LABELS = "labels"
"""The arrays a loader makes from a table: the feature columns, and the encoded label column."""
MAX_CLASSES = 1000
"""A label column with more distinct values than this is not a column of classes."""
ONE_HOT, INDEX = "one-hot", "index"
ENCODINGS = (ONE_HOT, INDEX)
"""How labels are given: one-hot rows (k columns) or class indices (one int64 each)."""


class DataError(EngineError):
    """Data that cannot be read or used; the message names the file, row and column (or
    array) at fault."""


@dataclass(frozen=True)
class Dataset:
    """Arrays of one row per example (``features``, ``labels``, or a .npz file's arrays)."""

    name: str
    arrays: Mapping[str, np.ndarray]
    columns: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """The column names of an array of rows of values, where known (a CSV header)."""
    classes: Sequence[str] = ()
    """The class of each label index, for a data set with ``labels``."""

    def __post_init__(self) -> None:
        rows = {name: len(a) if a.ndim else 0 for name, a in self.arrays.items()}
        if len(set(rows.values())) > 1:
            told = ", ".join(f"{name} {n}" for name, n in rows.items())
            raise DataError(f"{self.name}: the arrays have different numbers of rows ({told})")

    @property
    def rows(self) -> int:
        """How many examples."""
        return len(next(iter(self.arrays.values()))) if self.arrays else 0

    def column_names(self, array: str) -> list[str]:
        """The names of an array's columns (``array[:, 0]``… where the file had no header)."""
        shown = self.columns.get(array)
        if shown:
            return list(shown)
        width = self.arrays[array].shape[1] if self.arrays[array].ndim == 2 else 1
        return [f"{array}[:, {i}]" for i in range(width)]

    def label_indices(self) -> NDArray[np.intp] | None:
        """The class index of each row (from one-hot rows or indices), if there are labels."""
        labels = self.arrays.get(LABELS)
        if labels is None:
            return None
        if labels.ndim == 2 and labels.shape[1] > 1:
            found: NDArray[np.intp] = np.argmax(labels, axis=1)
            return found
        return np.asarray(labels, dtype=np.intp).reshape(len(labels))

    def with_arrays(self, **arrays: np.ndarray) -> Dataset:
        """A copy with some arrays replaced."""
        return replace(self, arrays={**self.arrays, **arrays})


def encode_labels(values: NDArray[np.generic], where: str,
                  encoding: str = ONE_HOT) -> tuple[NDArray[np.generic], list[str]]:
    """A column of class names or whole numbers as one-hot rows or class indices, and the
    class names (whole numbers in numeric order, names sorted). ``where`` names the column
    in messages."""
    if encoding not in ENCODINGS:
        raise DataError(f"{where}: unknown label encoding {encoding!r}: expected "
                        f"{' or '.join(ENCODINGS)}")
    if values.dtype.kind == "f":
        numbers = values.astype(np.float64)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        if not whole.all():
            row = int(np.flatnonzero(~whole)[0])
            raise DataError(f"{where}, row {row + 1}: {numbers[row]:g} is not a class (a label "
                            "is a whole number or a name)")
        values = values.astype(np.int64)
    found, indices = np.unique(values, return_inverse=True)
    if len(found) > MAX_CLASSES:
        raise DataError(f"{where}: {len(found):,} distinct values are too many classes (at most "
                        f"{MAX_CLASSES:,}); is it a label column?")
    classes = [str(v) for v in found]
    indices = indices.reshape(len(values))
    if encoding == INDEX:
        return indices.astype(np.int64), classes
    return one_hot_rows(indices, len(classes)), classes


def one_hot_rows(indices: NDArray[np.integer], classes: int) -> NDArray[np.float64]:
    """Rows of zeros with a one at each class index."""
    out = np.zeros((len(indices), classes))
    out[np.arange(len(indices)), indices] = 1.0
    return out


def standardized(data: Dataset, array: str, rows: NDArray[np.intp] | None = None) -> Dataset:
    """The data set with ``array`` standardised column by column (mean 0, standard deviation 1)
    with the mean and deviation of ``rows`` only (the training split; default all). A constant
    column is only centred."""
    values = np.asarray(data.arrays[array], dtype=np.float64)
    seen = values if rows is None else values[rows]
    if not len(seen):
        raise DataError(f"{data.name}: no rows to standardise {array} with")
    mean = seen.mean(axis=0)
    std = seen.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return data.with_arrays(**{array: (values - mean) / std})
