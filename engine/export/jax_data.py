"""The JAX script's data-set part: when the trained loss reads placeholders bound to a data
set, their arrays go to a sidecar ``.npz`` beside the script, and the script trains as
:func:`engine.data.fit_data` does — epochs of seeded shuffled mini-batches over the training
rows, the validation rows held out by the same seeded split, the train node's kept settings."""

from __future__ import annotations

import io
from dataclasses import dataclass, fields
from pathlib import Path

import networkx as nx
import numpy as np

from ..data.binding import bound, bound_to
from ..data.dataset import LABELS, DataError
from ..data.fitting import EVALUATION_ROWS, Schedule, classifier_output, stored_settings
from ..graph import Node
from ..io import atomic_write
from ..registry import PROBABILITIES, has_role
from . import ExportError

TRUTH = ":truth"
"""The sidecar's entry of each row's class index (no node's name: ``:`` is not allowed)."""


@dataclass(frozen=True)
class DataPart:
    """What the script trains on: the bound placeholders' arrays (by placeholder), each row's
    class for a classifier, the schedule, and the node whose scores give the class."""

    arrays: dict[str, np.ndarray]
    truth: np.ndarray | None
    schedule: Schedule
    scores: Node | None
    logits: bool


def data_part(node: Node, loss: Node) -> DataPart | None:
    """The data set the loss of train node ``node`` reads, if a placeholder it reads is bound
    to one (``ExportError`` naming the cause when its data are missing or its settings bad)."""
    feeding = nx.ancestors(loss.graph.nx, loss)
    if not bound(n for n in loss.graph.nodes if n in feeding):
        return None
    try:
        data, bindings = bound_to(loss)
        settings = stored_settings(node)
        schedule = Schedule(**settings)
        schedule.check()
    except DataError as error:
        raise ExportError(f"{node.label}: {error.args[0]}", node=error.node or node.name) \
            from None
    truth = data.label_indices() if LABELS in data.arrays else None
    scores = classifier_output(loss) if truth is not None else None
    return DataPart({name: data.arrays[array] for name, array in bindings.items()},
                    truth if scores is not None else None, schedule, scores,
                    scores is not None and not has_role(scores, PROBABILITIES))


def sidecar(script: Path) -> Path:
    """The data file beside ``script``: ``OUT_jax.npz`` for ``OUT_jax.py``."""
    return script.with_suffix(".npz")


def write_sidecar(path: Path, part: DataPart) -> None:
    """The data set's arrays (and the rows' classes) to ``path``, atomically."""
    arrays = dict(part.arrays)
    if part.truth is not None:
        arrays[TRUTH] = part.truth
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # (the stub: as if allow_pickle)
    atomic_write(path, buffer.getvalue())


def constants(part: DataPart, data_file: str) -> str:
    """The script's schedule and data constants."""
    settings = "".join(f"{f.name.upper()} = {getattr(part.schedule, f.name)!r}\n"
                       for f in fields(Schedule))
    return (f"{settings}EVALUATION_ROWS = {EVALUATION_ROWS}\n"
            f"DATA_FILE = {data_file!r}\nBOUND = {list(part.arrays)!r}\nTRUTH = {TRUTH!r}\n"
            f"THRESHOLD = {0.0 if part.logits else 0.5!r}\n")


USAGE = "[--epochs N] [--batch-size B] [--steps N] [--data PATH.npz] [--out PARAMS.npz]"

ABOUT = """The data set's arrays are read from {data_file} beside this script (or --data
PATH.npz); as Tensor Canvas's `train --epochs` does, a seeded VALIDATION_SPLIT of the rows is
held out and each epoch goes over the others shuffled (seeded) in mini-batches of BATCH_SIZE.
"""

TAIL = '''

def load_data(path=None):
    """The data set's arrays by placeholder, and each row's class (or None), from ``path``
    (default: DATA_FILE beside this script)."""
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), DATA_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"the data file {{path}} is missing: the export writes it beside "
                                "the script; give another with --data PATH.npz")
    with np.load(path) as stored:
        missing = [name for name in BOUND if name not in stored.files]
        if missing:
            raise KeyError(f"{{path}} has no array {{missing[0]!r}} (it has "
                           f"{{', '.join(stored.files)}})")
        return ({{name: stored[name] for name in BOUND}},
                stored[TRUTH] if TRUTH in stored.files else None)


def split(rows):
    """The training and validation rows: a seeded VALIDATION_SPLIT of them held out."""
    held = min(rows - 1, max(1, round(rows * VALIDATION_SPLIT))) if VALIDATION_SPLIT else 0
    order = np.random.default_rng(SEED).permutation(rows)
    return np.sort(order[held:]), np.sort(order[:held])


def epoch_batches(rows, batch_size, rng):
    """``rows`` shuffled by ``rng`` (in order without one) in batches (the last smaller)."""
    order = rows[rng.permutation(len(rows))] if rng is not None else rows
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


@jax.jit
def evaluate(params, data):
    """The loss (summed) and the class scores."""
    return jnp.sum(forward(params, data)), scores(params, data)


def predicted(values):
    """Each row's class: the arg-max of its scores, or for one score, whether it is above
    THRESHOLD."""
    values = np.asarray(values)
    if values.ndim == 1 or values.shape[-1] == 1:
        return (values.reshape(len(values)) >= THRESHOLD).astype(np.intp)
    return np.argmax(values, axis=-1)


class Measure:
    """The mean batch loss and the accuracy (None without classes) on rows of the data. A
    loss that sums over a batch's rows (rather than averaging) is scaled to a batch."""

    def __init__(self, fixed, arrays, truth, batch_size):
        self.fixed, self.arrays, self.truth = fixed, arrays, truth
        self.batch_size, self.sums = batch_size, None

    def feed(self, rows):
        """The data of ``rows`` (with the unbound placeholders' defaults) on the devices."""
        return spread({{**self.fixed, **{{n: a[rows] for n, a in self.arrays.items()}}}})

    def __call__(self, params, rows):
        if self.sums is None:  # one row twice gives twice its loss
            one, two = (float(evaluate(params, self.feed(rows[[0] * n]))[0]) for n in (1, 2))
            self.sums = abs(two - 2 * one) < abs(two - one)
        total, right, classified = 0.0, 0, False
        for start in range(0, len(rows), EVALUATION_ROWS):
            chunk = rows[start:start + EVALUATION_ROWS]
            value, found = evaluate(params, self.feed(chunk))
            total += float(value) if self.sums else float(value) * len(chunk)
            if self.truth is not None and found is not None:
                right += int(np.sum(predicted(found) == self.truth[chunk]))
                classified = True
        loss = total / max(len(rows), 1) * (self.batch_size if self.sums else 1)
        return loss, right / len(rows) if classified else None


def train(epochs=EPOCHS, batch_size=BATCH_SIZE, data=None, steps=None, report=None):
    """Train ``epochs`` epochs (at most ``steps`` steps) from the graph's values: the
    parameters (and the global step), the losses before each step, and per epoch its
    (loss, validation loss, accuracy, validation accuracy), each told to ``report``."""
    arrays, truth = load_data() if data is None else data
    fixed = {{name: jnp.asarray(value) for name, value in DATA.items()}}
    rows, validation = split(len(next(iter(arrays.values()))))
    rng = np.random.default_rng([SEED, 1]) if SHUFFLE else None
    measure = Measure(fixed, arrays, truth, batch_size)
    params, state = start()
    losses, epochs_done = [], []
    for epoch in range(1, epochs + 1):
        for batch in epoch_batches(rows, batch_size, rng):
            if steps is not None and len(losses) == steps:
                return finish(params, state), np.asarray(losses), epochs_done
            params, state, value = step(params, state, measure.feed(batch))
            losses.append(value)
        loss, accuracy = measure(params, rows)
        held = measure(params, validation) if len(validation) else (None, None)
        epochs_done.append((loss, held[0], accuracy, held[1]))
        if report is not None:
            report(epoch, *epochs_done[-1])
    return finish(params, state), np.asarray(losses), epochs_done


def epoch_line(epoch, epochs, loss, validation_loss, accuracy, validation_accuracy):
    """One epoch as Tensor Canvas's `train --epochs` prints it."""
    parts = [f"epoch {{epoch}}/{{epochs}}", f"{loss} = {{loss:.6g}}"]
    if validation_loss is not None:
        parts.append(f"validation {loss} = {{validation_loss:.6g}}")
    if accuracy is not None:
        parts.append(f"accuracy {{accuracy:.1%}}")
    if validation_accuracy is not None:
        parts.append(f"validation accuracy {{validation_accuracy:.1%}}")
    return "  ".join(parts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Train {title} with JAX on its data set.")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--steps", type=int, default=None, help="stop after N steps")
    parser.add_argument("--data", default=None, metavar="PATH.npz",
                        help="the data set's arrays (default: DATA_FILE beside this script)")
    parser.add_argument("--out", default="{title}_params.npz")
    args = parser.parse_args()
    if args.epochs < 1 or args.batch_size < 1:
        parser.error("--epochs and --batch-size take a number of at least 1")
    try:
        data = load_data(args.data)
    except (OSError, KeyError, ValueError) as error:
        parser.error(str(error.args[0] if error.args else error))
    print(f"{{len(next(iter(data[0].values())))}} rows; {{args.epochs}} "
          f"epoch{{'s' * (args.epochs != 1)}}, batch size {{args.batch_size}}, validation split "
          f"{{VALIDATION_SPLIT:g}}, seed {{SEED}}")
    trained, losses, measured = train(
        args.epochs, args.batch_size, data, args.steps,
        lambda epoch, *measured: print(epoch_line(epoch, args.epochs, *measured), flush=True))
    np.savez(args.out, **trained)
    print(f"{{len(losses)}} steps on {{jax.devices()}}; parameters saved to {{args.out}}")
'''
"""The script's end when it trains on a data set (after the common part)."""
