"""``python main.py train FILE --epochs N``: training on the data bound to the graph (or given
with ``--data``), by epochs of mini-batches, printing each epoch's losses and accuracy."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..graph import Graph, Node, Placeholder
from .binding import bind, bound, bound_to, read_source
from .dataset import FEATURES, LABELS, DataError
from .fitting import DataFitResult, Epoch, Schedule, fit_data, stored_settings
from .loaders import load, load_csv, preview_csv


def add_arguments(train: argparse.ArgumentParser) -> None:
    """The options of training by epochs (left out, the train node's own settings)."""
    train.add_argument("--epochs", type=int, metavar="N",
                       help="train N epochs on the bound data (instead of --steps); without "
                            "--steps or --epochs, the train node's epochs, if it keeps them")
    train.add_argument("--batch-size", type=int, metavar="B",
                       help="rows per mini-batch (default: the train node's, else 32)")
    train.add_argument("--validation-split", type=float, metavar="F",
                       help="fraction of rows held out to validate (default: the train "
                            "node's, else 0.2)")
    train.add_argument("--seed", type=int, metavar="S",
                       help="seed of the validation split and the shuffles (default: the "
                            "train node's, else 0)")
    train.add_argument("--data", action="append", default=[], metavar="NAME=PATH",
                       help="data for a data set bound in FILE (read as it was), or for a "
                            "placeholder: PATH (all columns) or PATH:features / PATH:labels "
                            "(a CSV's last column is the label) or PATH:ARRAY of a .npz")


FLAGS = {"epochs": "epochs", "batch_size": "batch-size", "validation_split": "validation-split",
         "seed": "seed"}
"""Each schedule setting's flag."""


def by_epochs(args: argparse.Namespace, train_node: Node) -> bool:
    """Whether ``args`` train by epochs: ``--epochs``, or no ``--steps`` and a train node
    that keeps its epochs."""
    return args.epochs is not None or args.steps is None and "epochs" in stored_settings(
        train_node)


def schedule_of(args: argparse.Namespace, train_node: Node) -> tuple[Schedule, str]:
    """The schedule the flags give, the train node's settings filling in those left out, and
    where it came from (``"the train node's settings"``, ``"flags"``, or both)."""
    kept = stored_settings(train_node)
    given = {key: getattr(args, key) for key in FLAGS if getattr(args, key) is not None}
    used = {key: value for key, value in kept.items() if key not in given}
    whence = " and ".join(([f"{train_node.name}'s settings"] if used else [])
                          + (["flags"] if given else [])) or "defaults"
    return Schedule(**{**used, **given}), whence


def train_epochs(args: argparse.Namespace, graph: Graph, train_node: Node, loss: Node,
                 stop: Callable[[], bool]) -> DataFitResult:
    """Train by epochs as ``args`` (and the train node's settings) say, printing the settings,
    a line per epoch and a confusion matrix."""
    schedule, whence = schedule_of(args, train_node)
    schedule.check()
    for item in args.data:
        use_data(graph, item)
    data, bindings = bound_to(loss)
    print(f"{data.name}: {data.rows} rows, " + ", ".join(f"{a} → {p}" for p, a in
                                                          bindings.items()), flush=True)
    print(f"{schedule.epochs} epoch{'s' * (schedule.epochs != 1)}, batch size "
          f"{schedule.batch_size}, validation split {schedule.validation_split:g}, seed "
          f"{schedule.seed} ({whence})", flush=True)

    def report(epoch: Epoch) -> None:
        print(epoch_line(epoch, schedule.epochs, loss.name), flush=True)

    result = fit_data(graph, train_node, data, bindings, schedule, on_epoch=report,
                      should_stop=stop)
    if result.confusion is not None and result.reason == "done":
        print(confusion_text(result.confusion, result.classes))
    return result


def epoch_line(epoch: Epoch, epochs: int, loss: str) -> str:
    """One epoch as the command line prints it."""
    return "  ".join([f"epoch {epoch.epoch}/{epochs}", *epoch.figures(loss, 6, " = ")])


def confusion_text(counts: np.ndarray, classes: Sequence[str]) -> str:
    """A confusion matrix as a table: a row per true class, a column per predicted one."""
    names = [classes[i] if i < len(classes) else str(i) for i in range(len(counts))]
    width = max(len(str(int(counts.max()))), *(len(n) for n in names))
    head = " " * width + "  " + " ".join(n.rjust(width) for n in names) + "  ← predicted"
    rows = [name.rjust(width) + "  " + " ".join(str(int(v)).rjust(width) for v in row)
            for name, row in zip(names, counts, strict=True)]
    return "\n".join(["confusion matrix (validation rows; a row per true class):", head, *rows])


def use_data(graph: Graph, item: str) -> None:
    """``--data NAME=PATH``: read PATH for the data set NAME bound in the graph (with its
    options), or bind it to the placeholder NAME."""
    name, sep, where = item.partition("=")
    if not sep or not name or not where:
        raise DataError(f"--data {item!r}: expected NAME=PATH")
    users = [(node, binding) for node, binding in bound(graph.nodes) if binding["set"] == name]
    if users:
        options = {k: v for k, v in users[0][1]["options"].items()
                   if k not in ("classes", "columns")}
        if "label" not in options and any(b["array"] == LABELS for _, b in users):
            options["label"] = _last_column(where) if where.lower().endswith(".csv") else LABELS
        data = replace(read_source(where, options), name=name)  # the same set, other rows
        bind(graph, data, {node.name: b["array"] for node, b in users}, file=where,
             options=options)
        return
    if name not in graph or not isinstance(graph.get_node(name), Placeholder):
        raise DataError(f"--data {name}: no placeholder or bound data set of that name")
    path, _, array = where.rpartition(":") if ":" in Path(where).name else (where, "", "")
    if not array:
        bind(graph, load(path), {name: FEATURES}, file=path)
    elif Path(path).suffix.lower() == ".csv":
        last = _last_column(path)
        options = {"label": last}
        bind(graph, load_csv(path, label=last), {name: array}, file=path, options=options)
    else:
        options = {"label": LABELS} if array == LABELS else {}
        bind(graph, load(path, label=options.get("label")), {name: array}, file=path,
             options=options)


def _last_column(path: str) -> int:
    """The index of a CSV file's last column (the label, by default)."""
    return len(preview_csv(path, rows=1).columns) - 1
