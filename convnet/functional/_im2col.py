"""Window gather and scatter shared by convolution and pooling.

This is the only "clever" module of the library.  Everything here trusts its
inputs: the public entry points have already validated and normalised them.

Layout, once for the whole module::

    x      : (N, C, H, W)            input feature maps
    xp     : (N, C, Hp, Wp)          x with its padding applied
    cols   : (C, kh, kw, N, Ho, Wo)  im2col: cols[c, i, j, n, h, w] =
                                     xp[n, c, h*sh + i*dh, w*sw + j*dw]

Reshaped to ``(C*kh*kw, N*Ho*Wo)`` the columns turn a whole batched
convolution into one matrix product ``W2 @ cols`` with ``W2 = w.reshape(F,
C*kh*kw)``: every column of ``cols`` is one receptive field, every row of
``W2`` one kernel (Eq. 8.20 as a single product).  The gather is a loop over
the ``kh*kw`` kernel offsets, each a strided copy of a whole (N, C) block; no
Python loop ever runs over the batch, the channels or the pixels.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Window


def pad(x: np.ndarray, pads, value: float = 0.0) -> np.ndarray:
    """Pad the last two axes of ``x`` with ``value`` (returns ``x`` itself if no padding)."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    *lead, h, w = x.shape
    out = np.full((*lead, h + top + bottom, w + left + right), value, dtype=x.dtype)
    out[..., top:top + h, left:left + w] = x
    return out


def unpad(xp: np.ndarray, pads) -> np.ndarray:
    """The inverse of :func:`pad`: crop the padding off the last two axes."""
    (top, bottom), (left, right) = pads
    hp, wp = xp.shape[-2:]
    return xp[..., top:hp - bottom, left:wp - right]


def im2col(xp: np.ndarray, window: Window) -> np.ndarray:
    """Gather every receptive field of ``xp`` (N, C, Hp, Wp) into columns.

    Returns ``cols`` of shape (C, kh, kw, N, Ho, Wo), C-contiguous.
    """
    n, c = xp.shape[:2]
    (kh, kw), (ho, wo) = window.kernel, window.out
    cols = np.empty((c, kh, kw, n, ho, wo), dtype=xp.dtype)  # (C, kh, kw, N, Ho, Wo)
    for i, j in window.offsets():
        rows, columns = window.tap(i, j)
        # cols[c, i, j, n, h, w] = xp[n, c, h*sh + i*dh, w*sw + j*dw]
        cols[:, i, j] = xp[:, :, rows, columns].transpose(1, 0, 2, 3)
    return cols


def col2im(dcols: np.ndarray, padded_shape, window: Window) -> np.ndarray:
    """Scatter-add columns back onto the padded input: the adjoint of :func:`im2col`.

    ``dcols`` has shape (C, kh, kw, N, Ho, Wo); the result has shape
    ``padded_shape = (N, C, Hp, Wp)``.  Where windows overlap, contributions
    add up (one strided add per kernel offset).
    """
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)  # (N, C, Hp, Wp)
    for i, j in window.offsets():
        rows, columns = window.tap(i, j)
        dxp[:, :, rows, columns] += dcols[:, i, j].transpose(1, 0, 2, 3)
    return dxp
