"""The plain tier's pooling: a max, a mean or a sum over the window view, and their backward.

Layout: ``x`` (N, C, H, W), ``z`` and ``dz`` (N, C, Ho, Wo); every map is
pooled on its own.  :func:`~convnet.functional.plain.windows.receptive_fields`
shows all windows at once, (N, C, Ho, Wo, kh, kw), so the forward passes are
one reduction each.
"""

from __future__ import annotations

import numpy as np

from ..._checks import Saved, pool_args, pool_backward_args, pool_key, saved_contents
from .windows import crop, pad, padded_zeros, receptive_fields

__all__ = ["max_pool2d", "max_pool2d_backward", "first_maxima", "avg_pool2d",
           "avg_pool2d_backward", "sum_pool2d", "pool_weight_gradient"]

ENGINE = "plain"


def max_pool2d(x, kernel_size, stride=None, padding=0, *, return_saved=False):
    """Eq. 8.24: the largest value of every window (-inf padding never wins; NaN does)."""
    x, window = pool_args(x, kernel_size, stride, padding)
    z = receptive_fields(pad(x, window.pads, -np.inf), window).max(axis=(4, 5))  # (N, C, Ho, Wo)
    if return_saved:
        return z, Saved(ENGINE, "max_pool2d", pool_key(x, window), first_maxima(x, window))
    return z


def first_maxima(x: np.ndarray, window) -> np.ndarray:
    """Where each window's maximum is: its index ``i*kw + j`` inside the window, (N, C, Ho, Wo).

    The first maximum in row-major order wins ties, as in PyTorch; a NaN
    counts as the maximum.  A window whose real pixels are all -inf sends
    its gradient to the first real one, never to the -inf padding.
    """
    kh, kw = window.kernel
    fields = receptive_fields(pad(x, window.pads, -np.inf), window)
    fields = fields.reshape(*fields.shape[:4], kh * kw)            # (N, C, Ho, Wo, kh*kw)
    index = fields.argmax(axis=-1)                                  # the first maximum (or NaN)
    real = receptive_fields(pad(np.ones((1, 1, *x.shape[2:]), bool), window.pads, False), window)
    first_real = real.reshape(*real.shape[:4], kh * kw).argmax(axis=-1)   # (1, 1, Ho, Wo)
    return np.where(fields.max(axis=-1) == -np.inf, first_real, index)


def max_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, *, saved=None):
    """E8.8: each window's sensitivity goes to its first maximum; overlapping windows add up."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "max_pool2d")
    index = None if saved is None else saved_contents(saved, "max_pool2d", ENGINE,
                                                      pool_key(x, window))
    if index is None:
        index = first_maxima(x, window)                             # (N, C, Ho, Wo)
    (kh, kw), (sh, sw), (ho, wo) = window.kernel, window.stride, window.out
    rows = np.arange(ho)[:, None] * sh + index // kw                # the winner's row, padded input
    cols = np.arange(wo)[None, :] * sw + index % kw                 # and its column
    n, c = np.indices(dz.shape[:2])[:, :, :, None, None]            # (N, C, 1, 1): whose window
    dxp = padded_zeros(x.shape, window.pads, dz.dtype)              # (N, C, Hp, Wp)
    np.add.at(dxp, (n, c, rows, cols), dz)                          # a pixel may win many windows
    return crop(dxp, window.pads)                                   # (N, C, H, W)


def avg_pool2d(x, kernel_size, stride=None, padding=0, *, return_saved=False):
    """Eq. 8.22 with w = 1/(kh*kw): the mean of every window (padded zeros count)."""
    x, window = pool_args(x, kernel_size, stride, padding)
    z = receptive_fields(pad(x, window.pads), window).mean(axis=(4, 5))   # (N, C, Ho, Wo)
    if return_saved:
        return z, Saved(ENGINE, "avg_pool2d", pool_key(x, window), ())
    return z


def avg_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, *, saved=None):
    """P8.3: dA = lw ⊠ dLZ, each sensitivity spread evenly, 1/(kh*kw) each, over its window."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "avg_pool2d")
    if saved is not None:
        saved_contents(saved, "avg_pool2d", ENGINE, pool_key(x, window))
    share = dz / (window.kernel[0] * window.kernel[1])              # lw * dLZ, (N, C, Ho, Wo)
    dxp = padded_zeros(x.shape, window.pads, dz.dtype)              # (N, C, Hp, Wp)
    for i, j in window.offsets():                                   # offset (i, j) of every window
        dxp[(..., *window.tap(i, j))] += share                      # overlapping windows add up
    return crop(dxp, window.pads)                                   # shares on padding dropped


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    """The reducing operator ⊞ (Eq. 8.22 without w): the sum of every window."""
    x, window = pool_args(x, kernel_size, stride, padding)
    return receptive_fields(pad(x, window.pads), window).sum(axis=(4, 5))


def pool_weight_gradient(dz, x, kernel_size, stride=None, padding=0):
    """P8.4: the gradient of average pooling's weight per map, dlw = ⊞(dLZ ∘ ⊞A)."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "sum_pool2d")
    sums = receptive_fields(pad(x, window.pads), window).sum(axis=(4, 5))   # ⊞A
    return (dz * sums).sum(axis=(0, 2, 3))                          # ⊞ over the positions
