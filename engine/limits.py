"""Limits on what a file may claim: checked before anything is allocated, raised by choice.

A file (or an initializer) that claims a tensor of 10¹² × 10⁶ elements, or millions of nodes,
is refused with a message that says which limit it passes and how to raise it, never with
numpy's ``MemoryError``. The defaults come from the environment, so that the command line and
the editor take them alike:

    TENSOR_CANVAS_MAX_TENSOR_BYTES=8e9 TENSOR_CANVAS_MAX_NODES=5e6 python main.py run BIG.json
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_RANK = 64
"""numpy's limit on a tensor's dimensions."""
TENSOR_BYTES = 2**31
"""The default limit on one tensor's size in bytes (2 GiB)."""
NODES = 1_000_000
"""The default limit on a file's node count."""
TENSOR_BYTES_VARIABLE = "TENSOR_CANVAS_MAX_TENSOR_BYTES"
NODES_VARIABLE = "TENSOR_CANVAS_MAX_NODES"


@dataclass(frozen=True)
class Limits:
    """How big one tensor (in bytes) and a graph (in nodes) may be."""

    tensor_bytes: int = TENSOR_BYTES
    nodes: int = NODES
    nodes_variable: str = NODES_VARIABLE
    """The environment variable that raises :attr:`nodes` (a message names it)."""

    @classmethod
    def from_environment(cls, nodes_variable: str = NODES_VARIABLE, nodes: int = NODES) -> Limits:
        """The defaults, or what ``TENSOR_CANVAS_MAX_TENSOR_BYTES`` and ``nodes_variable``
        (``TENSOR_CANVAS_MAX_NODES``; the editor reads its own) say: a whole number, which
        may be written as a float (``2e9``)."""
        return cls(_variable(TENSOR_BYTES_VARIABLE, TENSOR_BYTES),
                   _variable(nodes_variable, nodes), nodes_variable)

    def check_tensor(self, shape: Sequence[int], dtype: str | np.dtype[np.generic]) -> None:
        """Refuse a tensor of ``shape`` and ``dtype`` that numpy cannot make or that is bigger
        than :attr:`tensor_bytes`; ``ValueError`` saying which (nothing is allocated)."""
        if len(shape) > MAX_RANK:
            raise ValueError(f"a tensor has at most {MAX_RANK} dimensions, not {len(shape)}")
        size = math.prod(shape)
        nbytes = size * np.dtype(dtype).itemsize
        if nbytes > self.tensor_bytes:
            what = f"{describe_shape(shape)} {np.dtype(dtype).name}"
            raise ValueError(
                f"a {what} tensor takes {describe_bytes(nbytes)}, more than the limit of "
                f"{describe_bytes(self.tensor_bytes)} (set {TENSOR_BYTES_VARIABLE} to raise it)")
        if shape and max(shape) >= 2**63:  # an empty tensor may have a huge side
            raise ValueError(f"a size of {_count(max(shape))} is more than numpy can index")

    def check_nodes(self, count: int) -> None:
        """Refuse a graph of more than :attr:`nodes` nodes (``ValueError``)."""
        if count > self.nodes:
            raise ValueError(f"{count:,} nodes, more than the limit of {self.nodes:,} (set "
                             f"{self.nodes_variable} to raise it)")


def describe_shape(shape: Sequence[int]) -> str:
    """``1,000,000 × 3``; ``scalar`` for ``()``, ``rank-12`` for many dimensions."""
    if len(shape) > 8:
        return f"rank-{len(shape)}"
    return " × ".join(_count(d) for d in shape) if len(shape) else "scalar"


def describe_bytes(count: int) -> str:
    """``512 bytes``, ``1.5 KiB`` … ``7.28 TiB``, ``about 10^30 bytes``."""
    if count >= 1024**7:
        return f"{_count(count)} bytes"
    size, unit = float(count), "bytes"
    for bigger in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{count} bytes" if unit == "bytes" else f"{size:.3g} {unit}"


def _count(number: int) -> str:
    """``1,000,000``, or ``about 10^400`` for a number too long to read (ints of thousands
    of digits cannot all be written out)."""
    if number < 10**15:
        return f"{number:,}"
    return f"about 10^{int(math.log10(number))}"


def _variable(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0 and value == int(value)):
        raise ValueError(f"{name}={text!r}: expected a whole number ≥ 0, such as 4e9")
    return int(value)
