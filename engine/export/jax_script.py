"""A standalone JAX script that trains a graph: its forward pass in ``jax.numpy`` (each op's
template from :mod:`engine.ops.forms`), gradients by ``jax.grad``, the train node's optimizer
step under ``jax.jit``, full-batch on the placeholders' defaults — or, for a loss reading a bound
data set, by epochs of mini-batches of it (:mod:`.jax_data`: its arrays in a file beside the
script). It runs unchanged wherever JAX runs (CPU, GPU, TPU) and needs only numpy and jax.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..graph import Graph, Node, Placeholder, _ValueNode
from ..io import atomic_write, encode_tensor
from ..ops.forms import forms_of
from ..ops.jax_steps import SLOTS, UPDATES
from ..optimizers import (
    DECAY,
    GLOBAL_STEP,
    OPTIMIZER,
    VAR_LIST,
    global_step_of,
    steps_taken,
    trained_variables,
)
from ..train import train_node_for, train_nodes
from . import ExportError, Identifiers, ancestry
from .jax_data import ABOUT as DATA_ABOUT
from .jax_data import TAIL, USAGE, DataPart, data_part, sidecar, write_sidecar
from .jax_data import constants as data_constants

CONSTANT_RATE = """\
    return LEARNING_RATE"""
DECAYED_RATE = """\
    exponent = state[{counter!r}] / DECAY_STEPS
    return LEARNING_RATE * DECAY_RATE ** {exponent}"""
"""The learning rate of a step: constant, or decayed exponentially (tf.train.exponential_decay)
by the steps taken before or by the global step."""

HEAD = '''"""Train the graph {title} with JAX (written by Tensor Canvas from its train node
{train!r}).

    python {script} {usage}

The loss {loss!r} is rebuilt with jax.numpy, its gradient taken with jax.grad, and the
{optimizer} step compiled with jax.jit. It runs on the devices JAX finds (CPU, GPU, TPU):
with several, each data array is split along its first axis among them (data parallelism).
{about}"""

import argparse
import base64
import os

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)  # the engine computes in float64

import jax.numpy as jnp  # noqa: E402
from jax.sharding import Mesh, NamedSharding, PartitionSpec  # noqa: E402


def tensor(spec):
    """A tensor as a graph file stores it: nested lists, or base64 of little-endian bytes."""
    if "data" in spec:
        return np.array(spec["data"], dtype=spec["dtype"]).reshape(spec["shape"])
    raw = base64.b64decode(spec["base64"])
    little = np.dtype(spec["dtype"]).newbyteorder("<")
    return np.frombuffer(raw, little).astype(spec["dtype"]).reshape(spec["shape"])


'''

ABOUT = """The data are the placeholders' defaults: to train on other data, change load_data().
"""

BODY = '''

def spread(data):
    """The data on the devices: each array split along its first axis when there are several
    devices and they divide it, else copied to each (the results are the same either way)."""
    devices = jax.devices()
    if len(devices) == 1:
        return data
    mesh = Mesh(np.array(devices), ("batch",))

    def place(value):
        split = value.ndim > 0 and value.shape[0] % len(devices) == 0
        return jax.device_put(value, NamedSharding(mesh, PartitionSpec("batch" if split else None)))

    return {{name: place(value) for name, value in data.items()}}


def forward(params, data):
    """The loss {loss!r}, as the graph computes it."""
{forward}
{scores}

def objective(params, data):
    """What training minimises (the sum of the loss), and the loss itself."""
    value = forward(params, data)
    return jnp.sum(value), value


def learning_rate(state):
    """The learning rate of this step."""
{rate}


def update(params, grads, state):
    """One {optimizer} step."""
{update}


@jax.jit
def step(params, state, data):
    """One training step: the new parameters and state, and the loss before the step."""
    grads, value = jax.grad(objective, has_aux=True)(params, data)
    params, state = update(params, grads, state)
    counters = [c for c in ("step", "global_step") if c in state]
    return params, {{**state, **{{c: state[c] + 1 for c in counters}}}}, value


def start():
    """The parameters and the optimizer's state as the graph holds them."""
    params = {{name: jnp.asarray(value) for name, value in PARAMS.items()}}
    state = {{"step": jnp.asarray(STEP)}}
    if GLOBAL_STEP is not None:
        state["global_step"] = jnp.asarray(GLOBAL_STEP)
    for slot, begin in SLOTS.items():
        state[slot] = {{name: jnp.asarray(SAVED.get(f"{{slot}}/{{name}}",
                                                   np.full_like(value, begin)))
                       for name, value in PARAMS.items()}}
    return params, state


def finish(params, state):
    """The trained values to save: the parameters (and the global step)."""
    if GLOBAL_STEP is not None:
        params = {{**params, GLOBAL_STEP_NAME: state["global_step"]}}
    return {{k: np.asarray(v) for k, v in params.items()}}
'''
"""What every script has: the forward pass and the compiled step."""

SCORES = '''

def scores(params, data):
    """The class scores {scores!r} (for the accuracy)."""
{lines}
'''

FULL_BATCH = '''

def load_data():
    """The training data by placeholder: their defaults. A hook: return other arrays here
    (a data set bound to the graph) to train on them."""
    return {{name: jnp.asarray(value) for name, value in DATA.items()}}


def train(steps, data=None):
    """Take ``steps`` steps from the graph's values: the parameters (and the global step),
    and the losses before each step."""
    data = spread(load_data() if data is None else data)
    params, state = start()
    losses = []
    for _ in range(steps):
        params, state, value = step(params, state, data)
        losses.append(value)
    return finish(params, state), np.asarray(losses)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Train {title} with JAX.")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--out", default="{title}_params.npz")
    args = parser.parse_args()
    trained, losses = train(args.steps)
    every = max(1, args.steps // 10)
    for k in range(0, args.steps, every):
        print(f"step {{k + 1}}/{{args.steps}}  {loss} = {{float(np.sum(losses[k])):.6g}}")
    np.savez(args.out, **trained)
    print(f"devices: {{jax.devices()}}; parameters saved to {{args.out}}")
'''
"""The script's end when it trains on the placeholders' defaults, full-batch."""


def _script(graph: Graph, train: str | None, title: str, script: str
            ) -> tuple[str, DataPart | None]:
    """The script's text, and the data set it trains on (to write beside it), if any."""
    node, loss = _train_node(graph, train)
    optimizer = node.attrs.get(OPTIMIZER, node.type)
    if optimizer not in UPDATES:
        raise ExportError(f"{node.label}: the optimizer {optimizer} has no JAX form",
                          node=node.name)
    params = trained_variables(node, node.attrs.get(VAR_LIST))
    counter = global_step_of(node)
    part = data_part(node, loss)
    names = Identifiers("params", "data", "jax", "jnp", "np", "tensor", "base64", "argparse",
                        "os")
    lines: dict[Node, str] = {}
    data, constants = {}, {}
    for n in ancestry(graph, [loss]):
        var = names(n.name)
        if n is counter:
            raise ExportError(f"{node.label}: the loss reads the global step {n.name}, which "
                              "the JAX script does not follow", node=node.name)
        if isinstance(n, Placeholder):
            if part is None or n.name not in part.arrays:
                data[n.name] = training_data(n)
            lines[n] = f"{var} = data[{n.name!r}]"
        elif n in params:
            lines[n] = f"{var} = params[{n.name!r}]"
        elif isinstance(n, _ValueNode):
            constants[n.name] = n.value
            lines[n] = f"{var} = CONSTANTS[{n.name!r}]"
        else:
            lines[n] = f"{var} = {expression(n, names)}"
    active = node.op.active_attrs(node.attrs)
    hyper = [a for a in active if a not in (OPTIMIZER, VAR_LIST, GLOBAL_STEP, *DECAY)]
    decays = DECAY[1] in active  # (a decay's period is in use only when the rate decays)
    sidecar_name = sidecar(Path(script)).name
    text = HEAD.format(title=title, script=script, train=node.name, loss=loss.name,
                       optimizer=optimizer,
                       usage="[--steps N] [--out PARAMS.npz]" if part is None else USAGE,
                       about=ABOUT if part is None else DATA_ABOUT.format(data_file=sidecar_name))
    text += "".join(f"{a.upper()} = {float(node.attrs[a])!r}\n"
                    for a in (*hyper, *(DECAY[:2] if decays else ())))
    text += f"STEP = {steps_taken(node)}\n"
    text += f"GLOBAL_STEP = {None if counter is None else np.asarray(counter.value).item()!r}\n"
    text += f"GLOBAL_STEP_NAME = {None if counter is None else counter.name!r}\n"
    text += f"SLOTS = {{{', '.join(f'{k!r}: {v}' for k, v in SLOTS[optimizer].items())}}}\n"
    if part is not None:
        text += data_constants(part, sidecar_name)
    text += _table("PARAMS", {p.name: p.value for p in params})
    text += _table("CONSTANTS", constants)
    text += _table("DATA", data)
    text += _table("SAVED", {k: v for k, v in node.state.items() if k != "step"})
    text += BODY.format(
        loss=loss.name, optimizer=optimizer, forward=_block(lines, loss, names),
        scores="" if part is None else SCORES.format(
            scores=None if part.scores is None else part.scores.name,
            lines=_block(lines, part.scores, names)),
        update=UPDATES[optimizer], rate=_rate(node, decays, counter is not None))
    return text + (FULL_BATCH if part is None else TAIL).format(title=title, loss=loss.name), part


def _block(lines: dict[Node, str], target: Node | None, names: Identifiers) -> str:
    """A function's body computing ``target`` (``None``: returning None) from ``lines``."""
    if target is None:
        return "    return None"
    body = [lines[n] for n in ancestry(target.graph, [target])]
    return "".join(f"    {line}\n" for line in [*body, f"return {names(target.name)}"]
                   ).rstrip("\n")


def write_jax_script(graph: Graph, path: str | os.PathLike[str], train: str | None = None
                     ) -> list[Path]:
    """Write :func:`jax_script` to ``path`` (its name gives the graph's title), and the data
    set it trains on, if any, beside it (:func:`~.jax_data.sidecar`): the paths written."""
    path = Path(path)
    text, part = _script(graph, train, path.stem.removesuffix("_jax"), path.name)
    written = [path]
    if part is not None:
        write_sidecar(sidecar(path), part)
        written.append(sidecar(path))
    atomic_write(path, text)
    return written


def training_data(placeholder: Placeholder) -> np.ndarray:
    """What the script trains ``placeholder`` (not bound to a data set) on: its default."""
    if placeholder.value is None:
        raise ExportError(f"{placeholder.label}: the placeholder has no default to train on "
                          "(give it one)", node=placeholder.name)
    return placeholder.value


def _rate(node: Node, decays: bool, counted: bool) -> str:
    """The script's learning rate function's body."""
    if not decays:
        return CONSTANT_RATE
    exponent = "(exponent // 1)" if node.attrs[DECAY[2]] else "exponent"
    return DECAYED_RATE.format(counter="global_step" if counted else "step", exponent=exponent)


def _train_node(graph: Graph, train: str | None) -> tuple[Node, Node]:
    if train is not None:
        return train_node_for(graph, train)
    found = train_nodes(graph)
    if len(found) != 1:
        which = ", ".join(n.name for n in found) or "none"
        raise ExportError(f"the JAX script trains one train node: choose one (train nodes: "
                          f"{which})")
    return train_node_for(graph, found[0].name)


def expression(node: Node, names: Identifiers) -> str:
    """The ``jax.numpy`` expression computing ``node`` from its inputs' variables."""
    forms = forms_of(node.op)
    if forms.jax is None:
        why = f" ({forms.no_jax})" if forms.no_jax else ""
        raise ExportError(f"{node.label}: {node.type} has no JAX form{why}", node=node.name)
    inputs = {port: names(s.name) for port, s in zip(node.op.inputs, node.inputs, strict=True)
              if s is not None}
    attrs = {k: repr(v) for k, v in forms.jax_attrs(dict(node.attrs)).items()}
    return forms.jax.format(**inputs, **attrs)


def _table(title: str, arrays: dict[str, Any]) -> str:
    rows = "".join(f"    {k!r}: tensor({encode_tensor(np.asarray(v))!r}),\n"
                   for k, v in arrays.items())
    return f"{title} = {{\n{rows}}}\n" if rows else f"{title} = {{}}\n"
