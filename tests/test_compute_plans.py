"""The compute service makes only the plans an edit or a click needs: many watched nodes (the
last nodes of many chains, as previews watch them), an edit of one chain makes that chain's
plan again, a click on a node makes its plan alone, heads on one long trunk share one plan
once their own would hold the trunk many times — the values as a fresh session's."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest

import engine as ts
from editor.compute.service import ComputeService, Evaluation
from editor.document import Document
from editor.document.commands import SetWires
from engine import session as session_module

CHAINS, LENGTH = 40, 6


def chains() -> ts.Graph:
    """``CHAINS`` chains ``v{i} → n{i}_0 → … → n{i}_{LENGTH-1}`` of negatives."""
    g = ts.Graph()
    with g.as_default():
        for i in range(CHAINS):
            node = ts.Variable(np.array([float(i)]), name=f"v{i}")
            for j in range(LENGTH):
                node = ts.negative(node, name=f"n{i}_{j}")
    return g


@pytest.fixture
def builds(monkeypatch):
    """Plans made by compute services' workers, by their first fetch's name."""
    counts: Counter[str] = Counter()
    compile_ = session_module.Session._compile

    def counted(self, fetches):
        if getattr(self, "counted", False):
            counts[fetches[0].name] += 1
        return compile_(self, fetches)

    monkeypatch.setattr(session_module.Session, "_compile", counted)
    return counts


@contextlib.contextmanager
def watching(qtbot, graph: ts.Graph, names: list[str]) -> Iterator[tuple[Document,
                                                                         ComputeService]]:
    """A document of ``graph`` and a compute service watching ``names``; the plans its
    worker makes are counted (``builds``) from then on."""
    doc = Document(graph)
    service = ComputeService()
    service.set_document(doc)
    try:
        with qtbot.waitSignal(service.evaluated):
            service.watch(names)  # the replica is made (and its session) before this runs
        service._worker.session.counted = True  # (read in the worker: a plain attribute)
        yield doc, service
    finally:
        service.close()


def test_an_edit_and_a_click_make_only_the_plans_they_need(qtbot, builds):
    graph = chains()
    last = [f"n{i}_{LENGTH - 1}" for i in range(CHAINS)]
    with watching(qtbot, graph, last) as (doc, service):

        def evaluated(names: list[str]) -> Evaluation:
            with qtbot.waitSignal(service.evaluated) as blocker:
                service.watch(names)
            return blocker.args[0]

        assert evaluated(last).values[last[3]].tolist() == [3.0]
        assert builds == {}  # the plans are kept
        with qtbot.waitSignal(service.evaluated) as blocker:  # an edit of chain 3
            assert doc.execute(SetWires(doc, [("n3_2", 0, "v7")])) is None
            service.flush()
        values = blocker.args[0].values
        assert builds == {last[3]: 1}
        fresh = ts.Session(graph).run(last)
        assert [values[name].tolist() for name in last] == [v.tolist() for v in fresh]
        assert values[last[3]].tolist() == [7.0]  # v7 negated four times
        shown = evaluated([*last, "n5_2"])  # a click on a node of chain 5
        assert builds == {last[3]: 1, "n5_2": 1}
        assert shown.values["n5_2"].tolist() == [-5.0]


TRUNK, HEADS = 300, 100


def trunk_with_heads() -> ts.Graph:
    """``v → t0 → … → t{TRUNK-1}``, ``HEADS`` heads ``h{i}`` on its end, and a spare ``w``."""
    g = ts.Graph()
    with g.as_default():
        node = ts.Variable(np.array([1.0]), name="v")
        ts.Variable(np.array([2.0]), name="w")
        for j in range(TRUNK):
            node = ts.negative(node, name=f"t{j}")
        for i in range(HEADS):
            ts.negative(node, name=f"h{i}")
    return g


def test_heads_on_one_trunk_are_planned_together_after_an_edit_of_it(qtbot, builds):
    """Each head's own plan would hold the whole trunk: an edit at its top would make a hundred
    plans of 300 nodes. Past twice the graph's size in plans, the rest are run in one."""
    graph = trunk_with_heads()
    heads = [f"h{i}" for i in range(HEADS)]
    with watching(qtbot, graph, heads) as (doc, service):
        with qtbot.waitSignal(service.evaluated) as blocker:
            assert doc.execute(SetWires(doc, [("t0", 0, "w")])) is None
            service.flush()
        values = blocker.args[0].values
        assert sum(builds.values()) <= 4  # two or three heads alone, then the rest together
        fresh = ts.Session(graph).run(heads)
        assert [values[name].tolist() for name in heads] == [v.tolist() for v in fresh]
        assert values["h0"].tolist() == [-2.0]  # w negated 301 times
