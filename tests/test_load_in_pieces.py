"""A file's text and a tensor's base64 are decoded a piece at a time (so that a reading thread
lets the window's thread run): in small pieces, every file and tensor reads as it reads whole,
and every broken one is refused with the same message."""

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


def texts(seed: int, count: int) -> list[bytes]:
    """Short UTF-8 texts of one- to four-byte characters over a few lines, some broken: a byte
    replaced, dropped or inserted (stray continuation bytes, a character cut short)."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        raw = bytearray("".join(rng.choice("ab\né€𝄞") for _ in range(rng.randrange(12)))
                        .encode("utf-8"))
        for _ in range(rng.randrange(3)):
            at = rng.randrange(len(raw) + 1)
            change = rng.randrange(3)
            if change == 0 and at < len(raw):
                raw[at] = rng.choice([0x80, 0xBF, 0xC3, 0xE2, 0xF0, 0xFF, 0x41, 0x0A])
            elif change == 1 and at < len(raw):
                del raw[at]
            else:
                raw[at:at] = bytes([rng.choice([0x80, 0x82, 0xA4, 0xC3, 0xF0])])
        found.append(bytes(raw))
    return found


def read_whole(path):
    """The text of ``path`` decoded whole, or the refusal naming the first byte that is not
    UTF-8 (its line, and its column in bytes)."""
    raw = path.read_bytes()
    try:
        return "read", raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return "refused", (f"{path}: cannot read it: not UTF-8 text (byte "
                           f"0x{raw[error.start]:02x} at line {line}, column {column})")


@pytest.mark.parametrize("piece", [1, 2, 3, 5])
def test_a_text_read_in_pieces_reads_or_is_refused_as_read_whole(tmp_path, monkeypatch, piece):
    monkeypatch.setattr(io, "_CHUNK", piece)
    path = tmp_path / "g.json"
    for raw in texts(seed=piece, count=150):
        path.write_bytes(raw)
        assert outcome(io._read_text, path, io._Progress(None)) == read_whole(path), raw


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
