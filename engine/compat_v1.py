"""TensorFlow 1's API over the engine: ``from engine import compat_v1 as tf`` runs ordinary
TensorFlow 1 code with only its import changed (docs/tf1-compat.md says where it differs).

The op functions are made from the tables of ``engine/ops/tf_names.py`` (``OPS``, ``NN``,
``LOSSES``) and :data:`TRAIN`, which name, for each TensorFlow function, the engine op (or
``engine.train`` name) it builds: an op registered later needs one line there. Names whose op
the engine lacks are listed by :func:`unmapped` and refused, when used, with a message saying
so.
"""

from __future__ import annotations

import builtins
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import initializers
from . import train as engine_train
from .autodiff import gradients
from .builders import builder
from .errors import EvaluationError
from .graph import Constant, Graph, Node, Operation, Placeholder, get_default_graph
from .graph import Variable as EngineVariable
from .initializers import Initializer
from .ops import shape_ops
from .ops.tf_names import LOSSES, MEAN, NN, OPS, Tf
from .registry import OpDef, get_op
from .session import Session as EngineSession
from .tensors import DTYPES, as_tensor

__all__ = [
    "DTYPES", "LOSSES", "NN", "OPS", "TRAIN", "Graph", "Session", "Variable", "constant",
    "convert_to_tensor", "get_default_graph", "global_variables", "global_variables_initializer",
    "gradients", "losses", "nn", "ones", "placeholder", "random_normal", "random_uniform",
    "InteractiveSession", "reset_default_graph", "set_random_seed", "train",
    "trainable_variables", "unmapped", "zeros",
]

# ---- dtypes and conversion ------------------------------------------------------------------

DTYPE_OBJECTS = {name: np.dtype(name) for name in DTYPES}
"""``tf.float32``, ``tf.int64``, ``tf.bool``…: numpy dtypes, which every engine call takes."""


def _dtype_name(dtype: Any) -> str | None:
    return None if dtype is None else np.dtype(dtype).name


def _tensor(value: Any, dtype: Any = None) -> np.ndarray:
    """``value`` as TensorFlow converts it: Python floats become float32 and ints int32
    (numpy values keep their dtype), unless ``dtype`` says otherwise."""
    if dtype is not None:
        return np.asarray(as_tensor(value)).astype(_dtype_name(dtype))
    array = as_tensor(value)
    if not isinstance(value, (np.ndarray, np.generic)):
        if array.dtype == np.float64:
            return array.astype(np.float32)
        if array.dtype == np.int64:
            return array.astype(np.int32)
    return array


def _input(value: Any) -> Any:
    """An op's input: a node or a Python number as it is (a number takes the dtype of the
    tensor it meets), anything else as :func:`_tensor` converts it."""
    if value is None or isinstance(value, Node) or type(value) in (builtins.int, builtins.float):
        return value
    return _tensor(value)


# ---- sources --------------------------------------------------------------------------------


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Placeholder:
    """An input fed at run time: ``tf.placeholder(tf.float32, [None, 2])``."""
    return Placeholder(shape=None if shape is None else list(shape), dtype=_dtype_name(dtype),
                       name=name)


_INITIAL_VALUES: weakref.WeakKeyDictionary[EngineVariable, np.ndarray] = (
    weakref.WeakKeyDictionary())
"""The value each variable made here from a tensor started with: the initializer restores it."""


def Variable(initial_value: Any = None, trainable: bool | None = None, name: str | None = None,
             dtype: Any = None, **_: Any) -> EngineVariable:
    """A variable: its initial value is a tensor, or a node — one of ``tf.zeros``,
    ``tf.random_normal``… becomes its initializer, any other is evaluated now."""
    if initial_value is None:
        raise ValueError("a Variable needs an initial value")
    trainable = True if trainable is None else trainable
    spec = _INITIALIZERS.get(initial_value) if isinstance(initial_value, Constant) else None
    if spec is not None and not initial_value.consumers:
        initial_value.graph.remove_node(initial_value)  # the variable holds it now
        if dtype is not None:
            spec = Initializer({**spec, "dtype": _dtype_name(dtype)})
        return EngineVariable(spec, name=name, trainable=trainable)
    if isinstance(initial_value, Node):
        initial_value = EngineSession(initial_value.graph).run(initial_value)
    value = _tensor(initial_value, dtype)
    variable = EngineVariable(value, name=name, trainable=trainable)
    _INITIAL_VALUES[variable] = value.copy()
    return variable


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None,
             **_: Any) -> Constant:
    """A fixed tensor (a scalar ``value`` fills ``shape``)."""
    array = _tensor(value, dtype)
    if shape is not None:
        shape = tuple(shape)
        array = (np.full(shape, array, array.dtype) if array.size == 1
                 else np.reshape(array, shape))
    return Constant(array, name=name)


def convert_to_tensor(value: Any, dtype: Any = None, name: str | None = None) -> Node:
    """A node as it is, anything else as a constant."""
    return value if isinstance(value, Node) else constant(value, dtype, name=name)


_INITIALIZERS: weakref.WeakKeyDictionary[Constant, Initializer] = weakref.WeakKeyDictionary()
"""The initializer that made each constant of :func:`zeros`, :func:`random_normal`…"""


def _initial(spec: Initializer, name: str | None) -> Constant:
    """A tensor drawn by ``spec``; given to :func:`Variable`, it is that variable's
    initializer (kept with it, run again by the variables' initializer)."""
    node = Constant(spec(), name=name or spec["kind"])
    _INITIALIZERS[node] = spec
    return node


def zeros(shape: Any, dtype: Any = np.float32, name: str | None = None) -> Constant:
    """Zeros."""
    if np.dtype(dtype).kind not in "fc":
        return Constant(np.zeros(tuple(shape), dtype), name=name or "zeros")
    return _initial(initializers.zeros(shape, _dtype_name(dtype) or "float32"), name)


def ones(shape: Any, dtype: Any = np.float32, name: str | None = None) -> Constant:
    """Ones."""
    if np.dtype(dtype).kind not in "fc":
        return Constant(np.ones(tuple(shape), dtype), name=name or "ones")
    return _initial(initializers.ones(shape, _dtype_name(dtype) or "float32"), name)


_GRAPH_SEEDS: weakref.WeakKeyDictionary[Graph, list[int]] = weakref.WeakKeyDictionary()
"""Per graph, the seed of :func:`set_random_seed` and how many random ops have taken one."""


def set_random_seed(seed: int) -> None:
    """The default graph's seed: its random ops without a seed of their own draw the same
    values in every run of the program (each its own, by the order they were made)."""
    _GRAPH_SEEDS[get_default_graph()] = [seed, 0]


def _seed(seed: int | None) -> int | None:
    """A random op's seed: its own, else one from the graph's seed, if it has one."""
    graph_seed = _GRAPH_SEEDS.get(get_default_graph())
    if seed is not None or graph_seed is None:
        return seed
    graph_seed[1] += 1
    return graph_seed[0] * 1_000_003 + graph_seed[1]


def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = np.float32,
                  seed: int | None = None, name: str | None = None) -> Constant:
    """Normally distributed values (drawn once)."""
    return _initial(initializers.random_normal(shape, mean, stddev, _seed(seed),
                                               _dtype_name(dtype) or "float32"), name)


def random_uniform(shape: Any, minval: float = 0.0, maxval: float | None = None,
                   dtype: Any = np.float32, seed: int | None = None,
                   name: str | None = None) -> Constant:
    """Values uniform in [minval, maxval) (maxval 1 by default; drawn once)."""
    return _initial(initializers.random_uniform(shape, minval, 1.0 if maxval is None else maxval,
                                                _seed(seed), _dtype_name(dtype) or "float32"), name)


def global_variables() -> list[EngineVariable]:
    """The default graph's variables."""
    return [n for n in get_default_graph().nodes if isinstance(n, EngineVariable)]


def trainable_variables() -> list[EngineVariable]:
    """The default graph's trainable variables."""
    return [v for v in global_variables() if v.trainable]


def reset_default_graph() -> None:
    """A new, empty default graph."""
    Graph().as_default()


# ---- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitOp:
    """What ``global_variables_initializer()`` gives: running it in a session initializes the
    variables (each its initial value again, or its initializer run again) and clears the
    optimizers' state. Its fetched value is ``None``."""

    def run(self, graph: Graph) -> None:
        graph.reset_variables()
        for node in graph.nodes:
            initial = _INITIAL_VALUES.get(node) if isinstance(node, EngineVariable) else None
            if initial is not None:
                graph.set_value(node, initial)


def global_variables_initializer() -> InitOp:
    """The op that initializes every variable (run it with ``Session.run``)."""
    return InitOp()


initialize_all_variables = global_variables_initializer


class Session(EngineSession):
    """``tf.Session()``: a session of the default graph (or ``graph``). Its ``run`` takes
    initializer ops among the fetches, and refuses, as TensorFlow does, an op mixing float
    tensors of different dtypes (float32 and float64)."""

    def __init__(self, target: str = "", graph: Graph | None = None, config: Any = None) -> None:
        super().__init__(graph)

    def run(self, fetches: Any, feed_dict: dict[Any, Any] | None = None, options: Any = None,
            run_metadata: Any = None) -> Any:
        if isinstance(fetches, InitOp):
            fetches.run(self.graph)
            return None
        if isinstance(fetches, (list, tuple)) and any(isinstance(f, InitOp) for f in fetches):
            for init in (f for f in fetches if isinstance(f, InitOp)):
                init.run(self.graph)
            rest = [f for f in fetches if not isinstance(f, InitOp)]
            values = iter(super().run(rest, feed_dict) if rest else [])
            return type(fetches)(None if isinstance(f, InitOp) else next(values)
                                 for f in fetches)
        return super().run(fetches, feed_dict)

    def _compile(self, fetches: tuple[Node, ...]) -> Any:
        plan = super()._compile(fetches)
        for i, (slot, compute, a, b) in enumerate(plan.steps):
            node = self._nodes[slot]
            if node is not None and len(node.inputs) > 1 and not node.op.context:
                plan.steps[i] = (slot, _same_floats(node, compute), a, b)
        return plan


InteractiveSession = Session


def _same_floats(node: Node, compute: Callable[..., Any]) -> Callable[..., Any]:
    """``compute``, refusing inputs of different float dtypes as TensorFlow does."""

    def checked(*inputs: Any) -> Any:
        floats = {x.dtype.name for x in inputs
                  if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind == "f"}
        if len(floats) > 1:
            raise EvaluationError(
                f"{node.label} mixes {' and '.join(sorted(floats))} tensors, which TensorFlow "
                "refuses: cast one with tf.cast", node=node.name)
        return compute(*inputs)

    return checked


# ---- ops, from tables -----------------------------------------------------------------------

ALIASES = {"keep_dims": "keepdims", "reduction_indices": "axis", "dim": "axis",
           "dimension": "axis", "squeeze_dims": "axis", "perm": "axes",
           "adjoint_a": "transpose_a", "adjoint_b": "transpose_b"}
"""TensorFlow's other names for attributes."""
IGNORED = frozenset({"validate_indices", "optimize", "a_is_sparse", "b_is_sparse",
                     "use_cudnn_on_gpu", "data_format", "conjugate"})
"""TensorFlow arguments with no effect here."""
INPUT_NAMES = frozenset({"x", "input", "input_", "input_tensor", "tensor", "features", "value",
                         "logits", "t"})
"""TensorFlow's names for the one input of a one-input op."""


def op_function(tf_name: str, spec: Tf) -> Callable[..., Operation]:
    """The TensorFlow function ``tf_name`` building ``spec``'s op: TensorFlow's argument
    names and aliases accepted, ``None`` for an attribute meaning its default."""
    assert spec.op is not None
    opdef = get_op(spec.op)
    build = builder(opdef)
    params = spec.positional or (*opdef.inputs, *opdef.attrs)

    def function(*args: Any, name: str | None = None, **kwargs: Any) -> Operation:
        if len(args) > len(params):
            raise TypeError(f"{tf_name}() takes at most {len(params)} positional arguments")
        given = {p: v for p, v in zip(params, args, strict=False) if p is not None}
        for key, value in kwargs.items():
            key = ALIASES.get(key, key)
            if key in INPUT_NAMES and key not in opdef.inputs and len(opdef.inputs) == 1:
                key = opdef.inputs[0]
            if key in IGNORED:
                continue
            if key in given:
                raise TypeError(f"{tf_name}() got two values for '{key}'")
            given[key] = value
        unknown = set(given) - {*opdef.inputs, *opdef.attrs}
        if unknown:
            raise TypeError(f"{tf_name}() has no argument {', '.join(sorted(unknown))} here")
        attrs = {**spec.defaults, **{k: v for k, v in given.items()
                                     if k in opdef.attrs and v is not None}}
        attrs = {k: v.name if isinstance(v, np.dtype) else v for k, v in attrs.items()}
        missing = [port for port in opdef.inputs if given.get(port) is None]
        if missing:
            raise TypeError(f"{tf_name}() needs {', '.join(missing)}")
        return build(*(_input(given[port]) for port in opdef.inputs), **attrs, name=name)

    function.__name__ = function.__qualname__ = tf_name
    function.__doc__ = opdef.doc
    return function


TRAIN = ("GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer", "RMSPropOptimizer",
         "AdagradOptimizer", "Optimizer", "get_global_step", "create_global_step",
         "get_or_create_global_step", "exponential_decay")
"""``tf.train`` names, taken from ``engine.train`` where it has them."""


def _loss(tf_name: str, labels: str, spec: Tf) -> Callable[..., Operation]:
    """A ``tf.losses`` function: the mean of ``spec``'s op of (labels, predictions or
    logits)."""
    assert spec.op is not None
    opdef = get_op(spec.op)
    mean = op_function("mean", MEAN)

    def function(*args: Any, weights: float = 1.0, name: str | None = None,
                 **kwargs: Any) -> Operation:
        if not (isinstance(weights, (builtins.int, builtins.float)) and weights == 1):
            raise NotImplementedError(f"tf.losses.{tf_name}: only weights=1.0 is supported")
        names = (labels, opdef.inputs[1])
        unknown = set(kwargs) - set(names)
        if unknown or len(args) + len(kwargs) != 2:
            raise TypeError(f"tf.losses.{tf_name}() takes {' and '.join(names)}"
                            + (f", not {', '.join(sorted(unknown))}" if unknown else ""))
        values = {**dict(zip(names, args, strict=False)), **kwargs}
        per_example = builder(opdef)(*(_input(values[n]) for n in names))
        if per_example.graph.shape_of(per_example) != ():
            return mean(per_example, name=name)
        if name is not None:  # a scalar already (a mean squared error)
            per_example.graph.rename(per_example, name)
        return per_example

    function.__name__ = function.__qualname__ = tf_name
    return function


class Namespace:
    """``tf.nn``, ``tf.losses``, ``tf.train``: names mapped, and a clear refusal for the ones
    whose engine op (or ``engine.train`` function) is missing."""

    def __init__(self, path: str, members: dict[str, Any], missing: Iterable[str]) -> None:
        self._path = path
        self._missing = frozenset(missing)
        self.__dict__.update(members)

    def __getattr__(self, name: str) -> Any:
        if name in self._missing:
            raise AttributeError(f"{self._path}.{name} is not available: the engine has no op "
                                 "for it (see engine.compat_v1.unmapped())")
        raise AttributeError(f"{self._path} has no {name} here (see docs/tf1-compat.md)")


def _functions(table: dict[str, Tf]) -> tuple[dict[str, Callable[..., Operation]], list[str]]:
    found = {name: op_function(name, spec) for name, spec in table.items() if spec.op}
    return found, [name for name in table if name not in found]


def _build(opdef: OpDef, *inputs: Any, name: str | None = None, **attrs: Any) -> Operation:
    """An ``opdef`` node of ``inputs`` (converted as TensorFlow converts them)."""
    attrs = {k: _dtype_name(v) if isinstance(v, np.dtype) else v for k, v in attrs.items()}
    return builder(opdef)(*map(_input, inputs), **attrs, name=name)


def concat(values: Sequence[Any], axis: int, name: str | None = None) -> Operation:
    """The tensors of ``values`` joined along ``axis`` (a chain of two-input concats)."""
    values = [convert_to_tensor(v) for v in values]
    if not values:
        raise ValueError("concat needs at least one tensor")
    if len(values) == 1:
        return _build(shape_ops.IDENTITY, values[0], name=name)
    out = values[0]
    for i, v in enumerate(values[1:], start=2):
        out = _build(shape_ops.CONCAT, out, v, axis=axis, name=name if i == len(values) else None)
    assert isinstance(out, Operation)
    return out


def stack(values: Sequence[Any], axis: int = 0, name: str | None = None) -> Operation:
    """The tensors of ``values`` (one shape) stacked along a new axis."""
    values = [convert_to_tensor(v) for v in values]
    if len(values) == 2:
        return _build(shape_ops.STACK, *values, axis=axis, name=name)
    return concat([_build(shape_ops.EXPAND_DIMS, v, axis=axis) for v in values], axis, name)


def unstack(value: Any, num: int | None = None, axis: int = 0,
            name: str | None = None) -> list[Operation]:
    """The tensors along ``axis`` of ``value``, one node each."""
    value = convert_to_tensor(value)
    if num is None:
        shape = value.graph.shape_of(value)
        num = None if shape is None else shape[axis]
        if num is None:
            raise ValueError(f"cannot infer num from the shape of {value.name}: give num")
    return [_build(shape_ops.UNSTACK, value, index=i, axis=axis, name=name) for i in range(num)]


def zeros_like(tensor: Any, dtype: Any = None, name: str | None = None,
               optimize: bool = True) -> Operation:
    """Zeros shaped like ``tensor`` (of its dtype, or ``dtype``)."""
    zeros = _build(shape_ops.ZEROS_LIKE, tensor, name=None if dtype else name)
    return zeros if dtype is None else _build(shape_ops.CAST, zeros, dtype=dtype, name=name)


def ones_like(tensor: Any, dtype: Any = None, name: str | None = None,
              optimize: bool = True) -> Operation:
    """Ones shaped like ``tensor`` (of its dtype, or ``dtype``)."""
    ones = _build(shape_ops.ONES_LIKE, tensor, name=None if dtype else name)
    return ones if dtype is None else _build(shape_ops.CAST, ones, dtype=dtype, name=name)


_OPS, _MISSING_OPS = _functions(OPS)
_NN, _MISSING_NN = _functions(NN)
_LOSSES = {name: _loss(name, labels, spec) for name, (labels, spec) in LOSSES.items() if spec.op}
_TRAIN = {name: getattr(engine_train, name) for name in TRAIN if hasattr(engine_train, name)}

nn = Namespace("tf.nn", _NN, _MISSING_NN)
losses = Namespace("tf.losses", _LOSSES, set(LOSSES) - set(_LOSSES))
train = Namespace("tf.train", _TRAIN, set(TRAIN) - set(_TRAIN))


def unmapped() -> list[str]:
    """The TensorFlow names of the tables whose engine op (or ``engine.train`` name) is
    missing."""
    return sorted([f"tf.{n}" for n in OPS if n not in _OPS]
                  + [f"tf.nn.{n}" for n in _MISSING_NN]
                  + [f"tf.losses.{n}" for n in LOSSES if n not in _LOSSES]
                  + [f"tf.train.{n}" for n in TRAIN if n not in _TRAIN])


def __getattr__(name: str) -> Any:
    if name in OPS:
        raise AttributeError(f"tf.{name} is not available: the engine has no op for it "
                             "(see engine.compat_v1.unmapped())")
    raise AttributeError(f"tf has no {name} here (see docs/tf1-compat.md)")


globals().update(_OPS)
globals().update(DTYPE_OBJECTS)  # (after every use of the builtins bool, int, float…)
