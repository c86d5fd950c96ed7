"""Padding and its backward pass, pixel by pixel: zeros (Eq. 8.16) or copies of the input's pixels.

A padded pixel at (r, c), counted from the input's first row and column (so
negative above and to the left of it), holds ``value`` (mode
``"constant"``) or a copy of the input pixel :func:`source` names (Eq. P.1).
The backward pass (Eq. P.2) adds every padded pixel's gradient onto the
pixel it copies: a pixel near the border may be copied several times.
"""

from __future__ import annotations

import numpy as np

from .._checks_conv import pad_args, pad_backward_args

__all__ = ["source", "pad2d", "pad2d_backward", "fill", "fold"]


def source(index: int, size: int, mode: str):
    """The input row (or column) that padded row ``index`` copies (Eq. P.1), or None.

    ``index`` counts from the input's first row: -1 is the padding's row
    just above it, ``size`` the one just below.  ``"reflect"`` mirrors about
    the edge row (-1 copies row 1), ``"replicate"`` repeats the edge row (-1
    copies row 0), ``"circular"`` wraps around (-1 copies row size - 1);
    ``"constant"`` copies nothing outside the input (None).
    """
    if 0 <= index < size:
        return index
    if mode == "reflect":
        return -index if index < 0 else 2 * (size - 1) - index
    if mode == "replicate":
        return 0 if index < 0 else size - 1
    if mode == "circular":
        return index % size
    return None


def fill(x, pads, mode: str, value=0.0):
    """``x`` padded by ``pads``, each padded pixel ``value`` or the pixel it copies (Eq. P.1)."""
    (top, bottom), (left, right) = pads
    *lead, h, w = x.shape
    out = np.empty((*lead, h + top + bottom, w + left + right), dtype=x.dtype)
    for r in range(out.shape[-2]):
        for c in range(out.shape[-1]):
            row, col = source(r - top, h, mode), source(c - left, w, mode)
            out[..., r, c] = value if row is None or col is None else x[..., row, col]
    return out


def fold(dz, x_shape, pads, mode: str):
    """Eq. P.2: each padded pixel's gradient added onto the input pixel it copies."""
    (top, bottom), (left, right) = pads
    h, w = x_shape[-2:]
    dx = np.zeros(x_shape, dtype=dz.dtype)
    for r in range(dz.shape[-2]):
        for c in range(dz.shape[-1]):
            row, col = source(r - top, h, mode), source(c - left, w, mode)
            if row is not None and col is not None:      # a constant's pixels copy nothing
                dx[..., row, col] += dz[..., r, c]
    return dx


def pad2d(x, padding, value=0.0, kernel_size=None, mode="constant"):
    """Eq. 8.16 (zeros, or ``value``) or Eq. P.1 (copies), pixel by pixel."""
    x, pads, value, mode = pad_args(x, padding, value, kernel_size, mode)
    return fill(x, pads, mode, value)


def pad2d_backward(dz, x, padding, mode="constant", kernel_size=None):
    """Eq. P.2: the gradient of :func:`pad2d` with respect to ``x``, pixel by pixel."""
    dz, x, pads, mode = pad_backward_args(dz, x, padding, mode, kernel_size)
    return fold(dz, x.shape, pads, mode)
