"""Each optimizer's step as the JAX training script writes it (:mod:`engine.export.jax_script`),
by optimizer: the ``minimize`` op's choices and the optimizer ops. Plain text: nothing here
imports jax. An optimizer without an entry has no JAX form, and the script says so."""

from __future__ import annotations

UPDATES: dict[str, str] = {
    "gradient_descent": """\
    rate = learning_rate(state)
    new = {k: p - rate * grads[k] for k, p in params.items()}
    return new, state""",
    "momentum": """\
    rate = learning_rate(state)
    acc = {k: MOMENTUM * state["accumulation"][k] + grads[k] for k in params}
    new = {k: p - rate * acc[k] for k, p in params.items()}
    return new, {**state, "accumulation": acc}""",
    "nesterov": """\
    rate = learning_rate(state)
    acc = {k: MOMENTUM * state["accumulation"][k] + grads[k] for k in params}
    new = {k: p - rate * (grads[k] + MOMENTUM * acc[k]) for k, p in params.items()}
    return new, {**state, "accumulation": acc}""",
    "adam": """\
    t = state["step"] + 1
    m = {k: BETA1 * state["m"][k] + (1 - BETA1) * grads[k] for k in params}
    v = {k: BETA2 * state["v"][k] + (1 - BETA2) * grads[k] * grads[k] for k in params}
    rate = learning_rate(state) * jnp.sqrt(1 - BETA2**t) / (1 - BETA1**t)
    new = {k: p - rate * m[k] / (jnp.sqrt(v[k]) + EPSILON) for k, p in params.items()}
    return new, {**state, "m": m, "v": v}""",
    "rmsprop": """\
    rate = learning_rate(state)
    ms = {k: DECAY * state["ms"][k] + (1 - DECAY) * grads[k] * grads[k] for k in params}
    mom = {k: rate * grads[k] / jnp.sqrt(ms[k] + EPSILON) + MOMENTUM * state["mom"][k]
           for k in params}
    new = {k: p - mom[k] for k, p in params.items()}
    return new, {**state, "ms": ms, "mom": mom}""",
    "adagrad": """\
    acc = {k: state["accumulator"][k] + grads[k] * grads[k] for k in params}
    new = {k: p - learning_rate(state) * grads[k] / jnp.sqrt(acc[k]) for k, p in params.items()}
    return new, {**state, "accumulator": acc}""",
}
"""Each optimizer's step in the script, ``update(params, grads, state) → (params, state)``
(``state["step"]`` counts the steps taken before; the caller advances it)."""
SLOTS: dict[str, dict[str, str]] = {
    "gradient_descent": {}, "momentum": {"accumulation": "0.0"},
    "nesterov": {"accumulation": "0.0"}, "adam": {"m": "0.0", "v": "0.0"},
    "rmsprop": {"ms": "1.0", "mom": "0.0"},
    "adagrad": {"accumulator": "INITIAL_ACCUMULATOR_VALUE"}}
"""The per-variable slots each optimizer keeps (as the engine's ``Rule.slots``), and the value
each starts from (as the engine's rule starts it)."""
