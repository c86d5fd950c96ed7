"""The fast engine's padding modes: borders copied by slices, gradients folded back by slices.

The plain tier indexes every padded pixel's source (Eq. P.1) and adds the
gradients back with ``np.add.at`` (Eq. P.2); here the same copies and sums
are a few slice assignments per side, rows first and then columns (the
modes are separable: a corner copies the pixel its row and its column
name).  For one side of ``before`` padded rows over ``size`` input rows:

* reflect: padded rows ``0 .. before-1`` copy input rows ``before .. 1``;
* replicate: they all copy row 0;
* circular: they copy rows ``size-before .. size-1``;

and the bottom side likewise.  The fold adds each side's gradient onto
those rows.  Trusted input.
"""

from __future__ import annotations

import numpy as np

from ..._checks_conv import pad_args, pad_backward_args
from ..plain.windows import crop, pad
from .gather import channels_first
from .memory import Scratch

__all__ = ["pad2d", "pad2d_backward", "fill_border", "padded_copies", "fold"]


def _fill_last_axis(a: np.ndarray, before: int, size: int, after: int, mode: str) -> None:
    """Fill the ``before`` and ``after`` padding of a's last axis from its interior (Eq. P.1)."""
    end = before + size                                        # the interior is [before, end)
    if mode == "reflect":
        a[..., :before] = a[..., before + 1:before + 1 + before][..., ::-1]
        a[..., end:] = a[..., end - 1 - after:end - 1][..., ::-1]
    elif mode == "replicate":
        a[..., :before] = a[..., before:before + 1]
        a[..., end:] = a[..., end - 1:end]
    else:                                                      # circular
        a[..., :before] = a[..., end - before:end]
        a[..., end:] = a[..., before:before + after]


def fill_border(a: np.ndarray, pads, mode: str) -> None:
    """Fill the border of ``a`` (..., Hp, Wp), whose interior holds x, with copies (Eq. P.1)."""
    (top, bottom), (left, right) = pads
    h, w = a.shape[-2] - top - bottom, a.shape[-1] - left - right
    _fill_last_axis(a.swapaxes(-1, -2)[..., left:left + w, :], top, h, bottom, mode)   # rows
    _fill_last_axis(a, left, w, right, mode)                                           # columns


def padded_copies(x: np.ndarray, pads, mode: str, scratch: Scratch) -> np.ndarray:
    """x (N, C, H, W) padded by copies: the (N, C, Hp, Wp) view of a channels-first work buffer."""
    (top, bottom), (left, right) = pads
    n, c, h, w = x.shape
    maps = scratch.get("padded copies", (c, n, h + top + bottom, w + left + right), x.dtype)
    maps[:, :, top:top + h, left:left + w] = channels_first(x)
    fill_border(maps, pads, mode)
    return maps.transpose(1, 0, 2, 3)


def _fold_last_axis(d: np.ndarray, before: int, size: int, after: int, mode: str) -> np.ndarray:
    """Eq. P.2 along the last axis: the interior of d plus the gradients of its copies."""
    end = before + size
    dx = d[..., before:end].copy()
    if mode == "reflect":
        dx[..., 1:before + 1] += d[..., :before][..., ::-1]
        dx[..., size - 1 - after:size - 1] += d[..., end:][..., ::-1]
    elif mode == "replicate":
        dx[..., 0] += d[..., :before].sum(axis=-1)
        dx[..., size - 1] += d[..., end:].sum(axis=-1)
    else:                                                      # circular
        dx[..., size - before:] += d[..., :before]
        dx[..., :after] += d[..., end:]
    return dx


def fold(dxp: np.ndarray, x_shape, pads, mode: str) -> np.ndarray:
    """Eq. P.2: the padded input's gradient (..., Hp, Wp) folded back onto x (..., H, W), new."""
    (top, bottom), (left, right) = pads
    h, w = x_shape[-2:]
    columns = _fold_last_axis(dxp, left, w, right, mode)                       # (..., Hp, W)
    rows = _fold_last_axis(columns.swapaxes(-1, -2), top, h, bottom, mode)      # (..., W, H)
    return np.ascontiguousarray(rows.swapaxes(-1, -2))                          # (..., H, W)


def pad2d(x, padding, value=0.0, kernel_size=None, mode="constant"):
    """As the plain tier's, the copying modes by slices (:func:`fill_border`)."""
    x, pads, fill, mode = pad_args(x, padding, value, kernel_size, mode)
    if mode == "constant":
        return pad(x, pads, fill)
    (top, bottom), (left, right) = pads
    *lead, h, w = x.shape
    out = np.empty((*lead, h + top + bottom, w + left + right), x.dtype)
    out[..., top:top + h, left:left + w] = x
    fill_border(out, pads, mode)
    return out


def pad2d_backward(dz, x, padding, mode="constant", kernel_size=None):
    """As the plain tier's, the fold by slices (:func:`fold`)."""
    dz, x, pads, mode = pad_backward_args(dz, x, padding, mode, kernel_size)
    if mode == "constant":
        return crop(dz, pads).copy()
    return fold(dz, x.shape, pads, mode)
