"""The preview batch: the rows of the bound data that live evaluation feeds, so that a node's
value stays readable (32 rows of hidden units, not 1,797) and quick to compute."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..graph import Node, Placeholder
from .binding import bound

PREVIEW_ROWS = 32
"""The preview batch's size until the user chooses another."""


@dataclass(frozen=True)
class PreviewBatch:
    """Batch ``index`` (from 0) of ``size`` rows."""

    index: int = 0
    size: int = PREVIEW_ROWS

    def rows(self, total: int) -> slice:
        """The rows of the batch among ``total`` (the last batch if ``index`` is past it)."""
        size = max(1, self.size)
        start = min(max(0, self.index), max(0, self.batches(total) - 1)) * size
        return slice(start, min(start + size, total))

    def batches(self, total: int) -> int:
        """How many batches ``total`` rows make (the last one may be smaller)."""
        return -(-total // max(1, self.size))

    def text(self, total: int) -> str:
        """``rows 0–31 of 1,797``: which rows the batch shows (numbered from 0, as the Tensor
        dock numbers them)."""
        rows = self.rows(total)
        if rows.stop - rows.start == 1:
            return f"row {rows.start:,} of {total:,}"
        return f"rows {rows.start:,}–{rows.stop - 1:,} of {total:,}"


def batched(nodes: Iterable[Node]) -> list[Placeholder]:
    """The bound placeholders among ``nodes`` whose data a preview batch cuts: those holding
    rows (a value of rank ≥ 1) whose shape leaves the number of rows open."""
    found = []
    for node, _ in bound(nodes):
        shape = node.attrs.get("shape")
        if node.value is not None and node.value.ndim >= 1 and (
                shape is None or len(shape) and shape[0] is None):
            found.append(node)
    return found


def bound_rows(nodes: Iterable[Node]) -> int:
    """How many rows the data a preview batch cuts has (the most, if several sets): 0 if none."""
    return max((len(node.value) for node in batched(nodes) if node.value is not None),
               default=0)


def preview_feeds(nodes: Iterable[Node], batch: PreviewBatch) -> dict[Placeholder, np.ndarray]:
    """The batch's rows of each :func:`batched` placeholder's data, to feed (views: no copy;
    a shorter data set bound elsewhere gives its last batch rather than none)."""
    return {node: node.value[batch.rows(len(node.value))] for node in batched(nodes)
            if node.value is not None}
