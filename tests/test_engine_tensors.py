"""Tensor text: what format_tensor writes, parse_tensor_text reads back, complex numbers too."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from engine.tensors import (
    ShortenedArrayError,
    _format_float,
    as_tensor,
    format_tensor,
    parse_tensor_text,
    read_tensor_file,
)

COMPLEX = np.array([[1 + 2j, -0.5 - 1e-8j, complex(np.nan, 1)],
                    [complex(np.inf, -np.inf), complex(0, -0.0), 0.1 + 0.123456789012345j]])


def test_a_complex_tensor_round_trips_through_its_text_exactly():
    text = format_tensor(COMPLEX)
    assert text == "[[1+2j, -0.5-1e-08j, nan+1j], [inf-infj, 0-0j, 0.1+0.123456789012345j]]"
    back = as_tensor(parse_tensor_text(text))
    assert back.dtype == np.complex128
    np.testing.assert_array_equal(back, COMPLEX)
    assert np.signbit(back[1, 1].imag)  # -0.0 keeps its sign


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "longdouble"])
def test_a_float_scalar_or_vector_is_written_as_numpy_writes_it(dtype):
    """(Written without ``np.array2string``, whose set-up costs more than a short value.)"""
    rng = np.random.default_rng(7)
    special = [0.0, -0.0, 1.0, -0.5, 0.1, 1e-5, 1e-4, 1e16, 2.5e15, np.nan, np.inf, -np.inf]
    with np.errstate(over="ignore"):  # (a float16 holds up to 65504: more is inf)
        values = [np.array(v, dtype) for v in special]
        values += [np.array(rng.choice(special + list(rng.normal(size=4) * 10.0 ** rng.integers(
            -8, 17, size=4)), size=n), dtype) for n in (0, 1, 2, 3, 7, 40) for _ in range(20)]
    for value in values:
        numpy_text = np.array2string(
            value, separator=", ", threshold=sys.maxsize, max_line_width=sys.maxsize,
            formatter={"float_kind": _format_float})
        assert format_tensor(value) == numpy_text
        back = as_tensor(parse_tensor_text(numpy_text), dtype)
        np.testing.assert_array_equal(back, value)


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


# ---- every spelling a user types or pastes ----------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("[None, 2]", [None, 2]),                    # a shape, as Python writes it
    ("[null, 2]", [None, 2]),                    # … and JSON
    ("(None, 2)", [None, 2]),                    # a tuple
    ("(2,)", [2]),
    ("1, 2", [1, 2]),                            # a tuple without parentheses
    ("[1, 2,]", [1, 2]),                         # a trailing comma
    ("True", True), ("true", True), ("False", False), ("np.True_", True),
    ("[True False]", [True, False]),
    ("-inf", -np.inf), ("Infinity", np.inf), ("-np.inf", -np.inf), ("- 1", -1),
    ("[1 -2]", [1, -2]),
    ("[[1. 0.]\n [0. -1.]]", [[1.0, 0.0], [0.0, -1.0]]),   # numpy's str, without commas
    ("[[1., 0.], [0., -1.]]", [[1.0, 0.0], [0.0, -1.0]]),
    ("[1e-10 1e+10]", [1e-10, 1e10]),
    ("array([1, 2])", [1, 2]),
    ("np.array([[1, 2], [3, 4]])", [[1, 2], [3, 4]]),
    ("array(3.)", 3.0),
    ('["W", \'b\']', ["W", "b"]),                # names, for a train node's var_list
    ("[]", []), ("()", []),
])
def test_python_json_and_numpy_spellings(text, expected):
    np.testing.assert_array_equal(np.asarray(parse_tensor_text(text)), np.asarray(expected))
    assert type(parse_tensor_text(text)) is type(expected)


def test_nan_in_every_spelling():
    for text in ("nan", "NaN", "np.nan", "numpy.nan"):
        assert np.isnan(parse_tensor_text(text))


@pytest.mark.parametrize("value", [
    np.array([[1, 2], [3, 4]], dtype=np.int32),
    np.array([1.5, -2.0], dtype=np.float32),
    np.zeros((0, 3), dtype=np.float32),
    np.array([np.nan, np.inf, -np.inf]),
    np.array([[True, False]]),
    np.float32(2.5), np.int64(-3), np.True_, np.complex64(1 - 2j),
])
def test_numpy_repr_and_str_read_back_with_their_dtype(value):
    back = parse_tensor_text(repr(value))
    assert np.asarray(back).dtype == value.dtype
    np.testing.assert_array_equal(back, value)
    np.testing.assert_array_equal(as_tensor(parse_tensor_text(str(value))).reshape(value.shape),
                                  value)


@pytest.mark.parametrize("text, message", [
    ("", "empty: type a number, or a list such as [1, 2]"),
    ("[[1, 0], [0", "'[' at character 10 is not closed: add ']'"),
    ("[1, 2]]", "']' at character 7 closes nothing: remove it"),
    ("[1, 2)", "')' at character 6 does not close the '[' at character 1: type ']'"),
    ("[1,,2]", "',' at character 4 follows no value: type a value before it, or remove it"),
    ("[1.5.3]", "'.3' at character 5 follows a value without a comma or a space"),
    ("1 2", "unexpected '2' at character 3, after the value: put several values in a list"),
    ("[W, b]", "'W' at character 2 is not a value: type numbers, lists in [ ], None, "
               "True/False, nan or inf (a name goes in quotes: \"W\")"),
    ("{'a': 1}", "cannot read '{' at character 1"),
    ("'abc", "the quote at character 1 is not closed"),
    ("foo(1)", "foo(…) at character 1 is not a value"),
    ("array([1], order='C')", "array() takes no 'order' (at character 12): only the values, "
                              "dtype= and shape="),
    ("np.float64(1, 2)", "takes one value, got 2"),
    ("--1", "unexpected '-' at character 1"),
    ("-None", "'-' at character 1 goes before a number, not 'None'"),
    ("9" * 30, "the integer at character 1 is too big for a tensor (more than 19 digits): "
               "type it as a float, such as 1e+30"),
    ("[" * 70 + "]" * 70, "lists nest more than 64 deep at character 65"),
])
def test_bad_text_is_refused_in_one_line_that_says_what_to_type(text, message):
    with pytest.raises(ValueError) as caught:
        parse_tensor_text(text)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text, shape", [
    ("[0 1 2 ... 7 8 9]", ""),
    ("[1, 2, …, 9]", ""),
    (repr(np.arange(2000.0)), " of shape (2000,)"),
    (str(np.arange(2000).reshape(100, 20)), ""),
])
def test_an_array_numpy_shortened_points_to_importing_it(text, shape):
    with pytest.raises(ShortenedArrayError,
                       match=rf"numpy left values out of this array{re.escape(shape)} "
                             r"\('(\.\.\.|…)' at character \d+\): import the whole array "
                             r"from a \.npy or \.csv file instead"):
        parse_tensor_text(text)


@pytest.mark.parametrize("value, message", [
    ([[1, 2], [3, 4, 5]], "a ragged list: row 2 has 3 values, row 1 has 2"),
    ([[1, 2], 3], "a ragged list: row 2 is a number, row 1 has 2"),
    ([[[1, 2], [3, 4]], [[5, 6], [7]]],
     "a ragged list: row 2 in block 2 has 1 value, row 1 in block 1 has 2"),
    ([None, 2], "None is not a number — type nan for a missing value"),
    (["a", 1], "'a' is not a number"),
    ([2 ** 70], "too big for a tensor — make it a float"),
])
def test_values_that_are_no_tensor_say_where(value, message):
    with pytest.raises(ValueError) as caught:
        as_tensor(value)
    assert message in str(caught.value)


@pytest.mark.parametrize("text", [
    "1" * 100_000,                 # a regular expression that backtracks takes hours on these
    "1" * 100_000 + "j",
    "[" + "1" * 100_000 + "+1j]",
    "1." + "0" * 100_000 + "e",
])
def test_a_hundred_thousand_digits_are_refused_unread(text):
    with pytest.raises(ValueError, match="has 100,00[0-9] digits"):
        parse_tensor_text(text)


class CountingText(str):
    """Text that counts how many of its characters a reader looks at."""

    reads = 0

    def __getitem__(self, index):
        CountingText.reads += 1
        return super().__getitem__(index)


@pytest.mark.parametrize("digits", [4_000, 8_000])
@pytest.mark.parametrize("form", ["{}", "[{}.5e+3, 2]", "-{}.{}j", "[1, {}x]"])
def test_long_digit_runs_are_read_looking_at_each_character_once_or_twice(digits, form):
    text = CountingText(form.format("7" * digits, "3" * digits))
    CountingText.reads = 0
    with pytest.raises(ValueError, match="digits: a tensor keeps 17 significant digits"):
        parse_tensor_text(text)
    assert CountingText.reads <= 2 * len(text) + 10  # no backtracking: linear in the text


def test_long_values_read_in_one_pass():
    values = parse_tensor_text("[" + ", ".join(["1.5"] * 100_000) + "]")
    assert len(values) == 100_000


def test_a_tensor_file_is_read_from_npy_and_csv(tmp_path):
    value = np.array([[1.5, -2.0], [np.nan, 4.0]])
    np.save(tmp_path / "v.npy", value)
    np.testing.assert_array_equal(read_tensor_file(tmp_path / "v.npy"), value)
    (tmp_path / "v.csv").write_text("1,2\n3,4\n")
    back = read_tensor_file(tmp_path / "v.csv")
    assert back.dtype == np.int64 and back.tolist() == [[1, 2], [3, 4]]
    (tmp_path / "c.csv").write_text("1+2j,-0.5\n")
    np.testing.assert_array_equal(read_tensor_file(tmp_path / "c.csv"), [1 + 2j, -0.5])
    (tmp_path / "bad.csv").write_text("1,2\n3\n")
    with pytest.raises(ValueError, match="cannot read bad.csv"):
        read_tensor_file(tmp_path / "bad.csv")
