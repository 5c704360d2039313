"""An epoch on digits (bench_data.py's (b): 64 → 32 tanh → 10, batch 32, Adam) taken apart,
to see where the engine's time goes beside the loop written by hand:

1. the hand loop's steps alone (each keeping its loss), and its whole epoch (with the split,
   the epoch's measures and the validation confusion matrix, as ``fit_data`` has them);
2. the engine's compiled forward pass, backward pass and optimizer step called directly on the
   same batches (the arithmetic, and the op granularity: the cost of an op per node);
3. a step per batch through the training loop's fast step, and through ``Session.run`` (each
   on a session that has run before);
4. ``loop.fit`` with a new session (its set-up), and the whole ``fit_data``.

Sides alternate in one run with one BLAS thread; each side's min and median per epoch and per
step, and its ratio to the hand epoch (of the mins), with the load average.

    python bench/bench_epoch_parts.py [ROUNDS]
"""

from __future__ import annotations

import sys

from setup_bench import ROOT, alternate, load  # first: pins BLAS before numpy loads

# isort: split
import statistics
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_data import adam_steps, epoch_sides

import engine as ts
from engine.data.batches import epoch_batches
from engine.fast_step import fast_step
from engine.loop import fit


def sides() -> tuple[dict[str, Callable[[], object]], int]:
    """The sides, and the steps of an epoch."""
    graph = ts.load_graph(ROOT / "resources" / "examples" / "digits.json")
    data, _ = ts.data.bound_data(graph)
    X, C = data.arrays["features"], data.arrays["labels"]
    x, c, train = (graph.get_node(n) for n in ("X", "c", "train"))
    held = [n for n in graph.nodes if isinstance(n, ts.Variable)]
    start = {v.name: np.array(v.value) for v in held}
    rows = ts.data.split(data.rows, 0.2, 0).train
    batches = epoch_batches(rows, 32, np.random.default_rng([0, 1]))

    def reset() -> None:
        graph.assign_many((v, start[v.name].copy()) for v in held)
        graph.set_state(train, {})

    session = ts.Session(graph)
    step = fast_step(session, train)
    with np.errstate(all="ignore"):
        for batch in batches[:3]:  # prepared and compiled
            step({x: X[batch], c: C[batch]})
    prepared = step._prepared  # (its parts, to call them directly)
    assert prepared is not None
    backward, trainer = prepared.backward.compiled.code, prepared.trainer.compiled.code
    assert backward is not None and trainer is not None, "the step is not compiled yet"
    update = trainer.function
    variables = prepared.trainer.variables

    def compiled_parts() -> None:
        reset()
        values = prepared.values
        state: dict[str, Any] = {}
        for i, batch in enumerate(batches, start=1):
            values[prepared.slots[x]], values[prepared.slots[c]] = X[batch], C[batch]
            for variable in variables:
                values[prepared.slots[variable]] = variable.value
            prepared.forward(values)
            pairs, state = update((backward.function(values), state, i, prepared.trainer.values))
            for variable, value in pairs:
                variable._value = value  # (as graph.assign_many does, without its events)

    def by(run: Callable[[dict[ts.Node, np.ndarray]], object]) -> Callable[[], None]:
        def epoch() -> None:
            reset()
            with np.errstate(all="ignore"):
                for i in range(len(batches)):
                    run({x: X[batches[i]], c: C[batches[i]]})
        return epoch

    def new_session_fit() -> None:
        reset()
        fit(graph, train, len(batches), lambda i: {x: X[batches[i]], c: C[batches[i]]},
            session=ts.Session(graph), final_loss=False)

    W = [start[n] for n in ("W_hidden1", "b_hidden1", "W_output", "b_output")]

    def hand_steps() -> None:
        adam_steps(X, C, batches, [w.copy() for w in W])

    data_sides = epoch_sides()
    return {"1. hand: steps": hand_steps, "1. hand: epoch": data_sides["numpy by hand"],
            "2. compiled parts, directly": compiled_parts,
            "3. fast step per batch": by(step), "3. Session.run per batch":
            by(lambda feed: session.run(train, feed)),
            "4. loop.fit, a new session": new_session_fit,
            "4. fit_data": data_sides["engine fit_data"]}, len(batches)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    parts, steps = sides()
    times = alternate(parts, rounds=rounds)
    hand = min(times["1. hand: epoch"])
    print(f"an epoch on digits ({steps} steps), taken apart   (load {load()})")
    for name, values in times.items():
        print(f"  {name:<30} min {min(values) * 1e3:6.2f} ms  median "
              f"{statistics.median(values) * 1e3:6.2f} ms  ({min(values) / steps * 1e6:5.1f} µs"
              f" a step)  ÷ hand epoch {min(values) / hand:.2f}")


if __name__ == "__main__":
    main()
