"""How each op is written elsewhere: as one ONNX node, and as a ``jax.numpy`` expression.

The exporters (``engine/export``) read this table by op type; an op without an entry has no
export, and they say so. A new op needs one entry in :data:`FORMS`. Nothing here imports onnx
or jax: a form is plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..registry import OpDef, get_op

OURS = "ai.tensorcanvas"
"""The ONNX domain of the model-local functions that write the ops ONNX has no operator for."""

Attrs = dict[str, Any]
Extra = tuple[np.ndarray | None, ...]
"""Constant inputs an ONNX node takes after the op's ports (a reduction's axes, a new shape)."""


@dataclass(frozen=True)
class Ref:
    """In a function body: the value of the function node's attribute ``name``."""

    name: str
    kind: str = "int"
    """``int``, ``ints``, ``float`` or ``string``."""


BodyNode = tuple[str, tuple[str, ...], tuple[str, ...], dict[str, Any]]
"""A node of a function body: ONNX op type, inputs, outputs, attributes (values or Refs)."""


def _same(attrs: Attrs) -> Attrs:
    return attrs


def _none(attrs: Attrs) -> Attrs:
    return {}


def _no_extra(attrs: Attrs) -> Extra:
    return ()


def _no_attrs(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    return {}


def _always(attrs: Attrs) -> bool:
    return True


@dataclass(frozen=True)
class OnnxForm:
    """One ONNX node of type ``op_type`` (in ``domain``; ours has a function ``body`` over the
    op's ports, whose one output is ``out``)."""

    op_type: str
    attrs: Callable[[Attrs], Attrs] = _none
    """The engine attributes as ONNX attributes."""
    extra: Callable[[Attrs], Extra] = _no_extra
    """The constant inputs after the ports (``None`` for an omitted optional one)."""
    back: Callable[[Attrs, Sequence[np.ndarray | None]], Attrs] = _no_attrs
    """ONNX attributes and constant inputs back to engine attributes (for import)."""
    body: tuple[BodyNode, ...] = ()
    body_inputs: tuple[str, ...] = ()
    """The names the body gives the constant inputs after the ports."""
    domain: str = ""
    when: Callable[[Attrs], bool] = _always
    """Whether this form writes the op with these attributes (an op may have several)."""
    ranked: Callable[[Attrs, tuple[int, ...]], Attrs] | None = None
    """The ONNX attributes from the engine's and the inputs' ranks, for a form that depends on
    them (then instead of ``attrs``)."""

    def __post_init__(self) -> None:
        if self.body:
            object.__setattr__(self, "domain", OURS)


@dataclass(frozen=True)
class Forms:
    """An op's forms: ``onnx`` (``None``: none), ``jax`` (a ``str.format`` template over the
    ports' variable names and the attributes' Python literals; ``None``: none)."""

    onnx: OnnxForm | None = None
    jax: str | None = None
    jax_attrs: Callable[[Attrs], Attrs] = _same
    """The attributes as the template writes them (a :class:`Code` as itself)."""
    onnx_variants: tuple[OnnxForm, ...] = ()
    """Other ONNX forms, for the attributes their ``when`` accepts (tried before ``onnx``)."""
    keeps: tuple[str, ...] = ()
    """Ports read as they are (indices, a condition, class labels): an integer constant there
    is not promoted to the other inputs' float type."""
    dtype: Callable[[Attrs], str] | None = None
    """The result's dtype, if not the inputs' promoted one (a comparison's bool)."""
    no_onnx: str = ""
    """Why the op has no ONNX form (an op without one must say why)."""
    no_jax: str = ""
    """Why the op has no JAX form (an op without one must say why)."""

    def onnx_for(self, attrs: Attrs) -> OnnxForm | None:
        """The ONNX form that writes the op with ``attrs`` (``None``: none)."""
        for form in self.onnx_variants:
            if form.when(attrs):
                return form
        return self.onnx if self.onnx is not None and self.onnx.when(attrs) else None

    def all_onnx(self) -> tuple[OnnxForm, ...]:
        """Every ONNX form of the op."""
        return (*self.onnx_variants, *(() if self.onnx is None else (self.onnx,)))


class Code(str):
    """Python code that a JAX template writes as it is (not as a literal)."""

    def __repr__(self) -> str:
        return str(self)


# ---- attribute translations -------------------------------------------------------------------


def _axis(attrs: Attrs) -> Attrs:
    return {"axis": attrs["axis"]}


def _axis_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    return {"axis": int(onnx_attrs.get("axis", -1))}


def _axis_input(attrs: Attrs) -> Extra:
    return (np.array([attrs["axis"]], np.int64),)


def _reduce_attrs(attrs: Attrs) -> Attrs:
    return {"keepdims": int(attrs["keepdims"])}


def _reduce_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    given = extra[0] if extra and extra[0] is not None else onnx_attrs.get("axes")
    if given is not None and len(given) == 0 and onnx_attrs.get("noop_with_empty_axes"):
        raise ValueError("a reduction over no axes (noop_with_empty_axes) is not supported")
    axes = None if given is None or len(given) == 0 else [int(a) for a in given]
    axis = axes[0] if axes is not None and len(axes) == 1 else axes
    return {"axis": axis, "keepdims": bool(onnx_attrs.get("keepdims", 1))}


def _perm(attrs: Attrs) -> Attrs:
    return {} if attrs["axes"] is None else {"perm": list(attrs["axes"])}


def _perm_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    perm = onnx_attrs.get("perm")
    return {"axes": None if perm is None else [int(a) for a in perm]}


def _allowzero(attrs: Attrs) -> Attrs:
    return {"allowzero": 1} if 0 in attrs["shape"] else {}


def _new_shape(attrs: Attrs) -> Extra:
    return (np.array(attrs["shape"], np.int64),)


def _shape_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if not extra or extra[0] is None:
        raise ValueError("its new shape is not a constant of the model")
    shape = [int(d) for d in extra[0]]
    if 0 in shape and not onnx_attrs.get("allowzero"):
        raise ValueError("a 0 in its shape copies a size (allowzero=0), which is not supported")
    return {"shape": shape}


def _jax_reduce(attrs: Attrs) -> Attrs:
    axis = attrs["axis"]
    return {**attrs, "axis": tuple(axis) if isinstance(axis, (list, tuple)) else axis}


def _transposes_are(a: bool, b: bool) -> Callable[[Attrs], bool]:
    def when(attrs: Attrs) -> bool:
        return bool(attrs["transpose_a"]) == a and bool(attrs["transpose_b"]) == b

    return when


def _transposes_back(a: bool, b: bool) -> Callable[[Attrs, Sequence[np.ndarray | None]], Attrs]:
    def back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
        return {"transpose_a": a, "transpose_b": b}

    return back


def _matmul_transposed(a: bool, b: bool) -> OnnxForm:
    """A matrix product with a's and/or b's last two axes swapped first (a rank-blind Einsum
    that ONNX's shape inference follows), as a function of ours."""
    swap = "...ij->...ji"
    body: tuple[BodyNode, ...] = (
        *((("Einsum", ("a",), ("a_t",), {"equation": swap}),) if a else ()),
        *((("Einsum", ("b",), ("b_t",), {"equation": swap}),) if b else ()),
        ("MatMul", ("a_t" if a else "a", "b_t" if b else "b"), ("out",), {}))
    name = "MatMulTranspose" + "A" * a + "B" * b
    return OnnxForm(name, back=_transposes_back(a, b), body=body, when=_transposes_are(a, b))


def _jax_transposes(attrs: Attrs) -> Attrs:
    return {k: Code("jnp.matrix_transpose" if attrs[k] else "")
            for k in ("transpose_a", "transpose_b")}


# ---- attribute translations of the ops of TensorFlow 1 -----------------------------------------

ONNX_TYPES = {"float32": 1, "uint8": 2, "int8": 3, "uint16": 4, "int16": 5, "int32": 6,
              "int64": 7, "bool": 9, "float16": 10, "float64": 11, "uint32": 12, "uint64": 13}
"""ONNX's element types (``TensorProto.DataType``) by numpy dtype name."""
_DTYPES = {code: name for name, code in ONNX_TYPES.items()}


def _onnx_type(name: str) -> int:
    if name not in ONNX_TYPES:
        raise ValueError(f"ONNX has no tensor of {name}")
    return ONNX_TYPES[name]


def _dtype_of(code: Any) -> str:
    if int(code) not in _DTYPES:
        raise ValueError(f"its element type {code} is not one Tensor Canvas holds")
    return _DTYPES[int(code)]


def _to(attrs: Attrs) -> Attrs:
    return {"to": _onnx_type(attrs["dtype"])}


def _to_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    return {"dtype": _dtype_of(onnx_attrs["to"])}


def _arg(attrs: Attrs) -> Attrs:
    return {"axis": attrs["axis"], "keepdims": 0}


def _arg_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if onnx_attrs.get("keepdims", 1) or onnx_attrs.get("select_last_index", 0):
        raise ValueError("an arg-max or arg-min keeping its axis or picking the last index is "
                         "not supported")
    return {"axis": int(onnx_attrs.get("axis", 0))}


def _arg_as(attrs: Attrs) -> Attrs:
    return {"axis": attrs["axis"], "to": _onnx_type(attrs["output_type"])}


def _arg_as_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    return {"axis": int(onnx_attrs["axis"]), "output_type": _dtype_of(onnx_attrs["to"])}


def _int64_output(attrs: Attrs) -> bool:
    return bool(attrs["output_type"] == "int64")


def _other_output(attrs: Attrs) -> bool:
    return not _int64_output(attrs)


def _axes_input(attrs: Attrs) -> Extra:
    """``axis`` (one, several or ``None``) as an int64 input (``None``: omitted)."""
    axis = attrs["axis"]
    if axis is None:
        return (None,)
    return (np.array([axis] if isinstance(axis, int) else list(axis), np.int64),)


def _one_axis_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    axes = extra[0] if extra and extra[0] is not None else onnx_attrs.get("axes")
    if axes is None or len(axes) != 1:
        raise ValueError("one axis is supported")
    return {"axis": int(axes[0])}


def _axes_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    axes = extra[0] if extra and extra[0] is not None else onnx_attrs.get("axes")
    if axes is None or len(axes) == 0:
        return {"axis": None}
    return {"axis": int(axes[0]) if len(axes) == 1 else [int(a) for a in axes]}


def _index_input(attrs: Attrs) -> Extra:
    return (np.array(attrs["index"], np.int64),)


def _index_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if not extra or extra[0] is None or np.ndim(extra[0]) != 0:
        raise ValueError("its index must be a scalar constant of the model")
    return {"index": int(extra[0]), "axis": int(onnx_attrs.get("axis", 0))}


_END = np.iinfo(np.int64).max
"""Slice's end for "to the end of the axis"."""


def _slice_inputs(attrs: Attrs) -> Extra:
    begin, size = attrs["begin"], attrs["size"]
    ends = [_END if n == -1 else b + n for b, n in zip(begin, size, strict=True)]
    return np.array(begin, np.int64), np.array(ends, np.int64)


def _slice_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if len(extra) < 2 or extra[0] is None or extra[1] is None:
        raise ValueError("its starts and ends must be constants of the model")
    starts, ends = (np.asarray(e).tolist() for e in extra[:2])
    axes = extra[2] if len(extra) > 2 else None
    steps = extra[3] if len(extra) > 3 else None
    if (axes is not None and list(axes) != list(range(len(starts))) or steps is not None
            and any(s != 1 for s in steps) or any(b < 0 or e < 0 for b, e in zip(
                starts, ends, strict=True))):
        raise ValueError("a slice of every axis in order, by steps of 1 from non-negative "
                         "starts and ends, is supported")
    size = [-1 if e >= 2**62 else e - b for b, e in zip(starts, ends, strict=True)]
    return {"begin": starts, "size": size}


def _repeats(attrs: Attrs) -> Extra:
    return (np.array(attrs["multiples"], np.int64),)


def _repeats_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if not extra or extra[0] is None:
        raise ValueError("its repeats must be a constant of the model")
    return {"multiples": [int(n) for n in extra[0]]}


def _one_hot_inputs(attrs: Attrs) -> Extra:
    return (np.array(attrs["depth"], np.int64), np.array(attrs["on_value"], attrs["dtype"]),
            np.array(attrs["off_value"], attrs["dtype"]))


def _one_hot_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if len(extra) != 3 or any(e is None or np.ndim(e) != 0 for e in extra):
        raise ValueError("its depth, on and off values must be scalar constants of the model")
    depth, on, off = (np.asarray(e) for e in extra)
    return {"depth": int(depth), "on_value": on.item(), "off_value": off.item(),
            "axis": int(onnx_attrs.get("axis", -1)), "dtype": on.dtype.name}


def _never(attrs: Attrs) -> bool:
    """The ``when`` of a form for import only (another tool's way of writing the op)."""
    return False


def _alpha_input(attrs: Attrs) -> Extra:
    return (np.array(attrs["alpha"], np.float64),)


def _alpha_input_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if not extra or extra[0] is None or np.ndim(extra[0]) != 0:
        raise ValueError("its alpha must be a scalar constant of the model")
    return {"alpha": float(np.asarray(extra[0]))}


def _alpha_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    return {"alpha": float(onnx_attrs.get("alpha", 0.01))}


def _elu_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    if float(onnx_attrs.get("alpha", 1.0)) != 1.0:
        raise ValueError("an Elu of alpha other than 1 is not supported")
    return {}


_AUTO_PAD = {"SAME": "SAME_UPPER", "VALID": "VALID"}
"""TensorFlow's paddings as ONNX's ``auto_pad`` (SAME pads more after than before)."""


def _padding_back(onnx_attrs: Attrs) -> str:
    pad = onnx_attrs.get("auto_pad", b"NOTSET")
    pad = pad.decode() if isinstance(pad, bytes) else pad
    for padding, auto_pad in _AUTO_PAD.items():
        if pad == auto_pad:
            return padding
    raise ValueError(f"auto_pad {pad} is not one of TensorFlow's paddings (SAME_UPPER, VALID)")


def _hw(values: Sequence[int]) -> list[int]:
    return [int(values[1]), int(values[2])]


def _nhwc(values: Any) -> list[int]:
    return [1, *(int(v) for v in values), 1]


def _conv(attrs: Attrs) -> Attrs:
    return {"strides": _hw(attrs["strides"]), "auto_pad": _AUTO_PAD[attrs["padding"]]}


def _conv_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    return {"strides": _nhwc(onnx_attrs["strides"]), "padding": _padding_back(onnx_attrs)}


def _pool(attrs: Attrs) -> Attrs:
    return {"kernel_shape": _hw(attrs["ksize"]), **_conv(attrs)}


def _pool_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    return {"ksize": _nhwc(onnx_attrs["kernel_shape"]), **_conv_back(onnx_attrs, extra)}


def _reduction_is(reduction: str) -> Callable[[Attrs], bool]:
    def when(attrs: Attrs) -> bool:
        return bool(attrs["reduction"] == reduction)

    return when


def _reduction_back(reduction: str) -> Callable[[Attrs, Sequence[np.ndarray | None]], Attrs]:
    def back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
        return {"reduction": reduction}

    return back


def _bool(attrs: Attrs) -> str:
    return "bool"


def _output_type(attrs: Attrs) -> str:
    return str(attrs["output_type"])


def _dtype(attrs: Attrs) -> str:
    return str(attrs["dtype"])


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _tensordot_equation(attrs: Attrs, ranks: tuple[int, ...]) -> Attrs:
    """tensordot as an Einsum: a's axes, then b's (a contracted one with its partner's
    letter), to a's free axes and b's."""
    rank_a, rank_b = ranks
    axes = attrs["axes"]
    if isinstance(axes, int):
        ia, ib = list(range(rank_a - axes, rank_a)), list(range(axes))
    else:
        ia, ib = [k % rank_a for k in axes[0]], [k % rank_b for k in axes[1]]
    if rank_a + rank_b - len(ib) > len(_LETTERS):
        raise ValueError("ONNX's Einsum names at most 26 axes")
    a = _LETTERS[:rank_a]
    fresh = iter(_LETTERS[rank_a:])
    b = "".join(a[ia[ib.index(j)]] if j in ib else next(fresh) for j in range(rank_b))
    out = "".join(c for i, c in enumerate(a) if i not in ia) + "".join(
        c for c in b if c not in a)
    return {"equation": f"{a},{b}->{out}"}


def _tensordot_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    equation = onnx_attrs.get("equation", b"")
    equation = (equation.decode() if isinstance(equation, bytes) else equation).replace(" ", "")
    ins, _, out = equation.partition("->")
    operands = ins.split(",")
    if len(operands) == 2 and "." not in equation:
        a, b = operands
        shared = [c for c in a if c in b]
        if (len(set(a)) == len(a) and len(set(b)) == len(b) and out == "".join(
                c for c in a + b if c not in shared)):
            return {"axes": [[a.index(c) for c in shared], [b.index(c) for c in shared]]}
    raise ValueError(f"an Einsum other than a tensordot ({equation}) is not supported")


def _jax_slice(attrs: Attrs) -> Attrs:
    index = ", ".join(f"{b}:" if n == -1 else f"{b}:{b + n}"
                      for b, n in zip(attrs["begin"], attrs["size"], strict=True))
    return {"index": Code(f"[{index}]" if index else "[()]")}


def _jax_conv(attrs: Attrs) -> Attrs:
    return {"strides": tuple(_hw(attrs["strides"])), "padding": attrs["padding"]}


_DENOMINATORS = {
    "MEAN": "jnp.sum(jnp.broadcast_to(w, e.shape))",
    "SUM_BY_NONZERO_WEIGHTS": "jnp.count_nonzero(jnp.broadcast_to(w, e.shape))",
    "SUM_OVER_BATCH_SIZE": "e.size",
}
"""What a weighted loss's sum is divided by, over its squared errors ``e`` and weights ``w``."""


def _jax_weighted(attrs: Attrs) -> Attrs:
    reduction = attrs["reduction"]
    if reduction == "NONE":
        return {"reduce": Code("(lambda e, w: e * w)")}
    if reduction == "SUM":
        return {"reduce": Code("(lambda e, w: jnp.sum(e * w))")}
    return {"reduce": Code(  # TensorFlow's div_no_nan: 0 where the denominator is 0
        f"(lambda e, w: (lambda t, d: jnp.where(d == 0, 0 * t, t / jnp.where(d == 0, 1, d)))"
        f"(jnp.sum(e * w), {_DENOMINATORS[reduction]}))")}


# ---- the table ------------------------------------------------------------------------------

_SQUARE: tuple[BodyNode, ...] = (("Mul", ("x", "x"), ("out",), {}),)

_CROSS_ENTROPY: tuple[BodyNode, ...] = (
    ("LogSoftmax", ("logits",), ("log_p",), {"axis": Ref("axis")}),
    ("Mul", ("labels", "log_p"), ("terms",), {}),
    ("ReduceSum", ("terms", "axes"), ("total",), {"keepdims": 0}),
    ("Neg", ("total",), ("out",), {}),
)

_MEAN_SQUARED_ERROR: tuple[BodyNode, ...] = (
    ("Sub", ("predictions", "labels"), ("diff",), {}),
    ("Mul", ("diff", "diff"), ("squares",), {}),
    ("ReduceMean", ("squares",), ("out",), {"keepdims": 0}),
)

_RSQRT: tuple[BodyNode, ...] = (("Sqrt", ("x",), ("root",), {}),
                                ("Reciprocal", ("root",), ("out",), {}))
_SQUARED_DIFFERENCE: tuple[BodyNode, ...] = (("Sub", ("x", "y"), ("diff",), {}),
                                             ("Mul", ("diff", "diff"), ("out",), {}))
_CLIP: tuple[BodyNode, ...] = (("Min", ("t", "clip_value_max"), ("low",), {}),
                               ("Max", ("low", "clip_value_min"), ("out",), {}))
_NOT_EQUAL: tuple[BodyNode, ...] = (("Equal", ("x", "y"), ("same",), {}),
                                    ("Not", ("same",), ("out",), {}))


def _arg_as_body(op_type: str) -> tuple[BodyNode, ...]:
    return ((op_type, ("x",), ("index",), {"axis": Ref("axis"), "keepdims": 0}),
            ("Cast", ("index",), ("out",), {"to": Ref("to")}))


_STACK: tuple[BodyNode, ...] = (("Unsqueeze", ("a", "axes"), ("a1",), {}),
                                ("Unsqueeze", ("b", "axes"), ("b1",), {}),
                                ("Concat", ("a1", "b1"), ("out",), {"axis": Ref("axis")}))
_WHERE: tuple[BodyNode, ...] = (  # axes reversed: a vector condition picks x's rows
    ("Transpose", ("condition",), ("c",), {}), ("Transpose", ("x",), ("xt",), {}),
    ("Transpose", ("y",), ("yt",), {}), ("Where", ("c", "xt", "yt"), ("picked",), {}),
    ("Transpose", ("picked",), ("out",), {}))
_LEAKY_RELU: tuple[BodyNode, ...] = (  # alpha of x's precision (LeakyRelu's is a float32)
    ("CastLike", ("alpha", "x"), ("slope",), {}),
    ("Mul", ("x", "slope"), ("leak",), {}),
    ("Constant", (), ("zero",), {"value_float": 0.0}),
    ("CastLike", ("zero", "x"), ("zero_like",), {}),
    ("Greater", ("x", "zero_like"), ("positive",), {}),
    ("Where", ("positive", "x", "leak"), ("out",), {}))
_UNSTACK: tuple[BodyNode, ...] = (("Gather", ("x", "index"), ("out",), {"axis": Ref("axis")}),)
_ZEROS_LIKE: tuple[BodyNode, ...] = (("Shape", ("x",), ("shape",), {}),
                                     ("ConstantOfShape", ("shape",), ("zeros",), {}),
                                     ("CastLike", ("zeros", "x"), ("out",), {}))
_ONES_LIKE: tuple[BodyNode, ...] = (
    *((op, ins, ("zero_like" if outs == ("out",) else outs[0],), a) for op, ins, outs, a in
      _ZEROS_LIKE),
    ("Constant", (), ("one",), {"value_float": 1.0}),
    ("CastLike", ("one", "x"), ("one_like",), {}),
    ("Add", ("zero_like", "one_like"), ("out",), {}))
_IDENTITY: tuple[BodyNode, ...] = (("Identity", ("x",), ("out",), {}),)
_ONE_HOT: tuple[BodyNode, ...] = (  # TensorFlow: a negative index is all off, as one too large
    ("Cast", ("indices",), ("index",), {"to": ONNX_TYPES["int64"]}),
    ("Constant", (), ("zero",), {"value_int": 0}),
    ("Less", ("index", "zero"), ("negative",), {}),
    ("Where", ("negative", "depth", "index"), ("inside",), {}),
    ("Constant", (), ("off_on",), {"value_floats": [0.0, 1.0]}),
    ("OneHot", ("inside", "depth", "off_on"), ("hot",), {"axis": Ref("axis")}),
    ("Cast", ("hot",), ("is_on",), {"to": ONNX_TYPES["bool"]}),
    ("Where", ("is_on", "on", "off"), ("out",), {}))
_DROPOUT: tuple[BodyNode, ...] = (  # ONNX's Dropout, at inference: the identity
    ("Constant", (), ("one",), {"value_float": 1.0}),
    ("CastLike", ("one", "keep_prob"), ("one_like",), {}),
    ("Sub", ("one_like", "keep_prob"), ("ratio",), {}),
    ("Dropout", ("x", "ratio"), ("out",), {}))
_BIAS_ADD: tuple[BodyNode, ...] = (("Add", ("value", "bias"), ("out",), {}),)
_L2_LOSS: tuple[BodyNode, ...] = (("ReduceSumSquare", ("t",), ("squares",), {"keepdims": 0}),
                                  ("Constant", (), ("half",), {"value_float": 0.5}),
                                  ("CastLike", ("half", "squares"), ("half_like",), {}),
                                  ("Mul", ("squares", "half_like"), ("out",), {}))
_TO_NCHW, _TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]
_CONV2D: tuple[BodyNode, ...] = (
    ("Transpose", ("input",), ("x",), {"perm": _TO_NCHW}),
    ("Transpose", ("filter",), ("w",), {"perm": [3, 2, 0, 1]}),  # HWIO → OIHW
    ("Conv", ("x", "w"), ("y",), {"strides": Ref("strides", "ints"),
                                  "auto_pad": Ref("auto_pad", "string")}),
    ("Transpose", ("y",), ("out",), {"perm": _TO_NHWC}))


def _pool_body(op_type: str, **more: Any) -> tuple[BodyNode, ...]:
    return (("Transpose", ("value",), ("x",), {"perm": _TO_NCHW}),
            (op_type, ("x",), ("y",), {"kernel_shape": Ref("kernel_shape", "ints"),
                                       "strides": Ref("strides", "ints"),
                                       "auto_pad": Ref("auto_pad", "string"), **more}),
            ("Transpose", ("y",), ("out",), {"perm": _TO_NHWC}))


_SIGMOID_CROSS_ENTROPY: tuple[BodyNode, ...] = (  # max(x, 0) − x·z + log(1 + e^−|x|)
    ("Relu", ("logits",), ("positive",), {}),
    ("Mul", ("logits", "labels"), ("xz",), {}),
    ("Sub", ("positive", "xz"), ("linear",), {}),
    ("Abs", ("logits",), ("size",), {}),
    ("Neg", ("size",), ("minus",), {}),
    ("Softplus", ("minus",), ("soft",), {}),
    ("Add", ("linear", "soft"), ("out",), {}))
_SPARSE_CROSS_ENTROPY: tuple[BodyNode, ...] = (
    ("Constant", (), ("last",), {"value_ints": [-1]}),
    ("Cast", ("labels",), ("classes",), {"to": ONNX_TYPES["int64"]}),
    ("Unsqueeze", ("classes", "last"), ("index",), {}),
    ("LogSoftmax", ("logits",), ("log_p",), {"axis": -1}),
    ("GatherElements", ("log_p", "index"), ("picked",), {"axis": -1}),
    ("Squeeze", ("picked", "last"), ("log_p_label",), {}),
    ("Neg", ("log_p_label",), ("out",), {}))
_WEIGHTED_ERRORS: tuple[BodyNode, ...] = (("Sub", ("predictions", "labels"), ("diff",), {}),
                                          ("Mul", ("diff", "diff"), ("errors",), {}),
                                          ("Mul", ("errors", "weights"), ("weighted",), {}))
_DIVIDE_NO_NAN: tuple[BodyNode, ...] = (  # total / den, 0 where den is 0 (div_no_nan)
    ("Constant", (), ("zero_f",), {"value_float": 0.0}),
    ("CastLike", ("zero_f", "total"), ("zero",), {}),
    ("Constant", (), ("one_f",), {"value_float": 1.0}),
    ("CastLike", ("one_f", "total"), ("one",), {}),
    ("Equal", ("den", "zero"), ("none",), {}),
    ("Where", ("none", "one", "den"), ("safe",), {}),
    ("Div", ("total", "safe"), ("quotient",), {}),
    ("Where", ("none", "zero", "quotient"), ("out",), {}))
_TOTAL: BodyNode = ("ReduceSum", ("weighted",), ("total",), {"keepdims": 0})
_BROADCAST_WEIGHTS: tuple[BodyNode, ...] = (("Shape", ("errors",), ("shape",), {}),
                                            ("Expand", ("weights", "shape"), ("all_w",), {}))
_WEIGHTED_BODIES: dict[str, tuple[str, tuple[BodyNode, ...]]] = {
    "NONE": ("WeightedSquaredError", (*_WEIGHTED_ERRORS[:2],
                                      ("Mul", ("errors", "weights"), ("out",), {}))),
    "SUM": ("WeightedSumSquaredError", (*_WEIGHTED_ERRORS,
                                        ("ReduceSum", ("weighted",), ("out",), {"keepdims": 0}))),
    "MEAN": ("WeightedMeanSquaredError", (
        *_WEIGHTED_ERRORS, _TOTAL, *_BROADCAST_WEIGHTS,
        ("ReduceSum", ("all_w",), ("den",), {"keepdims": 0}), *_DIVIDE_NO_NAN)),
    "SUM_BY_NONZERO_WEIGHTS": ("WeightedNonzeroMeanSquaredError", (
        *_WEIGHTED_ERRORS, _TOTAL, *_BROADCAST_WEIGHTS,
        ("Constant", (), ("zero_w",), {"value_float": 0.0}),
        ("CastLike", ("zero_w", "all_w"), ("zero_like_w",), {}),
        ("Equal", ("all_w", "zero_like_w"), ("is_zero",), {}),
        ("Not", ("is_zero",), ("nonzero",), {}),
        ("CastLike", ("nonzero", "total"), ("counted",), {}),
        ("ReduceSum", ("counted",), ("den",), {"keepdims": 0}), *_DIVIDE_NO_NAN)),
    "SUM_OVER_BATCH_SIZE": ("WeightedBatchMeanSquaredError", (
        *_WEIGHTED_ERRORS, _TOTAL, ("Size", ("errors",), ("size",), {}),
        ("CastLike", ("size", "total"), ("den",), {}), *_DIVIDE_NO_NAN)),
}
"""tf.losses.mean_squared_error with weights, by reduction: its function's name and body."""


def _plain(op_type: str, jax: str) -> Forms:
    return Forms(OnnxForm(op_type), jax)


FORMS: dict[str, Forms] = {
    "add": _plain("Add", "{x} + {y}"),
    "subtract": _plain("Sub", "{x} - {y}"),
    "multiply": _plain("Mul", "{x} * {y}"),
    "divide": _plain("Div", "{x} / {y}"),
    "negative": _plain("Neg", "-{x}"),
    "square": Forms(OnnxForm("Square", body=_SQUARE), "jnp.square({x})"),
    "sqrt": _plain("Sqrt", "jnp.sqrt({x})"),
    "exp": _plain("Exp", "jnp.exp({x})"),
    "log": _plain("Log", "jnp.log({x})"),
    "matmul": Forms(
        OnnxForm("MatMul", when=_transposes_are(False, False)),
        "jnp.matmul({transpose_a}({a}), {transpose_b}({b}))", _jax_transposes,
        tuple(_matmul_transposed(a, b) for a, b in ((True, False), (False, True), (True, True)))),
    "reduce_sum": Forms(
        OnnxForm("ReduceSum", _reduce_attrs, _axes_input, _reduce_back),
        "jnp.sum({x}, axis={axis}, keepdims={keepdims})", _jax_reduce),
    "reduce_mean": Forms(
        OnnxForm("ReduceMean", _reduce_attrs, _axes_input, _reduce_back),
        "jnp.mean({x}, axis={axis}, keepdims={keepdims})", _jax_reduce),
    "transpose": Forms(OnnxForm("Transpose", _perm, back=_perm_back),
                       "jnp.transpose({x}, {axes})"),
    "reshape": Forms(OnnxForm("Reshape", _allowzero, _new_shape, _shape_back),
                     "jnp.reshape({x}, {shape})"),
    "sigmoid": _plain("Sigmoid", "jax.nn.sigmoid({x})"),
    "tanh": _plain("Tanh", "jnp.tanh({x})"),
    "relu": _plain("Relu", "jax.nn.relu({x})"),
    "softmax": Forms(OnnxForm("Softmax", _axis, back=_axis_back),
                     "jax.nn.softmax({x}, axis={axis})"),
    "softmax_cross_entropy": Forms(
        OnnxForm("SoftmaxCrossEntropy", _axis, _axis_input, _axis_back, _CROSS_ENTROPY,
                 ("axes",)),
        "-jnp.sum({labels} * jax.nn.log_softmax({logits}, axis={axis}), axis={axis})"),
    "mean_squared_error": Forms(
        OnnxForm("MeanSquaredError", body=_MEAN_SQUARED_ERROR),
        "jnp.mean(jnp.square({predictions} - {labels}))"),
    # ---- TensorFlow 1's math (engine/ops/elementwise.py, reduce.py, compare.py)
    "maximum": _plain("Max", "jnp.maximum({x}, {y})"),
    "minimum": _plain("Min", "jnp.minimum({x}, {y})"),
    "abs": _plain("Abs", "jnp.abs({x})"),
    "pow": _plain("Pow", "jnp.power({x}, {y})"),
    "sign": _plain("Sign", "jnp.sign({x})"),
    "reciprocal": _plain("Reciprocal", "jnp.reciprocal({x})"),
    "rsqrt": Forms(OnnxForm("Rsqrt", body=_RSQRT), "jax.lax.rsqrt({x})"),
    "squared_difference": Forms(OnnxForm("SquaredDifference", body=_SQUARED_DIFFERENCE),
                                "jnp.square({x} - {y})"),
    "clip_by_value": Forms(OnnxForm("ClipByValue", body=_CLIP),
                           "jnp.maximum(jnp.minimum({t}, {clip_value_max}), {clip_value_min})"),
    "reduce_max": Forms(OnnxForm("ReduceMax", _reduce_attrs, _axes_input, _reduce_back),
                        "jnp.max({x}, axis={axis}, keepdims={keepdims})", _jax_reduce),
    "reduce_min": Forms(OnnxForm("ReduceMin", _reduce_attrs, _axes_input, _reduce_back),
                        "jnp.min({x}, axis={axis}, keepdims={keepdims})", _jax_reduce),
    "reduce_prod": Forms(OnnxForm("ReduceProd", _reduce_attrs, _axes_input, _reduce_back),
                         "jnp.prod({x}, axis={axis}, keepdims={keepdims})", _jax_reduce),
    "reduce_logsumexp": Forms(
        OnnxForm("ReduceLogSumExp", _reduce_attrs, _axes_input, _reduce_back),
        "jax.nn.logsumexp({x}, axis={axis}, keepdims={keepdims})", _jax_reduce),
    **{arg: Forms(OnnxForm(op_type, _arg, back=_arg_back, when=_int64_output),
                  f"jnp.{arg}({{x}}, axis={{axis}}).astype({{output_type}})",
                  onnx_variants=(OnnxForm(f"{op_type}As", _arg_as, back=_arg_as_back,
                                          body=_arg_as_body(op_type), when=_other_output),),
                  dtype=_output_type)
       for arg, op_type in (("argmax", "ArgMax"), ("argmin", "ArgMin"))},
    "equal": Forms(OnnxForm("Equal"), "jnp.equal({x}, {y})", dtype=_bool),
    "not_equal": Forms(OnnxForm("NotEqual", body=_NOT_EQUAL), "jnp.not_equal({x}, {y})",
                       dtype=_bool),
    "greater": Forms(OnnxForm("Greater"), "jnp.greater({x}, {y})", dtype=_bool),
    "less": Forms(OnnxForm("Less"), "jnp.less({x}, {y})", dtype=_bool),
    "greater_equal": Forms(OnnxForm("GreaterOrEqual"), "jnp.greater_equal({x}, {y})", dtype=_bool),
    "less_equal": Forms(OnnxForm("LessOrEqual"), "jnp.less_equal({x}, {y})", dtype=_bool),
    "logical_and": Forms(OnnxForm("And"), "jnp.logical_and({x}, {y})", dtype=_bool),
    "logical_or": Forms(OnnxForm("Or"), "jnp.logical_or({x}, {y})", dtype=_bool),
    "logical_not": Forms(OnnxForm("Not"), "jnp.logical_not({x})", dtype=_bool),
    "where": Forms(OnnxForm("WhereRows", body=_WHERE),
                   "jnp.where({condition}.T, {x}.T, {y}.T).T", keeps=("condition",)),
    # ---- TensorFlow 1's arrays (engine/ops/shape_ops.py)
    "cast": Forms(OnnxForm("Cast", _to, back=_to_back), "{x}.astype({dtype})", dtype=_dtype),
    "identity": _plain("Identity", "{x}"),
    "stop_gradient": Forms(OnnxForm("StopGradient", body=_IDENTITY),
                           "jax.lax.stop_gradient({x})"),
    "zeros_like": Forms(OnnxForm("ZerosLike", body=_ZEROS_LIKE), "jnp.zeros_like({x})"),
    "ones_like": Forms(OnnxForm("OnesLike", body=_ONES_LIKE), "jnp.ones_like({x})"),
    "concat": Forms(OnnxForm("Concat", _axis, back=_axis_back),
                    "jnp.concatenate([{a}, {b}], axis={axis})"),
    "stack": Forms(OnnxForm("Stack", _axis, _axis_input, _axis_back, _STACK, ("axes",)),
                   "jnp.stack([{a}, {b}], axis={axis})"),
    "unstack": Forms(OnnxForm("Unstack", _axis, _index_input, _index_back, _UNSTACK,
                              ("index",)), "jnp.take({x}, {index}, axis={axis})"),
    "expand_dims": Forms(OnnxForm("Unsqueeze", extra=_axes_input, back=_one_axis_back),
                         "jnp.expand_dims({x}, {axis})"),
    "squeeze": Forms(OnnxForm("Squeeze", extra=_axes_input, back=_axes_back),
                     "jnp.squeeze({x}, {axis})"),
    "gather": Forms(OnnxForm("Gather", _axis, back=_axis_back),
                    "jnp.take({params}, {indices}, axis={axis})", keeps=("indices",)),
    "slice": Forms(OnnxForm("Slice", extra=_slice_inputs, back=_slice_back), "{x}{index}",
                   _jax_slice),
    "tile": Forms(OnnxForm("Tile", extra=_repeats, back=_repeats_back),
                  "jnp.tile({x}, {multiples})"),
    "one_hot": Forms(
        OnnxForm("OneHotTF", _axis, _one_hot_inputs, _one_hot_back, _ONE_HOT,
                 ("depth", "on", "off")),
        "jnp.where(jax.nn.one_hot({indices}, {depth}, axis={axis}) > 0, {on_value}, "
        "{off_value}).astype({dtype})", keeps=("indices",), dtype=_dtype),
    "tensordot": Forms(OnnxForm("Einsum", back=_tensordot_back, ranked=_tensordot_equation),
                       "jnp.tensordot({a}, {b}, axes={axes})"),
    # ---- TensorFlow 1's neural-network ops (engine/ops/activations.py, conv.py, losses.py)
    "leaky_relu": Forms(
        OnnxForm("LeakyReLU", extra=_alpha_input, back=_alpha_input_back, body=_LEAKY_RELU,
                 body_inputs=("alpha",)),
        "jax.nn.leaky_relu({x}, {alpha})",
        onnx_variants=(OnnxForm("LeakyRelu", back=_alpha_back, when=_never),)),
    "elu": Forms(OnnxForm("Elu", back=_elu_back), "jax.nn.elu({x})"),
    "softplus": _plain("Softplus", "jax.nn.softplus({x})"),
    "log_softmax": Forms(OnnxForm("LogSoftmax", _axis, back=_axis_back),
                         "jax.nn.log_softmax({logits}, axis={axis})"),
    "bias_add": Forms(OnnxForm("BiasAdd", body=_BIAS_ADD), "{value} + {bias}"),
    "dropout": Forms(OnnxForm("DropoutAtInference", body=_DROPOUT),
                     no_jax="its random mask cannot be the engine's: remove it to train the "
                            "graph with JAX"),
    "decayed_learning_rate": Forms(
        no_onnx="a learning rate is training, not the model",
        no_jax="the script decays the train node's learning rate itself"),
    "l2_loss": Forms(OnnxForm("L2Loss", body=_L2_LOSS), "jnp.sum(jnp.square({t})) / 2"),
    "conv2d": Forms(
        OnnxForm("Conv2D", _conv, back=_conv_back, body=_CONV2D),
        "jax.lax.conv_general_dilated({input}, {filter}, {strides}, {padding}, "
        "dimension_numbers=('NHWC', 'HWIO', 'NHWC'))", _jax_conv),
    "max_pool": Forms(
        OnnxForm("MaxPool2D", _pool, back=_pool_back, body=_pool_body("MaxPool")),
        "jax.lax.reduce_window({value}, -jnp.inf, jax.lax.max, {ksize}, {strides}, {padding})"),
    "avg_pool": Forms(  # the mean of each window's values inside the image (as TensorFlow)
        OnnxForm("AvgPool2D", _pool, back=_pool_back,
                 body=_pool_body("AveragePool", count_include_pad=0)),
        "jax.lax.reduce_window({value}, 0.0, jax.lax.add, {ksize}, {strides}, {padding}) / "
        "jax.lax.reduce_window(jnp.ones_like({value}), 0.0, jax.lax.add, {ksize}, {strides}, "
        "{padding})"),
    "sigmoid_cross_entropy_with_logits": Forms(
        OnnxForm("SigmoidCrossEntropyWithLogits", body=_SIGMOID_CROSS_ENTROPY),
        "jnp.maximum({logits}, 0) - {logits} * {labels} + "
        "jnp.log1p(jnp.exp(-jnp.abs({logits})))"),
    "softmax_cross_entropy_with_logits": Forms(
        OnnxForm("SoftmaxCrossEntropyWithLogits", _axis, _axis_input, _axis_back,
                 _CROSS_ENTROPY, ("axes",)),
        "-jnp.sum({labels} * jax.nn.log_softmax({logits}, axis={axis}), axis={axis})"),
    "sparse_softmax_cross_entropy_with_logits": Forms(
        OnnxForm("SparseSoftmaxCrossEntropyWithLogits", body=_SPARSE_CROSS_ENTROPY),
        "-jnp.take_along_axis(jax.nn.log_softmax({logits}, axis=-1), {labels}[..., None], "
        "axis=-1)[..., 0]", keeps=("labels",)),
    "weighted_mean_squared_error": Forms(
        None, "{reduce}(jnp.square({predictions} - {labels}), {weights})", _jax_weighted,
        tuple(OnnxForm(name, back=_reduction_back(reduction), body=body,
                       when=_reduction_is(reduction))
              for reduction, (name, body) in _WEIGHTED_BODIES.items())),
}
"""Each op's forms by op type. Sources and training ops have none: the exporters write
sources themselves, and a train step becomes the optimizer of a JAX script
(:mod:`engine.ops.jax_steps`). Every other op has an entry, with its reasons where it lacks a
form (tests/test_op_registry_complete.py checks)."""


def forms_of(opdef: OpDef) -> Forms:
    """The op's forms (empty if it has none)."""
    return FORMS.get(opdef.type, Forms())


def op_for_onnx(domain: str, op_type: str) -> tuple[OpDef, OnnxForm] | None:
    """The op an ONNX node of ``op_type`` in ``domain`` stands for, with its form; ``None``
    if no op has that form."""
    domain = "" if domain == "ai.onnx" else domain
    for type, forms in FORMS.items():
        for form in forms.all_onnx():
            if (form.domain, form.op_type) == (domain, op_type):
                return get_op(type), form
    return None
