"""Engine behaviour the editor relies on (changed for it): cycle reports in files, shape
invalidation after edits, a placeholder's default following its dtype."""

import json

import numpy as np
import pytest

import engine as ts
from engine.io import graph_from_dict, graph_to_dict


def affine():
    with ts.Graph().as_default() as g:
        a = ts.Variable([[1.0, 0.0], [0.0, -1.0]], name="A")
        x = ts.placeholder(shape=[2], dtype="float64", name="x", default=[1.0, 2.0])
        b = ts.Variable([1.0, 1.0], name="b")
        ts.add(ts.matmul(a, x), b, name="z")
    return g


def test_a_cycle_in_a_file_is_named():
    data = json.loads(json.dumps(graph_to_dict(affine())))
    data["nodes"][0] = {"name": "A", "op": "negative", "inputs": ["z"]}
    with pytest.raises(ts.FileFormatError, match="cycle: .*A.*z|cycle: .*z.*A"):
        graph_from_dict(data)


def test_shapes_follow_edits_downstream():
    g = affine()
    assert g.shape_of("z") == (2,)
    g.set_value("A", np.ones((3, 2)))
    assert g.shape_of("matmul") == (3,)
    with pytest.raises(ts.ShapeError) as error:
        g.shape_of("z")
    assert error.value.node == "z"
    g.disconnect("z", 1)
    g.connect("matmul", "z", 1)
    assert g.shape_of("z") == (3,)
    g.remove_node("b")
    g.set_value("A", np.ones((4, 2)))
    assert g.shape_of("z") == (4,)


def test_a_placeholder_default_follows_its_dtype():
    g = affine()
    g.set_attr("x", "dtype", "float32")
    assert g.get_node("x").value.dtype == np.float32
    with pytest.raises(ValueError):
        g.set_attr("x", "dtype", "int32")  # 1.0 and 2.0 are not ints: refused, unchanged
    assert g.get_node("x").dtype == "float32"
