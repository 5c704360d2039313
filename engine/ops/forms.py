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
    """``int``, ``ints`` or ``float``."""


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


def _reduce_axes(attrs: Attrs) -> Extra:
    axis = attrs["axis"]
    if axis is None:
        return (None,)
    return (np.array([axis] if isinstance(axis, int) else list(axis), np.int64),)


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


_MATMUL_EQUATIONS = {(a, b): f"...{'ji' if a else 'ij'},...{'kj' if b else 'jk'}->...ik"
                     for a in (False, True) for b in (False, True) if a or b}
"""A matrix product with transposes as ONNX's Einsum (batched by the ellipsis)."""


def _transposed(attrs: Attrs) -> bool:
    return bool(attrs["transpose_a"] or attrs["transpose_b"])


def _untransposed(attrs: Attrs) -> bool:
    return not _transposed(attrs)


def _equation(attrs: Attrs) -> Attrs:
    return {"equation": _MATMUL_EQUATIONS[attrs["transpose_a"], attrs["transpose_b"]]}


def _equation_back(onnx_attrs: Attrs, extra: Sequence[np.ndarray | None]) -> Attrs:
    equation = onnx_attrs.get("equation", b"")
    equation = equation.decode() if isinstance(equation, bytes) else equation
    for (a, b), known in _MATMUL_EQUATIONS.items():
        if equation.replace(" ", "") == known:
            return {"transpose_a": a, "transpose_b": b}
    raise ValueError(f"an Einsum other than a (transposed) matrix product ({equation}) is not "
                     "supported")


def _jax_transposes(attrs: Attrs) -> Attrs:
    return {k: Code("jnp.matrix_transpose" if attrs[k] else "")
            for k in ("transpose_a", "transpose_b")}


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
        OnnxForm("MatMul", when=_untransposed),
        "jnp.matmul({transpose_a}({a}), {transpose_b}({b}))",
        _jax_transposes, (OnnxForm("Einsum", _equation, back=_equation_back, when=_transposed),)),
    "reduce_sum": Forms(
        OnnxForm("ReduceSum", _reduce_attrs, _reduce_axes, _reduce_back),
        "jnp.sum({x}, axis={axis}, keepdims={keepdims})", _jax_reduce),
    "reduce_mean": Forms(
        OnnxForm("ReduceMean", _reduce_attrs, _reduce_axes, _reduce_back),
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
}
"""Each op's forms by op type. Sources and training ops have none: the exporters write
sources themselves, and a train step becomes the optimizer of a JAX script."""


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
