"""Lean storage for a graph's many small mappings: the one shared empty mapping, attributes
shared by the nodes that have the same (``lean_attrs``), a ``ui`` that holds only a position in
two slots (``Pos``), and the neighbours of a node in networkx's adjacency, held without a dict
while there are one or two.

A million-node graph has millions of these; an empty dict takes 64 bytes, a dict of one entry
224 (on 64-bit CPython 3.11).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Iterator, Mapping, MutableMapping
from typing import Any, NoReturn, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Frozen(dict[str, Any]):
    """A mapping shared by many nodes, which refuses any change in place: a writer puts a
    dict of its own instead (see ``Graph.set_ui``, ``Graph.set_attr``). :data:`EMPTY` is one,
    :func:`lean_attrs` makes the others. A copy of it is a new, ordinary dict."""

    __slots__ = ("__weakref__",)

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping is shared: replace it, do not change it in place")

    __setitem__ = __delitem__ = __ior__ = _refuse
    setdefault = pop = popitem = clear = _refuse

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Nothing, with nothing to add (as networkx does on node and edge data); else refused."""
        if any(args) or kwargs:
            self._refuse()

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: Any) -> dict[str, Any]:
        return dict(self)  # (its values are atoms: see lean_attrs)

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (dict(self),)


EMPTY: dict[str, Any] = Frozen()
"""The shared empty ``attrs``, ``ui`` and ``state`` of nodes (never changed in place), and
networkx's node and edge data."""

_ATOMS = frozenset({type(None), bool, int, str})
"""The values of attributes that are shared (a float is not: 0.0 and -0.0 are equal)."""
_SHARED: weakref.WeakValueDictionary[tuple[Any, ...], Frozen] = weakref.WeakValueDictionary()
"""The attributes in use, by their items and the types of their values."""


def lean_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` as a node keeps them: :data:`EMPTY` if there are none; shared by every node
    with the same attributes when their values are ``None``, booleans, integers or strings (a
    variable's ``trainable`` and ``initializer``: a dict of two entries takes 200 bytes); else
    ``attrs`` itself."""
    if not attrs:
        return EMPTY
    if type(attrs) is Frozen:
        return attrs
    if not all(type(value) in _ATOMS for value in attrs.values()):
        return attrs
    key = tuple((name, type(value), value) for name, value in attrs.items())  # (True ≠ 1)
    shared = _SHARED.get(key)
    if shared is None:
        shared = _SHARED[key] = Frozen(attrs)
    return shared


_NUMBERS = frozenset({int, float})


class Pos(Mapping[str, Any]):
    """A ``ui`` that holds only a position, ``{"pos": [x, y]}`` (what the editor's layout
    gives every node), in two slots: 64 bytes instead of a dict and a list (≈ 300). Read as
    that dict (``ui["pos"]`` is a new list each time, its numbers as they were given: ``[0, 0]``
    stays ints); never changed in place. A copy of it is an ordinary dict."""

    __slots__ = ("x", "y")

    def __init__(self, x: float, y: float) -> None:
        self.x, self.y = x, y

    def __getitem__(self, key: str) -> list[float]:
        if key == "pos":
            return [self.x, self.y]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return [self.x, self.y] if key == "pos" else default

    def __contains__(self, key: object) -> bool:
        return key == "pos"

    def __iter__(self) -> Iterator[str]:
        return iter(("pos",))

    def __len__(self) -> int:
        return 1

    def __repr__(self) -> str:
        return repr(dict(self))

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: Any) -> dict[str, Any]:
        return dict(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return Pos, (self.x, self.y)


def lean_ui(ui: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """``ui`` as a node keeps it: :data:`EMPTY` if empty, a :class:`Pos` if it holds only a
    position of two numbers (as a list), else a dict of its own (a shallow copy)."""
    if not ui:
        return EMPTY
    if type(ui) is Pos:
        return ui
    if len(ui) == 1:
        pos = ui.get("pos")
        if (type(pos) is list and len(pos) == 2 and type(pos[0]) in _NUMBERS
                and type(pos[1]) in _NUMBERS):
            return Pos(pos[0], pos[1])
    return dict(ui)


_TWO: Any = object()
"""Marks two neighbours held in a tuple ``(key, value, key, value)``."""
_MANY: Any = object()
"""Marks neighbours held in a dict (three or more)."""


class Neighbours(MutableMapping[K, V]):
    """A node's successors (or predecessors) and their edges' data: networkx's inner
    adjacency mapping. One neighbour is held in two slots (48 bytes with the object), two in
    a tuple beside them (72 bytes more; a dict took 220), more in a dict; most nodes of a big
    graph have one consumer and one or two inputs. In the order they were added, as a dict."""

    __slots__ = ("_key", "_value")

    def __init__(self) -> None:
        self._key: Any = None
        """``None`` (no neighbour), the one neighbour, ``_TWO`` or ``_MANY``: ``_value``
        holds them."""
        self._value: Any = None

    def __getitem__(self, key: K) -> V:
        held = self._key
        found: V
        if held is _TWO:
            pair = self._value
            if pair[0] == key:
                found = pair[1]
                return found
            if pair[2] == key:
                found = pair[3]
                return found
        elif held is _MANY:
            found = self._value[key]
            return found
        elif held is not None and held == key:
            found = self._value
            return found
        raise KeyError(key)

    def get(self, key: K, default: Any = None) -> Any:
        held = self._key
        if held is _TWO:
            pair = self._value
            return pair[1] if pair[0] == key else pair[3] if pair[2] == key else default
        if held is _MANY:
            return self._value.get(key, default)
        return self._value if held is not None and held == key else default

    def __contains__(self, key: object) -> bool:
        held = self._key
        if held is _TWO:
            return bool(self._value[0] == key or self._value[2] == key)
        if held is _MANY:
            return key in self._value
        return held is not None and held == key

    def __setitem__(self, key: K, value: V) -> None:
        held = self._key
        if held is _MANY:
            self._value[key] = value
        elif held is _TWO:
            k1, v1, k2, v2 = self._value
            if k1 == key:
                self._value = (k1, value, k2, v2)
            elif k2 == key:
                self._value = (k1, v1, k2, value)
            else:
                self._key, self._value = _MANY, {k1: v1, k2: v2, key: value}
        elif held is None or held == key:
            self._key, self._value = key if held is None else held, value
        else:
            self._key, self._value = _TWO, (held, self._value, key, value)

    def __delitem__(self, key: K) -> None:
        held = self._key
        if held is _MANY:
            many = self._value
            del many[key]
            if len(many) == 2:
                ((k1, v1), (k2, v2)) = many.items()
                self._key, self._value = _TWO, (k1, v1, k2, v2)
        elif held is _TWO:
            k1, v1, k2, v2 = self._value
            if k1 == key:
                self._key, self._value = k2, v2
            elif k2 == key:
                self._key, self._value = k1, v1
            else:
                raise KeyError(key)
        elif held is not None and held == key:
            self._key = self._value = None
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[K]:
        held = self._key
        if held is _TWO:
            return iter((self._value[0], self._value[2]))
        if held is _MANY:
            return iter(self._value)
        return iter(() if held is None else (held,))

    def __len__(self) -> int:
        held = self._key
        if held is _TWO:
            return 2
        if held is _MANY:
            return len(self._value)
        return 0 if held is None else 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"
