"""Tensor text: what format_tensor writes, parse_tensor_text reads back, complex numbers too."""

from __future__ import annotations

import numpy as np
import pytest

from engine.tensors import as_tensor, format_tensor, parse_tensor_text

COMPLEX = np.array([[1 + 2j, -0.5 - 1e-8j, complex(np.nan, 1)],
                    [complex(np.inf, -np.inf), complex(0, -0.0), 0.1 + 0.123456789012345j]])


def test_a_complex_tensor_round_trips_through_its_text_exactly():
    text = format_tensor(COMPLEX)
    assert text == "[[1+2j, -0.5-1e-08j, nan+1j], [inf-infj, 0-0j, 0.1+0.123456789012345j]]"
    back = as_tensor(parse_tensor_text(text))
    assert back.dtype == np.complex128
    np.testing.assert_array_equal(back, COMPLEX)
    assert np.signbit(back[1, 1].imag)  # -0.0 keeps its sign


def test_complex64_round_trips_at_its_own_precision():
    value = np.array([1.1 + 2.2j, -3.3j], dtype=np.complex64)
    back = as_tensor(parse_tensor_text(format_tensor(value)), "complex64")
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("value", [
    np.array([[1 + 2j, 3j], [1, -2.5 - 0.25j]]),
    np.array([1 + 2j, -0.5 - 1j, complex(np.inf, -np.inf), complex(np.nan, 0)]),
    np.array([[[1j, 2], [3, 4 - 1j]]]),
    np.complex128(1.5 - 2j),
])
def test_numpy_printed_complex_tensors_parse_back(value):
    for text in (str(value), repr(value), repr(value.tolist())):
        back = np.asarray(parse_tensor_text(text))
        np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("text, expected", [
    ("1+2j", 1 + 2j),
    ("(1+2j)", 1 + 2j),
    ("-2j", -2j),
    ("[1, 2j, -3]", [1, 2j, -3]),
    ("[ 1.  +2.j  -0.5-1.j]", [1 + 2j, -0.5 - 1j]),
    ("1.e+20+1.j", 1e20 + 1j),
    ("[nan+infj]", [complex(np.nan, np.inf)]),
])
def test_complex_literals_in_every_spelling(text, expected):
    np.testing.assert_array_equal(np.asarray(parse_tensor_text(text)), np.asarray(expected))


def test_real_tensors_still_read_as_before():
    assert parse_tensor_text("[[1. 0.] [0. -1.]]") == [[1.0, 0.0], [0.0, -1.0]]
    assert parse_tensor_text("array([1, 2])") == [1, 2]
    assert parse_tensor_text("[True False]") == [True, False]
    np.testing.assert_array_equal(parse_tensor_text("[nan, -inf]"), [np.nan, -np.inf])


@pytest.mark.parametrize("text", ["[1+2k]", "[1+]", "j", "{\"complex\": 1}"])
def test_malformed_text_is_refused_with_a_message(text):
    with pytest.raises((ValueError, TypeError)):
        as_tensor(parse_tensor_text(text))
