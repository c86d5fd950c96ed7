"""Padding and the window view, shared by the plain tier's convolution and pooling.

Layout: ``x`` is (N, C, H, W).  A window operation (Eq. 8.13, 8.20, 8.22,
8.24) slides a kh x kw window over the padded maps with stride s and
dilation d; :func:`receptive_fields` shows every window at once as a view
of the padded input, so that a convolution, a max or a mean over windows is
one NumPy expression.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ...window import Window

__all__ = ["pad", "crop", "padded_zeros", "receptive_fields"]


def pad(x: np.ndarray, pads, value: float = 0.0) -> np.ndarray:
    """``x`` with ``pads = ((top, bottom), (left, right))`` rows and columns of ``value`` around.

    Zero padding is Eq. 8.16; max pooling pads with -inf, which never wins.
    """
    widths = [(0, 0)] * (x.ndim - 2) + [tuple(pads[0]), tuple(pads[1])]
    return np.pad(x, widths, constant_values=value)


def crop(xp: np.ndarray, pads) -> np.ndarray:
    """The inverse of :func:`pad`: the padding cut off the last two axes."""
    (top, bottom), (left, right) = pads
    return xp[..., top:xp.shape[-2] - bottom, left:xp.shape[-1] - right]


def padded_zeros(x_shape, pads, dtype) -> np.ndarray:
    """Zeros the shape of ``x`` padded by ``pads``: room for the padded input's gradient."""
    (top, bottom), (left, right) = pads
    *lead, h, w = x_shape
    return np.zeros((*lead, h + top + bottom, w + left + right), dtype)


def receptive_fields(xp: np.ndarray, window: Window) -> np.ndarray:
    """Every window of the padded maps ``xp`` (N, C, Hp, Wp) as a view: (N, C, Ho, Wo, kh, kw).

    ``fields[n, c, h, w, i, j] = xp[n, c, h*s + i*d, w*s + j*d]``: output
    (h, w)'s window, and in it the pixel that kernel offset (i, j) reads.
    No number is copied.
    """
    (kh, kw), (sh, sw), (dil_h, dil_w) = window.kernel, window.stride, window.dilation
    span = (dil_h * (kh - 1) + 1, dil_w * (kw - 1) + 1)       # the dilated kernel's reach
    every = sliding_window_view(xp, span, axis=(2, 3))        # every position, stride 1
    return every[:, :, ::sh, ::sw, ::dil_h, ::dil_w]          # (N, C, Ho, Wo, kh, kw)
