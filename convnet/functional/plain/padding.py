"""The plain tier's padding: zeros (Eq. 8.16) or copies of the input's own pixels, and the fold back.

A padding mode other than zeros fills every padded pixel with a copy of an
input pixel (Eq. P.1): the mirror image about the edge (``"reflect"``), the
edge pixel itself (``"replicate"``) or the pixel from the other side
(``"circular"``).  Which one is a rule per axis, :func:`source_rows`, so the
padded image is one fancy index of the input, and its backward pass
(Eq. P.2) adds each padded pixel's gradient onto the pixel it copies:
``np.add.at`` adds up the several copies a border pixel may have.

Layout: ``x`` (..., H, W), the padded array (..., Hp, Wp).
"""

from __future__ import annotations

import numpy as np

from ..._checks_conv import pad_args, pad_backward_args
from .windows import crop, pad

__all__ = ["pad2d", "pad2d_backward", "source_rows", "copy_pad", "fold"]


def source_rows(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """Eq. P.1 along one axis: the input row each of the ``before + size + after`` rows copies."""
    rows = np.arange(-before, size + after)           # counted from the input's first row
    if mode == "reflect":                             # mirror about the edge rows
        rows = np.abs(rows)
        rows = np.where(rows > size - 1, 2 * (size - 1) - rows, rows)
    elif mode == "replicate":                         # the edge row, repeated
        rows = np.clip(rows, 0, size - 1)
    elif mode == "circular":                          # the other side, wrapped around
        rows = rows % size
    return rows


def _sources(shape, pads, mode: str):
    """The index of the padded array into x: rows as a column, columns as a row."""
    (top, bottom), (left, right) = pads
    rows = source_rows(shape[-2], top, bottom, mode)
    cols = source_rows(shape[-1], left, right, mode)
    return (..., rows[:, None], cols[None, :])


def copy_pad(x: np.ndarray, pads, mode: str) -> np.ndarray:
    """Eq. P.1: x padded with copies of its pixels, ``xp[..., r, c] = x[..., rows[r], cols[c]]``."""
    return x[_sources(x.shape, pads, mode)]                          # (..., Hp, Wp)


def fold(dxp: np.ndarray, x_shape, pads, mode: str) -> np.ndarray:
    """Eq. P.2: each padded pixel's gradient added onto the pixel it copies (np.add.at sums)."""
    dx = np.zeros(x_shape, dxp.dtype)                                 # (..., H, W)
    np.add.at(dx, _sources(x_shape, pads, mode), dxp)
    return dx


def pad2d(x, padding, value=0.0, kernel_size=None, mode="constant"):
    """``x`` inside a border of ``value`` (Eq. 8.16) or of copies of its pixels (Eq. P.1)."""
    x, pads, fill, mode = pad_args(x, padding, value, kernel_size, mode)
    return pad(x, pads, fill) if mode == "constant" else copy_pad(x, pads, mode)


def pad2d_backward(dz, x, padding, mode="constant", kernel_size=None):
    """The gradient of :func:`pad2d`: the border cut off (constant) or folded back (Eq. P.2)."""
    dz, x, pads, mode = pad_backward_args(dz, x, padding, mode, kernel_size)
    if mode == "constant":                       # the fill is a constant, not an input
        return crop(dz, pads).copy()
    return fold(dz, x.shape, pads, mode)
