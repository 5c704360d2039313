"""The op cases of every ``tests/op_cases_*.py`` file, merged: ``CASES`` (op type → [(input
shapes, attributes)]), ``POSITIVE``, ``NOT_DIFFERENTIABLE`` and ``INPUTS`` (see
tests/op_cases_math.py). A new file of cases counts without any other change."""

from __future__ import annotations

import importlib
from pathlib import Path

CASES: dict[str, list[tuple[tuple[tuple[int, ...], ...], dict]]] = {}
POSITIVE: set[str] = set()
NOT_DIFFERENTIABLE: set[str] = set()
INPUTS: dict = {}

for _path in sorted(Path(__file__).parent.glob("op_cases_*.py")):
    _module = importlib.import_module(_path.stem)
    _twice = CASES.keys() & _module.CASES.keys()
    assert not _twice, f"{_path.name} has cases for {sorted(_twice)} again"
    CASES.update(_module.CASES)
    POSITIVE |= set(getattr(_module, "POSITIVE", ()))
    NOT_DIFFERENTIABLE |= set(getattr(_module, "NOT_DIFFERENTIABLE", ()))
    INPUTS.update(getattr(_module, "INPUTS", {}))
