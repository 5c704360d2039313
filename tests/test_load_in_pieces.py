"""A tensor's base64 is decoded a piece at a time (so that a reading thread lets the window's
thread run): in small pieces, every tensor reads as it reads whole, and every broken one is
refused with the same message."""

from __future__ import annotations

import base64
import random

import numpy as np
import pytest

import engine.io as io
from engine.errors import FileFormatError

WHOLE = 1 << 30
"""A piece size larger than any text here: decoded whole, as before pieces."""


def outcome(read, *args):
    try:
        result = read(*args)
    except FileFormatError as error:
        return "refused", str(error)
    return "read", result.tolist() if isinstance(result, np.ndarray) else result


def encoded(seed: int, count: int) -> list[tuple[str, list[int]]]:
    """Base64 texts with the shape their bytes fill (uint8), some broken: a padding, a
    character not of base64, a character dropped, a non-ASCII one."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(10)))
        text = base64.b64encode(data).decode()
        shape = [len(data) + rng.choice([0, 0, 0, 1, -1])]
        if rng.random() < 0.6 and text:
            at = rng.randrange(len(text))
            text = rng.choice([text[:at] + "=" + text[at + 1:], text[:at] + "!" + text[at:],
                               text[:at] + text[at + 1:], text[:at] + "é" + text[at + 1:],
                               "=" + text, text + "=", text + "===="])
        found.append((text, [max(shape[0], 0)]))
    return found


@pytest.mark.parametrize("piece", [4, 8])
def test_base64_decoded_in_pieces_reads_or_is_refused_as_decoded_whole(monkeypatch, piece):
    for text, shape in encoded(seed=piece, count=300):
        data = {"dtype": "uint8", "shape": shape, "base64": text}
        monkeypatch.setattr(io, "BASE64_PIECE", WHOLE)
        whole = outcome(io.decode_tensor, dict(data), "nodes[0].value")
        monkeypatch.setattr(io, "BASE64_PIECE", piece)
        assert outcome(io.decode_tensor, dict(data), "nodes[0].value") == whole, text


def test_a_big_tensor_decoded_in_pieces_is_the_tensor_saved(monkeypatch):
    monkeypatch.setattr(io, "BASE64_PIECE", 1000)
    for dtype in ("float64", "float32", "int16", "bool", "complex64"):
        array = (np.arange(3001) % 7).astype(dtype).reshape(3001, 1)
        decoded = io.decode_tensor(io.encode_tensor(array), "nodes[0].value")
        assert decoded.dtype == array.dtype and decoded.flags.writeable
        assert np.array_equal(decoded, array)
