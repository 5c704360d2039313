"""The op registry: the only place an operation is defined.

An :class:`OpDef` declares an op's input ports, attributes with defaults, compute function,
static shape rule, category and one-line description. The session, the file format, the API
builders and the editor's palette all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Shape = tuple[int | None, ...] | None
"""A static shape: a tuple with ``None`` for unknown dimensions, or ``None`` for unknown rank."""


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
    input (shaped like it), given ``grad`` of the op's output ``out``; ``None`` for none."""
    kind: str = "op"
    """``"op"`` for operations; ``"placeholder"``, ``"variable"`` or ``"constant"`` for sources."""
    stateful: bool = False
    """A stateful op (a train step) is run on every run that needs it, never served from cache."""
    context: bool = False
    """If true, compute receives a :class:`engine.session.NodeContext` as first argument."""
    on_rename: Callable[[Any, str, str], None] | None = None
    """Called as ``on_rename(node, old, new)`` for each node of this op when a node of its graph
    is renamed: for attributes or state that name nodes (a train node's ``var_list``)."""

    @property
    def is_source(self) -> bool:
        return self.kind != "op"

    def default_attrs(self) -> dict[str, Any]:
        return {name: attr.default for name, attr in self.attrs.items()}

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
            except (TypeError, ValueError) as error:
                raise ValueError(f"attribute '{name}': {error}") from None
        return parsed


_REGISTRY: dict[str, OpDef] = {}


def register(opdef: OpDef) -> OpDef:
    """Add an op type to the registry (its type name must be new)."""
    if opdef.type in _REGISTRY:
        raise ValueError(f"op type '{opdef.type}' is already registered")
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
    _REGISTRY.pop(type, None)
