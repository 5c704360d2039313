"""Reading data files: .csv (header and delimiter detected, quoted fields), .npy and .npz
(never unpickled). Every refusal is a :class:`DataError` naming the file, row and column (or
array) at fault; a file over :data:`SIZE_LIMIT` is refused before it is read."""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .dataset import FEATURES, LABELS, ONE_HOT, DataError, Dataset, encode_labels

SIZE_LIMIT = 1 << 30
"""The largest data file read (1 GiB): a bigger one is refused before reading."""
CHUNK_ROWS = 10_000
"""Rows parsed between two progress reports (and chances to cancel)."""
PREVIEW_BYTES = 1 << 16
"""How much of a CSV file's start its preview reads."""
DELIMITERS = ",;\t| "
Progress = Callable[[float], None]
"""Told the fraction of a file read so far, from 0 to 1."""
Cancelled = Callable[[], bool]
"""Asked between chunks whether to give up (:class:`LoadCancelled`)."""
Label = str | int | None
"""A label column by name or index (or a .npz array by name); ``None``: no labels."""


class LoadCancelled(Exception):
    """Loading was cancelled (``cancelled()`` said so)."""


@dataclass(frozen=True)
class Preview:
    """The start of a CSV file as the importer shows it."""

    columns: list[str]
    rows: list[list[str]]
    delimiter: str
    header: bool


@dataclass(frozen=True)
class _Layout:
    """How a CSV file is written: its delimiter, whether line 1 is a header, its columns."""

    delimiter: str
    header: bool
    columns: list[str]


def load(path: str | os.PathLike[str], *, features: Sequence[str | int] | None = None,
         label: Label = None, encoding: str = ONE_HOT, progress: Progress | None = None,
         cancelled: Cancelled | None = None) -> Dataset:
    """The data set in a .csv, .npy or .npz file (by its suffix): see :func:`load_csv`,
    :func:`load_npy`, :func:`load_npz`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv(path, features=features, label=label, encoding=encoding,
                        progress=progress, cancelled=cancelled)
    if suffix == ".npy":
        return load_npy(path)
    if suffix == ".npz":
        return load_npz(path, label=label if isinstance(label, str) else None,
                        encoding=encoding)
    raise DataError(f"{path}: not a data file Tensor Canvas reads (.csv, .npy or .npz)")


def file_digest(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_size(path: Path) -> int:
    """The file's size; :class:`DataError` if it cannot be read or is over the limit."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror or error})") from None
    if size > SIZE_LIMIT:
        raise DataError(f"{path}: {size / 2**30:.1f} GiB is more than the "
                        f"{SIZE_LIMIT / 2**30:.1f} GiB a data file may have")
    return size


# ---- CSV ------------------------------------------------------------------------------------


def preview_csv(path: str | os.PathLike[str], rows: int = 10) -> Preview:
    """The column names and first ``rows`` rows of a CSV file (as text), read from its start."""
    path = Path(path)
    check_size(path)
    with open(path, "rb") as f:
        raw = f.read(PREVIEW_BYTES)
    whole = len(raw) < PREVIEW_BYTES
    head = _decode(raw, path, whole)
    if not whole and "\n" in head:
        head = head[:head.rindex("\n")]  # not the line cut short
    lines = [line for line in head.splitlines()[:rows + 2] if line.strip()]
    layout = _layout(lines, path)
    body = lines[1:] if layout.header else lines
    return Preview(layout.columns, [_cells(line, layout) for line in body[:rows]],
                   layout.delimiter, layout.header)


def load_csv(path: str | os.PathLike[str], *, features: Sequence[str | int] | None = None,
             label: Label = None, encoding: str = ONE_HOT, progress: Progress | None = None,
             cancelled: Cancelled | None = None) -> Dataset:
    """A CSV file's ``features`` columns (default: all but the label) as ``features``, and its
    ``label`` column (names or whole numbers) encoded as ``labels`` (one-hot rows or class
    indices, see :func:`encode_labels`). The header and delimiter are detected; cells may be
    quoted. Numbers are parsed by numpy in chunks of :data:`CHUNK_ROWS` rows, telling
    ``progress`` and asking ``cancelled`` between them."""
    path = Path(path)
    check_size(path)
    text = _decode(path.read_bytes(), path)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataError(f"{path}: the file is empty")
    layout = _layout(lines[:20], path)
    first = 1 if layout.header else 0
    if first == len(lines):
        raise DataError(f"{path}: the file has a header row ({', '.join(layout.columns)}) "
                        "but no rows of data")
    label_at = None if label is None else _column_index(label, layout, path)
    chosen = ([_column_index(c, layout, path) for c in features] if features is not None
              else [i for i in range(len(layout.columns)) if i != label_at])
    if not chosen:
        raise DataError(f"{path}: no feature columns chosen")
    body = lines[first:]
    values = _parse(body, chosen, layout, path, first, progress, cancelled)
    arrays: dict[str, np.ndarray] = {FEATURES: values}
    columns = {FEATURES: [layout.columns[i] for i in chosen]}
    classes: list[str] = []
    if label_at is not None:
        raw = _parse(body, [label_at], layout, path, first, None, cancelled, text=True)
        arrays[LABELS], classes = encode_labels(_as_numbers(raw[:, 0]),
                                                f"{path}, column '{layout.columns[label_at]}'",
                                                encoding)
    if progress is not None:
        progress(1.0)
    return Dataset(path.stem, arrays, columns, classes)


def _decode(raw: bytes, path: Path, whole: bool = True) -> str:
    """``raw`` as text; unless ``whole``, it is a file's head, which may end within a
    character."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=whole)
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise DataError(f"{path}, line {line}: not UTF-8 text (byte {error.start})") from None


def _layout(lines: list[str], path: Path) -> _Layout:
    """The delimiter (by csv.Sniffer, else a comma) and header of the first lines."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise DataError(f"{path}: the file is empty")
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    probe = _Layout(delimiter, False, [])
    first = _cells(lines[0], probe)
    second = _cells(lines[1], probe) if len(lines) > 1 else []
    header = any(not _is_number(a) and (i >= len(second) or _is_number(second[i]))
                 for i, a in enumerate(first)) if second else not all(map(_is_number, first))
    columns = ([c.strip() or f"column {i + 1}" for i, c in enumerate(first)] if header
               else [f"column {i + 1}" for i in range(len(first))])
    return _Layout(delimiter, header, columns)


def _cells(line: str, layout: _Layout) -> list[str]:
    if layout.delimiter == " ":
        return line.split()
    return next(csv.reader([line], delimiter=layout.delimiter), [])


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _column_index(column: str | int, layout: _Layout, path: Path) -> int:
    if isinstance(column, int):
        if not 0 <= column < len(layout.columns):
            raise DataError(f"{path}: no column {column} (it has {len(layout.columns)})")
        return column
    if column not in layout.columns:
        raise DataError(f"{path}: no column named {column!r} (it has "
                        f"{', '.join(layout.columns)})")
    return layout.columns.index(column)


def _parse(body: list[str], columns: list[int], layout: _Layout, path: Path, first: int,
           progress: Progress | None, cancelled: Cancelled | None,
           text: bool = False) -> NDArray[Any]:
    """The given columns of the data lines, as float64 (or text) rows, chunk by chunk."""
    delimiter = None if layout.delimiter == " " else layout.delimiter
    parts = []
    for start in range(0, len(body), CHUNK_ROWS):
        if cancelled is not None and cancelled():
            raise LoadCancelled(str(path))
        chunk = body[start:start + CHUNK_ROWS]
        try:
            part = np.loadtxt(chunk, delimiter=delimiter, quotechar='"', usecols=columns,
                              dtype=str if text else np.float64, ndmin=2, comments=None)
        except ValueError:
            raise _diagnose(chunk, columns, layout, path, first + start) from None
        if len(part) != len(chunk) or not text and _ragged(chunk, layout):
            raise _diagnose(chunk, columns, layout, path, first + start)
        if not text:
            _refuse_nan(part, columns, layout, path, first + start)
        parts.append(part)
        if progress is not None:
            progress(min(start + CHUNK_ROWS, len(body)) / len(body))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _ragged(chunk: list[str], layout: _Layout) -> bool:
    """Whether a line has more cells than the columns (numpy ignores cells it does not use):
    delimiters counted, and lines counted wrong (a quoted delimiter) split properly."""
    width = len(layout.columns)
    if layout.delimiter == " ":
        return any(len(line.split()) != width for line in chunk)
    count = str.count
    delimiter = layout.delimiter
    return any(len(_cells(line, layout)) != width for line in chunk
               if count(line, delimiter) != width - 1)


def _diagnose(chunk: list[str], columns: list[int], layout: _Layout, path: Path,
              offset: int) -> DataError:
    """What numpy refused in ``chunk`` (whose first line is line ``offset + 1``), found cell
    by cell."""
    width = len(layout.columns)
    for i, line in enumerate(chunk):
        where = f"{path}, line {offset + i + 1}"
        cells = _cells(line, layout)
        if len(cells) != width:
            return DataError(f"{where}: has {len(cells)} values, expected {width} "
                             f"({'the header has' if layout.header else 'line 1 has'} {width})")
        for c in columns:
            cell = cells[c].strip()
            if not cell:
                return DataError(f"{where}, column '{layout.columns[c]}': an empty cell (a "
                                 "missing value)")
            if not _is_number(cell):
                return DataError(f"{where}, column '{layout.columns[c]}': {cell!r} is not a "
                                 "number")
    return DataError(f"{path}, lines {offset + 1}–{offset + len(chunk)}: cannot be read")


def _refuse_nan(values: NDArray[np.float64], columns: list[int], layout: _Layout, path: Path,
                offset: int) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(f"{path}, line {offset + row + 1}, column "
                        f"'{layout.columns[columns[col]]}': {values[row, col]} (a missing or "
                        "infinite value)")


def _as_numbers(cells: NDArray[np.str_]) -> NDArray[Any]:
    """A label column as numbers if every cell is one, else as the names."""
    try:
        return cells.astype(np.float64)
    except ValueError:
        return np.char.strip(cells)


# ---- numpy files ----------------------------------------------------------------------------


def load_npy(path: str | os.PathLike[str]) -> Dataset:
    """A .npy file's array as ``features`` (its rows are the examples); an array of Python
    objects is refused, never unpickled."""
    path = Path(path)
    check_size(path)
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise DataError(f"{path}: {_numpy_problem(error)}") from None
    return Dataset(path.stem, {FEATURES: _numeric(array, f"{path}")})


def load_npz(path: str | os.PathLike[str], *, label: str | None = None,
             encoding: str = ONE_HOT) -> Dataset:
    """A .npz file's arrays, each a group of columns under its own name; ``label`` names the
    array of classes to encode as ``labels``. Arrays of Python objects are refused, never
    unpickled."""
    path = Path(path)
    check_size(path)
    arrays: dict[str, np.ndarray] = {}
    classes: list[str] = []
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            if label is not None and label not in names:
                raise DataError(f"{path}: no array named {label!r} (it has {', '.join(names)})")
            for name in names:
                where = f"{path}, array '{name}'"
                try:
                    array = archive[name]
                except ValueError as error:
                    raise DataError(f"{where}: {_numpy_problem(error)}") from None
                if name == label:
                    arrays[LABELS], classes = encode_labels(
                        array.reshape(len(array)) if array.ndim else array, where, encoding)
                else:
                    arrays[name] = _numeric(array, where)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{path}: {_numpy_problem(error)}") from None
    if not arrays:
        raise DataError(f"{path}: holds no arrays")
    return Dataset(path.stem, arrays, {}, classes)


def preview_arrays(path: str | os.PathLike[str], rows: int = 10) -> dict[str, np.ndarray]:
    """The first ``rows`` rows of each array of a .npy file (``features``) or .npz file (by
    name), read without the rest: :class:`DataError` naming the file (and array) that cannot
    be read or holds Python objects (refused, never unpickled)."""
    path = Path(path)
    check_size(path)
    try:
        if path.suffix.lower() != ".npz":
            with open(path, "rb") as f:
                return {FEATURES: _first_rows(f, rows, f"{path}")}
        found: dict[str, np.ndarray] = {}
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                name = member.removesuffix(".npy")
                with archive.open(member) as f:
                    found[name] = _first_rows(f, rows, f"{path}, array '{name}'")
        return found
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{path}: {_numpy_problem(error)}") from None


def _first_rows(f: IO[bytes], rows: int, where: str) -> np.ndarray:
    """The first ``rows`` rows of the .npy array ``f`` is at the start of."""
    version = np.lib.format.read_magic(f)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
        np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read(f)
    if dtype.hasobject:
        raise DataError(f"{where}: {OBJECTS}")
    if fortran:  # its first rows are not together: all of it
        count = int(np.prod(shape))
        head = np.frombuffer(f.read(count * dtype.itemsize), dtype, count).reshape(shape, order="F")
        return head[:rows] if shape else head
    shape = (min(rows, shape[0]), *shape[1:]) if shape else shape
    count = int(np.prod(shape))
    return np.frombuffer(f.read(count * dtype.itemsize), dtype, count).reshape(shape)


OBJECTS = "holds Python objects, which are refused (never unpickled): save numbers"


def _numpy_problem(error: Exception) -> str:
    text = str(error)
    if "allow_pickle" in text or "Object arrays" in text:
        return OBJECTS
    return f"not a numpy file that can be read ({text})"


def _numeric(array: np.ndarray, where: str) -> NDArray[np.float64]:
    """A numeric array as float64 rows; ``DataError`` for other kinds or NaN entries."""
    if array.dtype.kind not in "biuf":
        raise DataError(f"{where}: holds {array.dtype} values, not numbers")
    if array.ndim == 0:
        raise DataError(f"{where}: a single value, not rows of examples")
    values = array.astype(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        place = ", ".join(str(int(i)) for i in np.argwhere(bad)[0])
        raise DataError(f"{where}: the value at [{place}] is {values[bad][0]} (missing or "
                        "infinite)")
    return values
