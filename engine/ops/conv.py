"""Convolution and pooling over NHWC images (``tf.nn.conv2d``, ``max_pool``, ``avg_pool``),
with TensorFlow's SAME and VALID padding and strides.

conv2d is an im2col product: each output pixel's receptive field (read through
``numpy.lib.stride_tricks``) becomes a row, the filter a matrix; its gradients are two more
products, the input's put back window offset by window offset (col2im).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..registry import Attr, OpDef, Shape, register
from ..tensors import Value, format_shape
from . import attrs
from .nn import _KeptForGradient

CATEGORY = "Neural network"
Pair = tuple[int, int]


def _window(value: Any) -> tuple[int, int, int, int]:
    """TensorFlow's ``[1, height, width, 1]`` (a number n is ``[1, n, n, 1]``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [1, value, value, 1]
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise ValueError(f"expected [1, height, width, 1] or a number, got {value!r}")
    sizes = tuple(attrs.integer(v) for v in value)
    if sizes[0] != 1 or sizes[3] != 1 or min(sizes) < 1:
        raise ValueError(f"expected [1, height, width, 1] with sizes ≥ 1, got {list(sizes)}")
    return sizes  # type: ignore[return-value]


PADDING = attrs.choice("SAME", "VALID")


def _out_and_pad(size: int, k: int, stride: int, padding: str) -> tuple[int, int]:
    """The output size along one axis and the padding before it (TensorFlow's rule: SAME pads
    the total needed, the extra one after)."""
    if padding == "VALID":
        if k > size:
            raise ValueError(f"a window of {k} does not fit in {size} pixels with VALID "
                             "padding (SAME pads the input)")
        return -(-(size - k + 1) // stride), 0
    out = -(-size // stride)
    return out, max((out - 1) * stride + k - size, 0) // 2


def _out_shape(size: int | None, k: int, stride: int, padding: str) -> int | None:
    return None if size is None else _out_and_pad(size, k, stride, padding)[0]


class _Geometry:
    """Where the windows of an (H, W) image lie: output size, padding before and after."""

    def __init__(self, h: int, w: int, k: Pair, stride: Pair, padding: str) -> None:
        self.k, self.stride = k, stride
        (self.oh, top), (self.ow, left) = (
            _out_and_pad(h, k[0], stride[0], padding), _out_and_pad(w, k[1], stride[1], padding))
        self.pad = ((top, max((self.oh - 1) * stride[0] + k[0] - h - top, 0)),
                    (left, max((self.ow - 1) * stride[1] + k[1] - w - left, 0)))
        self.h, self.w = h, w

    def padded(self, x: np.ndarray, fill: float = 0.0) -> np.ndarray:
        (top, bottom), (left, right) = self.pad
        if not (top or bottom or left or right):
            return x
        return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)

    def windows(self, x: np.ndarray) -> np.ndarray:
        """A view (N, OH, OW, C, KH, KW) of the windows of a padded image."""
        view = sliding_window_view(x, self.k, axis=(1, 2))
        sh, sw = self.stride
        return view[:, : (self.oh - 1) * sh + 1 : sh, : (self.ow - 1) * sw + 1 : sw]

    def scatter(self, parts: np.ndarray, n: int, c: int, dtype: np.dtype[Any]) -> np.ndarray:
        """col2im: the sum of ``parts`` (N, OH, OW, KH, KW, C) put back where each window
        read them, cropped to the unpadded (N, H, W, C)."""
        (top, bottom), (left, right) = self.pad
        sh, sw = self.stride
        out = np.zeros((n, self.h + top + bottom, self.w + left + right, c), dtype)
        for i in range(self.k[0]):
            for j in range(self.k[1]):
                out[:, i : i + (self.oh - 1) * sh + 1 : sh,
                    j : j + (self.ow - 1) * sw + 1 : sw] += parts[:, :, :, i, j]
        return out[:, top : top + self.h, left : left + self.w]


def _im2col(x: np.ndarray, geo: _Geometry) -> np.ndarray:
    """The windows of ``x`` as rows (N·OH·OW, KH·KW·C), in the filter's order."""
    windows = geo.windows(geo.padded(x)).transpose(0, 1, 2, 4, 5, 3)  # (N, OH, OW, KH, KW, C)
    return np.ascontiguousarray(windows).reshape(-1, geo.k[0] * geo.k[1] * x.shape[3])


def _rank4(name: str, shape: Shape) -> None:
    if shape is not None and len(shape) != 4:
        raise ValueError(f"{name} must have rank 4 (NHWC), not shape {format_shape(shape)}")


# ---- conv2d ---------------------------------------------------------------------------------

_columns = _KeptForGradient()
"""Each conv2d's im2col matrix, which its filter gradient multiplies again."""


def conv2d(input: Value, filter: Value, strides: tuple[int, ...] = (1, 1, 1, 1),
           padding: str = "VALID") -> Value:
    """2-D convolution (cross-correlation, as TensorFlow) of NHWC input with an
    (height, width, in, out) filter."""
    x, f = np.asarray(input), np.asarray(filter)
    if x.ndim != 4 or f.ndim != 4 or f.shape[2] != x.shape[3]:
        raise ValueError(f"a filter of shape {format_shape(f.shape)} does not fit an input "
                         f"of shape {format_shape(x.shape)}")
    kh, kw, c, o = f.shape
    geo = _Geometry(x.shape[1], x.shape[2], (kh, kw), (strides[1], strides[2]), padding)
    columns = _im2col(x, geo)
    out = (columns @ f.reshape(kh * kw * c, o)).reshape(x.shape[0], geo.oh, geo.ow, o)
    _columns.keep(out, columns)
    return out


def _conv2d_shape(input: Shape, filter: Shape, strides: tuple[int, ...] = (1, 1, 1, 1),
                  padding: str = "VALID") -> Shape:
    _rank4("input", input)
    _rank4("filter", filter)
    if input is None or filter is None:
        return None
    if None not in (input[3], filter[2]) and input[3] != filter[2]:
        raise ValueError(f"a filter for {filter[2]} channels does not fit {input[3]}")
    kh, kw = filter[0], filter[1]
    oh = None if kh is None else _out_shape(input[1], kh, strides[1], padding)
    ow = None if kw is None else _out_shape(input[2], kw, strides[2], padding)
    return (input[0], oh, ow, filter[3])


def _conv2d_grad_input(g: Value, out: Value, input: Value, filter: Value,
                       strides: tuple[int, ...] = (1, 1, 1, 1), padding: str = "VALID"
                       ) -> Value:
    x, f = np.asarray(input), np.asarray(filter)
    kh, kw, c, o = f.shape
    geo = _Geometry(x.shape[1], x.shape[2], (kh, kw), (strides[1], strides[2]), padding)
    parts = np.asarray(g).reshape(-1, o) @ f.reshape(kh * kw * c, o).T
    parts = parts.reshape(x.shape[0], geo.oh, geo.ow, kh, kw, c)
    return geo.scatter(parts, x.shape[0], c, parts.dtype)


def _conv2d_grad_filter(g: Value, out: Value, input: Value, filter: Value,
                        strides: tuple[int, ...] = (1, 1, 1, 1), padding: str = "VALID"
                        ) -> Value:
    f = np.asarray(filter)
    columns = _columns.get(out)
    if columns is None:  # an output the forward pass did not make: its columns again
        x = np.asarray(input)
        columns = _im2col(x, _Geometry(x.shape[1], x.shape[2], f.shape[:2],
                                       (strides[1], strides[2]), padding))
    return (columns.T @ np.asarray(g).reshape(-1, f.shape[3])).reshape(f.shape)


STRIDES = Attr((1, 1, 1, 1), _window, "[1, down, across, 1]: the step between windows")
PADDING_ATTR = Attr("VALID", PADDING, "SAME: the output has ⌈size / stride⌉ pixels (zeros "
                                      "around the input); VALID: windows inside the input only")

register(OpDef(
    type="conv2d", inputs=("input", "filter"), compute=conv2d, shape=_conv2d_shape,
    category=CATEGORY, symbol="conv",
    doc="2-D convolution (cross-correlation, as TensorFlow) of NHWC input with an "
        "(height, width, in, out) filter.",
    attrs={"strides": STRIDES, "padding": PADDING_ATTR},
    gradient=(_conv2d_grad_input, _conv2d_grad_filter),
))


# ---- pooling --------------------------------------------------------------------------------


def _pool_shape(value: Shape, ksize: tuple[int, ...] = (1, 2, 2, 1),
                strides: tuple[int, ...] = (1, 2, 2, 1), padding: str = "VALID") -> Shape:
    _rank4("value", value)
    if value is None:
        return None
    return (value[0], _out_shape(value[1], ksize[1], strides[1], padding),
            _out_shape(value[2], ksize[2], strides[2], padding), value[3])


def _geometry(x: np.ndarray, ksize: tuple[int, ...], strides: tuple[int, ...],
              padding: str) -> _Geometry:
    if x.ndim != 4:
        raise ValueError(f"value must have rank 4 (NHWC), not shape {format_shape(x.shape)}")
    return _Geometry(x.shape[1], x.shape[2], (ksize[1], ksize[2]), (strides[1], strides[2]),
                     padding)


_argmax = _KeptForGradient()
"""Each max_pool's position of the maximum in each window, for its gradient."""


def max_pool(value: Value, ksize: tuple[int, ...] = (1, 2, 2, 1),
             strides: tuple[int, ...] = (1, 2, 2, 1), padding: str = "VALID") -> Value:
    """Max pooling of NHWC images: the largest value of each window (padding never wins)."""
    x = np.asarray(value)
    geo = _geometry(x, ksize, strides, padding)
    flat = _flat_windows(x, geo)
    where = flat.argmax(axis=-1)  # the first maximum, as TensorFlow's gradient picks
    out = np.take_along_axis(flat, where[..., None], axis=-1)[..., 0]
    _argmax.keep(out, where)
    return out


def _max_pool_grad(g: Value, out: Value, value: Value, ksize: tuple[int, ...] = (1, 2, 2, 1),
                   strides: tuple[int, ...] = (1, 2, 2, 1), padding: str = "VALID") -> Value:
    x = np.asarray(value)
    geo = _geometry(x, ksize, strides, padding)
    where = _argmax.get(out)
    if where is None:  # an output the forward pass did not make: find the maxima again
        where = _argmax_of(x, geo)
    g = np.asarray(g)
    n, oh, ow, c = g.shape
    kh, kw = geo.k
    parts = np.zeros((n, oh, ow, c, kh * kw), g.dtype)
    np.put_along_axis(parts, where[..., None], g[..., None], axis=-1)
    parts = parts.reshape(n, oh, ow, c, kh, kw).transpose(0, 1, 2, 4, 5, 3)
    return geo.scatter(parts, n, c, g.dtype)


def _flat_windows(x: np.ndarray, geo: _Geometry) -> np.ndarray:
    """The windows (N, OH, OW, C, KH·KW), padded with the lowest value (it never wins)."""
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    windows = geo.windows(geo.padded(x, fill))
    return np.ascontiguousarray(windows).reshape(*windows.shape[:4], -1)


def _argmax_of(x: np.ndarray, geo: _Geometry) -> np.ndarray:
    where: np.ndarray = _flat_windows(x, geo).argmax(axis=-1)
    return where


def _counts(geo: _Geometry, dtype: np.dtype[Any]) -> np.ndarray:
    """How many pixels of the image (not padding) each window holds, (1, OH, OW, 1)."""
    ones = np.ones((1, geo.h, geo.w, 1), dtype)
    counts: np.ndarray = geo.windows(geo.padded(ones)).sum(axis=(-2, -1))
    return counts


def avg_pool(value: Value, ksize: tuple[int, ...] = (1, 2, 2, 1),
             strides: tuple[int, ...] = (1, 2, 2, 1), padding: str = "VALID") -> Value:
    """Average pooling of NHWC images: each window's mean over the pixels it holds (padding
    is not counted)."""
    x = np.asarray(value)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    geo = _geometry(x, ksize, strides, padding)
    return geo.windows(geo.padded(x)).sum(axis=(-2, -1)) / _counts(geo, x.dtype)


def _avg_pool_grad(g: Value, out: Value, value: Value, ksize: tuple[int, ...] = (1, 2, 2, 1),
                   strides: tuple[int, ...] = (1, 2, 2, 1), padding: str = "VALID") -> Value:
    x = np.asarray(value)
    geo = _geometry(x, ksize, strides, padding)
    share = np.asarray(g) / _counts(geo, np.result_type(g, 1.0))
    kh, kw = geo.k
    parts = np.broadcast_to(share[:, :, :, None, None, :], (*share.shape[:3], kh, kw,
                                                             share.shape[3]))
    return geo.scatter(parts, x.shape[0], x.shape[3], share.dtype)


def _pool(type: str, compute: Callable[..., Value], gradient: Callable[..., Value],
          symbol: str, doc: str) -> None:
    register(OpDef(
        type=type, inputs=("value",), compute=compute, shape=_pool_shape, category=CATEGORY,
        symbol=symbol, doc=doc,
        attrs={"ksize": Attr((1, 2, 2, 1), _window, "[1, height, width, 1]: the window"),
               "strides": Attr((1, 2, 2, 1), _window, STRIDES.doc),
               "padding": PADDING_ATTR},
        gradient=(gradient,),
    ))


_pool("max_pool", max_pool, _max_pool_grad, "max▦",
      "Max pooling of NHWC images: the largest value of each window.")
_pool("avg_pool", avg_pool, _avg_pool_grad, "avg▦",
      "Average pooling of NHWC images: each window's mean (padding is not counted).")
