"""The op registry: the only place an operation is defined or recognised.

An :class:`OpDef` declares an op's input ports, attributes with defaults, compute function,
static shape rule, category, one-line description and roles. The session, the file format, the
API builders and the editor's palette all read it; code that needs an op of some kind (a loss,
a train step, ``+``) asks for it by role or operator, never by its type name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

Shape = tuple[int | None, ...] | None
"""A static shape: a tuple with ``None`` for unknown dimensions, or ``None`` for unknown rank."""

# ---- roles: what an op is for, as tools ask ---------------------------------------------------

LOSS = "loss"
"""A loss to minimise: a scalar, or one value per example (training minimises the sum)."""
LOGITS_LOSS = "loss on logits"
"""A classifier's loss fused with its output (softmax cross-entropy): its input ``logits``
holds unnormalised class scores along the last axis (an example's class is their arg-max),
its input ``labels`` the true classes. Its gradient rules take a scalar ``g`` as well as an
array (a mean's gradient, the same for every example: see engine/fusion.py)."""
BINARY_LOGITS_LOSS = "loss on binary logits"
"""A loss fused with a sigmoid (sigmoid cross-entropy): its input ``logits`` holds log-odds,
one per class, each on its own (for one class, an example's class is logits ≥ 0; for several,
their arg-max), its input ``labels`` the true probabilities. Its gradient rules take a scalar
``g``, as a LOGITS_LOSS's do."""
PROBABILITIES = "probabilities"
"""An output of class probabilities along the last axis: k ≥ 2 of them summing to one (the
class is the arg-max), or one per class each on its own (for k = 1, the class is p ≥ 0.5)."""
TRAIN_STEP = "train step"
"""A train step: input 0 is the loss; each run updates the variables (attribute ``var_list``,
or every trainable variable the loss depends on) to lower it and keeps the optimizer's state
in the node's ``state``; its value is the loss before the step."""
GRADIENT = "derivative"
"""A gradient node: inputs ``(y, x)``, value d sum(y) / dx by backpropagation."""
# What the compiler's rewrites (engine/fusion.py) recognise:
SOFTMAX = "softmax along an axis"
"""exp(x) / Σ exp(x) along the attribute ``axis``."""
LOGARITHM = "natural logarithm"
"""ln x, element-wise."""
PRODUCT = "element-wise product"
"""x · y, element-wise, with broadcasting."""
SUM = "sum over axes"
"""Σ x over the attribute ``axis`` (``None``: every axis), ``keepdims`` as numpy's."""
MEAN = "mean over axes"
"""The mean of x over the attribute ``axis`` (``None``: every axis), ``keepdims`` as numpy's."""
NEGATION = "negation"
"""−x, element-wise."""
ROLES = frozenset({LOSS, LOGITS_LOSS, BINARY_LOGITS_LOSS, PROBABILITIES, TRAIN_STEP, GRADIENT,
                   SOFTMAX, LOGARITHM, PRODUCT, SUM, MEAN, NEGATION})
"""Every role an op may have."""


@dataclass(frozen=True)
class Attr:
    """An op attribute: its default and a ``parse`` that validates and normalises a value.

    ``parse`` raises ``ValueError`` with a readable message for a value it refuses.
    """

    default: Any
    parse: Callable[[Any], Any]
    doc: str = ""


@dataclass(frozen=True)
class OpDef:
    """Everything the program knows about one op type."""

    type: str
    inputs: tuple[str, ...]
    compute: Callable[..., Any] | None
    shape: Callable[..., Shape] | None
    """Static shape rule: input shapes and attributes in, output shape out (None for sources)."""
    category: str
    doc: str
    attrs: dict[str, Attr] = field(default_factory=dict)
    symbol: str | None = None
    gradient: tuple[Callable[..., Any] | None, ...] | None = None
    """One rule per input port, ``rule(grad, out, *inputs, **attrs)`` → the gradient for that
    input (shaped like it), given ``grad`` of the op's output ``out``; ``None`` for none (an
    error where one is needed), :func:`not_differentiable` where nothing flows back."""
    kind: str = "op"
    """``"op"`` for operations; ``"placeholder"``, ``"variable"`` or ``"constant"`` for sources."""
    stateful: bool = False
    """A stateful op (a train step) is run on every run that needs it, never served from cache."""
    context: bool = False
    """If true, compute receives a :class:`engine.session.NodeContext` as first argument."""
    on_rename: Callable[[Any, str, str], None] | None = None
    """Called as ``on_rename(node, old, new)`` for each node of this op when a node of its graph
    is renamed: for attributes or state that name nodes (a train node's ``var_list``)."""
    roles: frozenset[str] = frozenset()
    """What the op is for, among :data:`ROLES` (a set of any kind is taken)."""
    operator: str | None = None
    """The Python operator that builds it on nodes: ``+ - * / @ **``, ``neg`` (unary minus) or
    ``abs()``."""
    attrs_in_use: Callable[[dict[str, Any]], tuple[str, ...]] | None = None
    """The attributes that matter for given attribute values (a train step's chosen optimizer's
    parameters); ``None``: all of them. Read it through :meth:`active_attrs`."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))

    @property
    def is_source(self) -> bool:
        return self.kind != "op"

    def default_attrs(self) -> dict[str, Any]:
        return {name: attr.default for name, attr in self.attrs.items()}

    def active_attrs(self, values: dict[str, Any]) -> tuple[str, ...]:
        """The names of the attributes in use when the attributes are ``values``."""
        if self.attrs_in_use is None:
            return tuple(self.attrs)
        return self.attrs_in_use(values)

    def parse_attrs(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return the full attribute dict (defaults filled in), validated.

        Raises ``ValueError`` naming the attribute for an unknown name or a bad value.
        """
        unknown = set(values) - set(self.attrs)
        if unknown:
            raise ValueError(f"{self.type} has no attribute {', '.join(sorted(unknown))}")
        parsed = self.default_attrs()
        for name, value in values.items():
            try:
                parsed[name] = self.attrs[name].parse(value)
            except (TypeError, ValueError, ArithmeticError) as error:
                raise ValueError(f"attribute '{name}': {error}") from None
        return parsed


def not_differentiable(grad: Any, out: Any, *inputs: Any, **attrs: Any) -> None:
    """The gradient rule of an input that nothing flows back through, as TensorFlow's
    ``NotDifferentiable`` (comparisons, arg-max, a selector's condition): backpropagation
    leaves the wire out, so what reaches ``y`` only through it gets no gradient (zeros)."""
    return None


class _HasOp(Protocol):
    """A node, as far as the registry is concerned."""

    @property
    def op(self) -> OpDef: ...


_REGISTRY: dict[str, OpDef] = {}
_BY_OPERATOR: dict[str, OpDef] = {}


def register(opdef: OpDef) -> OpDef:
    """Add an op type to the registry (its type name, and its operator if any, must be new;
    its roles must be among :data:`ROLES`)."""
    if opdef.type in _REGISTRY:
        raise ValueError(f"op type '{opdef.type}' is already registered")
    if not opdef.roles <= ROLES:
        raise ValueError(f"{opdef.type}: unknown role {', '.join(sorted(opdef.roles - ROLES))}")
    if opdef.operator is not None:
        if opdef.operator in _BY_OPERATOR:
            raise ValueError(f"{opdef.type}: operator {opdef.operator} is already "
                             f"{_BY_OPERATOR[opdef.operator].type}'s")
        _BY_OPERATOR[opdef.operator] = opdef
    _REGISTRY[opdef.type] = opdef
    return opdef


def op(type: str, **fields: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of :func:`register`: the decorated function is the op's compute.

    The description defaults to the first line of the function's docstring.
    """

    def decorate(compute: Callable[..., Any]) -> Callable[..., Any]:
        doc = fields.pop("doc", None) or (compute.__doc__ or "").strip().splitlines()[0]
        register(OpDef(type=type, compute=compute, doc=doc, **fields))
        return compute

    return decorate


def get_op(type: str) -> OpDef:
    """The registered op type named ``type``; ``KeyError`` with a readable message if none."""
    try:
        return _REGISTRY[type]
    except KeyError:
        raise KeyError(f"unknown op type '{type}'") from None


def has_op(type: str) -> bool:
    return type in _REGISTRY


def all_ops() -> Iterator[OpDef]:
    """Every registered op type, in registration order."""
    return iter(_REGISTRY.values())


def unregister(type: str) -> None:
    """Remove an op type (for tests that register ops of their own)."""
    opdef = _REGISTRY.pop(type, None)
    if opdef is not None and opdef.operator is not None:
        del _BY_OPERATOR[opdef.operator]


def ops_with_role(role: str) -> list[OpDef]:
    """Every registered op type with ``role``, in registration order."""
    return [opdef for opdef in _REGISTRY.values() if role in opdef.roles]


def has_role(item: OpDef | _HasOp, role: str) -> bool:
    """Whether an op type, or a node's op, has ``role``."""
    opdef = item if isinstance(item, OpDef) else item.op
    return role in opdef.roles


def op_for_operator(operator: str) -> OpDef:
    """The op type that a Python operator (``+ - * / @ **``, ``neg``, ``abs()``) builds;
    ``KeyError`` if none does."""
    try:
        return _BY_OPERATOR[operator]
    except KeyError:
        raise KeyError(f"no op type for the operator {operator}") from None
