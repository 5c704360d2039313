"""Broken graph files made from good ones, seeded: byte flips, truncations, bytes that are not
UTF-8, JSON values replaced by wrong types and huge numbers, duplicate keys, deep nesting.
The mutation test and bench/bench_broken_files.py read the same corpus."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
FILES = ("affine.json", "perceptron.json", "mlp.json")

NASTY: list[Any] = [
    None, True, False, 0, -1, 1.5, -0.0, "", "x", "\ud800", [], {}, [[]], [[[[]]]],
    10**400, -(10**30), 2**63, 2**64, 1e308, [10**12] * 5, [1] * 65, [2] * 100, [0, 10**30],
    [2**62, 2**62], {"kind": "zeros", "shape": [10**12, 10**6]}, {"a": 1}, ["A", "A"],
    {"dtype": "float64", "shape": [10**9, 10**9], "base64": ""},
    {"dtype": "int8", "shape": [0, 10**30], "data": []},
]
"""Values put in place of one value of a good file (each written as Python's json writes it:
``NaN``, ``Infinity`` and integers of hundreds of digits included)."""
SPECIAL = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" * 4401, "[" * 200 + "]" * 200]
"""Texts spliced in place of a value: what Python's writer cannot write."""


def _places(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value in ``data`` (a list's first items only), top first."""
    if path:
        yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _places(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:6]):
            yield from _places(value, (*path, index))


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = json.loads(json.dumps(data))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return data


def _text(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


def mutants(seed: int, count: int) -> Iterator[tuple[str, bytes]]:
    """``count`` broken (or, by chance, valid) files: a description and the bytes."""
    rng = random.Random(seed)
    originals = {name: (EXAMPLES / name).read_bytes() for name in FILES}
    for _ in range(count):
        name = rng.choice(FILES)
        raw = originals[name]
        data = json.loads(raw)
        kind = rng.randrange(8)
        if kind == 0:
            flipped = bytearray(raw)
            for _ in range(rng.randint(1, 3)):
                flipped[rng.randrange(len(raw))] = rng.randrange(256)
            yield f"{name}: bytes flipped", bytes(flipped)
        elif kind == 1:
            cut = rng.randrange(len(raw))
            yield f"{name}: cut at byte {cut}", raw[:cut]
        elif kind == 2:
            at = rng.randrange(len(raw))
            yield f"{name}: not UTF-8 at byte {at}", raw[:at] + b"\xc3\x28\xff" + raw[at:]
        elif kind in (3, 4, 5):
            path = rng.choice(list(_places(data)))
            value = rng.choice(NASTY)
            yield f"{name}: {path} = {str(value)[:30]}", _text(_replaced(data, path, value))
        elif kind == 6:
            path = rng.choice(list(_places(data)))
            marker = "__MUTATED__"
            text = _text(_replaced(data, path, marker)).decode("utf-8", "surrogatepass")
            special = rng.choice(SPECIAL)
            yield f"{name}: {path} = {special[:12]}", text.replace(f'"{marker}"', special)\
                .encode("utf-8", "surrogatepass")
        else:
            node = rng.randrange(len(data["nodes"]))
            text = raw.decode()
            at = text.index('"name"', text.index(json.dumps(data["nodes"][node]["name"])) - 10)
            yield f"{name}: nodes[{node}] with a duplicate key", \
                (text[:at] + '"op": "constant", ' + text[at:]).encode()
