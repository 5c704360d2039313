"""Data sets for training (``ts.data``): load a file or a built-in set, bind its arrays to
placeholders, iterate seeded mini-batches, train by epochs.

    import engine as ts
    digits = ts.data.builtin("digits")                      # or ts.data.load("my.csv", label="y")
    ts.data.bind(graph, digits, {"X": "features", "c": "labels"})
    for batch in ts.data.batches(digits.arrays, 32, epochs=1, seed=0):
        session.run(train, {X: batch["features"], c: batch["labels"]})
    result = ts.data.fit_data(graph, "train", digits, {"X": "features", "c": "labels"},
                              ts.data.Schedule(epochs=20, batch_size=32, validation_split=0.2))
"""

from .batches import Split, batches, split
from .binding import bind, bound_data, bound_to, plan_binding, problem, problems
from .builtin import NAMES as BUILTIN_NAMES
from .builtin import builtin
from .dataset import FEATURES, LABELS, DataError, Dataset, encode_labels, one_hot_rows, standardized
from .fitting import DataFitResult, Epoch, Schedule, classifier_output, fit_data
from .loaders import LoadCancelled, Preview, load, load_csv, load_npy, load_npz, preview_csv

__all__ = [
    "BUILTIN_NAMES", "FEATURES", "LABELS", "DataError", "DataFitResult", "Dataset", "Epoch",
    "LoadCancelled", "Preview", "Schedule", "Split", "batches", "bind", "bound_data",
    "bound_to", "builtin", "classifier_output", "encode_labels", "fit_data", "load",
    "load_csv", "load_npy", "load_npz", "one_hot_rows", "plan_binding", "preview_csv", "problem",
    "problems", "split", "standardized",
]
