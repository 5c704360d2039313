"""Lean storage for a graph's many small mappings: the one shared empty mapping, and the
neighbours of a node in networkx's adjacency, held without a dict while there is one.

A million-node graph has millions of these; an empty dict takes 64 bytes, a dict of one entry
224 (on 64-bit CPython 3.11).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, MutableMapping
from typing import Any, NoReturn, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Empty(dict[str, Any]):
    """The one empty mapping shared by every node without attributes, ``ui`` or state, and by
    networkx's node and edge data (the wiring is in the nodes' ``inputs``). It refuses any
    change in place: a writer puts a dict of its own instead (see ``Graph.set_ui``). A copy of
    it is a new, ordinary dict."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this empty mapping is shared: replace it, do not change it in place")

    __setitem__ = __delitem__ = __ior__ = _refuse
    setdefault = pop = popitem = clear = _refuse

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Nothing, with nothing to add (as networkx does on node and edge data); else refused."""
        if any(args) or kwargs:
            self._refuse()

    def __copy__(self) -> dict[str, Any]:
        return {}

    def __deepcopy__(self, memo: Any) -> dict[str, Any]:
        return {}

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, ()


EMPTY: dict[str, Any] = _Empty()
"""The shared empty ``attrs``, ``ui`` and ``state`` of nodes (never changed in place)."""


_MANY: Any = object()
"""Marks neighbours held in a dict (two or more)."""


class Neighbours(MutableMapping[K, V]):
    """A node's successors (or predecessors) and their edges' data: networkx's inner
    adjacency mapping. One neighbour is held in two slots (48 bytes with the object), two or
    more in a dict; most nodes of a big graph have one consumer and one or two inputs."""

    __slots__ = ("_key", "_value")

    def __init__(self) -> None:
        self._key: Any = None
        """``None`` (no neighbour), the one neighbour, or ``_MANY``: ``_value`` holds them."""
        self._value: Any = None

    def __getitem__(self, key: K) -> V:
        if self._key is _MANY:
            value: V = self._value[key]
            return value
        if self._key is not None and self._key == key:
            one: V = self._value
            return one
        raise KeyError(key)

    def get(self, key: K, default: Any = None) -> Any:
        if self._key is _MANY:
            return self._value.get(key, default)
        return self._value if self._key is not None and self._key == key else default

    def __contains__(self, key: object) -> bool:
        if self._key is _MANY:
            return key in self._value
        return self._key is not None and self._key == key

    def __setitem__(self, key: K, value: V) -> None:
        if self._key is _MANY:
            self._value[key] = value
        elif self._key is None or self._key == key:
            self._key, self._value = key, value
        else:
            self._key, self._value = _MANY, {self._key: self._value, key: value}

    def __delitem__(self, key: K) -> None:
        if self._key is _MANY:
            many = self._value
            del many[key]
            if len(many) == 1:
                ((self._key, self._value),) = many.items()
        elif self._key is not None and self._key == key:
            self._key = self._value = None
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[K]:
        if self._key is _MANY:
            return iter(self._value)
        return iter(() if self._key is None else (self._key,))

    def __len__(self) -> int:
        if self._key is _MANY:
            return len(self._value)
        return 0 if self._key is None else 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"
