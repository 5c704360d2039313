"""Shapes as a user types them into a variable's initializer."""

from __future__ import annotations

import pytest

from editor.inspect.initializer_editor import parse_shape


@pytest.mark.parametrize(("text", "shape"), [
    ("2, 3", [2, 3]), ("[2, 3]", [2, 3]), ("2×3", [2, 3]), ("2 x 3", [2, 3]), ("(4,)", [4]),
    ("", []), ("  ", []), ("0", [0]),
])
def test_shapes_are_read_as_typed(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["2, x", "two", "2.5", "-1", "x3"])
def test_what_is_not_a_shape_says_so(text):
    with pytest.raises(ValueError, match="shape: "):
        parse_shape(text)
