"""The preview batch: which rows of the bound data live values are computed from."""

from __future__ import annotations

import numpy as np
import pytest
from data_graphs import classifier

import engine as ts
from engine.data.preview import PreviewBatch, batched, bound_rows, preview_feeds


@pytest.mark.parametrize(("batch", "total", "rows", "text"), [
    (PreviewBatch(), 1797, (0, 32), "rows 0–31 of 1,797"),
    (PreviewBatch(1, 32), 1797, (32, 64), "rows 32–63 of 1,797"),
    (PreviewBatch(56, 32), 1797, (1792, 1797), "rows 1,792–1,796 of 1,797"),
    (PreviewBatch(99, 32), 1797, (1792, 1797), "rows 1,792–1,796 of 1,797"),  # past the end
    (PreviewBatch(0, 32), 10, (0, 10), "rows 0–9 of 10"),
    (PreviewBatch(2, 1), 5, (2, 3), "row 2 of 5"),
])
def test_a_batch_is_its_rows_and_says_which(batch, total, rows, text) -> None:
    cut = batch.rows(total)
    assert (cut.start, cut.stop) == rows
    assert batch.text(total) == text


def test_the_batches_of_some_rows() -> None:
    assert [PreviewBatch(0, size).batches(1797) for size in (32, 100, 1797, 5000)] == [
        57, 18, 1, 1]


def bound_classifier() -> ts.Graph:
    graph = classifier(features=4, classes=3)
    ts.data.bind(graph, ts.data.builtin("iris"), {"X": "features", "c": "labels"})
    return graph


def test_the_feeds_are_the_batchs_rows_of_each_bound_placeholder_without_a_copy() -> None:
    graph = bound_classifier()
    x, c = graph.get_node("X"), graph.get_node("c")
    assert set(batched(graph.nodes)) == {x, c} and bound_rows(graph.nodes) == 150
    feeds = preview_feeds(graph.nodes, PreviewBatch(2, 40))
    np.testing.assert_array_equal(feeds[x], x.value[80:120])
    np.testing.assert_array_equal(feeds[c], c.value[80:120])
    assert np.shares_memory(feeds[x], x.value)


def test_a_placeholder_of_a_fixed_row_count_is_fed_all_its_rows() -> None:
    graph = bound_classifier()
    x = graph.get_node("X")
    graph.set_attr(x, "shape", (150, 4))
    assert batched(graph.nodes) == [graph.get_node("c")]
    assert bound_rows([x]) == 0 and preview_feeds([x], PreviewBatch()) == {}


def test_a_shorter_data_set_bound_beside_gives_its_last_batch() -> None:
    graph = bound_classifier()
    x, c = graph.get_node("X"), graph.get_node("c")
    graph.set_value(c, c.value[:40])  # as if another, shorter set were bound to c
    feeds = preview_feeds(graph.nodes, PreviewBatch(3, 32))
    np.testing.assert_array_equal(feeds[x], x.value[96:128])
    np.testing.assert_array_equal(feeds[c], c.value[32:40])
