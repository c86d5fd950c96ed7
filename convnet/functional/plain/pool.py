"""The plain tier's pooling: a max, a mean or a sum over the window view, and their backward.

Layout: ``x`` (N, C, H, W), ``z`` and ``dz`` (N, C, Ho, Wo); every map is
pooled on its own.  :func:`~convnet.functional.plain.windows.receptive_fields`
shows all windows at once, (N, C, Ho, Wo, kh, kw), so the forward passes are
one reduction each.  ``ceil_mode`` may add a last window hanging over the
bottom/right of the padded input: the input is padded that much further,
``window.reach()`` (-inf for max pooling, zeros for average pooling, whose
divisor never counts those positions: :func:`divisors`).
"""

from __future__ import annotations

import numpy as np

from ..._checks import (Saved, avg_key, avg_options, pool_args, pool_backward_args, pool_key,
                        saved_contents)
from .windows import crop, pad, padded_zeros, receptive_fields

__all__ = ["max_pool2d", "max_pool2d_backward", "first_maxima", "avg_pool2d",
           "avg_pool2d_backward", "divisors", "sum_pool2d", "pool_weight_gradient"]

ENGINE = "plain"


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, *,
               return_saved=False):
    """Eq. 8.24: the largest value of every window (-inf padding never wins; NaN does)."""
    x, window = pool_args(x, kernel_size, stride, padding, ceil_mode, return_saved, "max_pool2d",
                          dilation)
    # -inf on the padding, and on the overhang of ceil_mode's last window (PyTorch's ceil rule)
    fields = receptive_fields(pad(x, window.reach(), -np.inf), window)  # (N, C, Ho, Wo, kh, kw)
    z = fields.max(axis=(4, 5))                                       # Eq. 8.24: (N, C, Ho, Wo)
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
    fields = receptive_fields(pad(x, window.reach(), -np.inf), window)  # (N, C, Ho, Wo, kh, kw)
    flat = fields.reshape(*fields.shape[:4], kh * kw)                # each window as one row
    index = flat.argmax(axis=-1)             # its first maximum, row-major (or its first NaN)
    # When every real pixel of a window is -inf, the -inf padding ties with them and argmax
    # may pick a padded pixel: the gradient goes to the window's first real pixel instead.
    inside = pad(np.ones(x.shape[2:], bool), window.reach(), False)  # (Hp, Wp): True on x
    first_inside = receptive_fields(inside[None, None], window).reshape(*window.out, kh * kw)
    return np.where(flat.max(axis=-1) == -np.inf, first_inside.argmax(axis=-1), index)


def max_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                        *, saved=None):
    """E8.8: each window's sensitivity goes to its first maximum; overlapping windows add up."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "max_pool2d",
                                       ceil_mode, dilation)
    index = None if saved is None else saved_contents(saved, "max_pool2d", ENGINE,
                                                      pool_key(x, window))
    if index is None:
        index = first_maxima(x, window)                             # (N, C, Ho, Wo)
    (_, kw), (sh, sw), (ho, wo) = window.kernel, window.stride, window.out
    dh, dw = window.dilation
    # Window (i, j) starts at padded row i*sh and column j*sw; its winner is kernel offset
    # (index // kw, index % kw), dh and dw pixels apart.
    rows = np.arange(ho)[:, None] * sh + (index // kw) * dh         # (N, C, Ho, Wo)
    cols = np.arange(wo)[None, :] * sw + (index % kw) * dw          # (N, C, Ho, Wo)
    samples, maps = np.indices(dz.shape[:2])[:, :, :, None, None]   # n and c, (N, C, 1, 1) each
    dxp = padded_zeros(x.shape, window.reach(), dz.dtype)           # (N, C, Hp, Wp)
    np.add.at(dxp, (samples, maps, rows, cols), dz)   # E8.8: dA[winner] += dLZ, added up where
    return crop(dxp, window.reach())                  # a pixel wins several windows; (N, C, H, W)


def divisors(x_hw, window, count_include_pad=True, divisor_override=None):
    """What average pooling divides each window's sum by, as PyTorch: kh*kw, or one per window.

    ``divisor_override`` if given; else how many of the window's positions
    lie on the padded input (``count_include_pad``) or on x alone, as an
    (Ho, Wo) array; the overhang of ceil_mode's last window never counts.
    """
    if divisor_override is not None:
        return divisor_override
    if count_include_pad and window.overhang == (0, 0):
        return window.kernel[0] * window.kernel[1]            # Eq. D.1: r·c, nothing hangs over
    counts = pad(np.ones(x_hw), window.pads, 1.0 if count_include_pad else 0.0)   # (Hp, Wp)
    counts = pad(counts, ((0, window.overhang[0]), (0, window.overhang[1])))  # the overhang: 0
    return receptive_fields(counts[None, None], window).sum(axis=(4, 5))[0, 0]  # d, Eq. D.1


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, *, return_saved=False):
    """Eq. 8.22 with w = 1/divisor (1/(kh*kw) by default): the mean of every window."""
    x, window = pool_args(x, kernel_size, stride, padding, ceil_mode, return_saved)
    options = avg_options(count_include_pad, divisor_override)
    # zeros on the padding and on the overhang of ceil_mode's last window (PyTorch's ceil rule)
    sums = receptive_fields(pad(x, window.reach()), window).sum(axis=(4, 5))  # ⊞A, (N, C, Ho, Wo)
    divisor = divisors(x.shape[2:], window, *options)               # kh*kw, or one per window
    z = (sums / divisor).astype(x.dtype, copy=False)                 # Eq. 8.22, D.1
    if return_saved:
        return z, Saved(ENGINE, "avg_pool2d", avg_key(x, window, *options), ())
    return z


def avg_pool2d_backward(dz, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None, *, saved=None):
    """P8.3: dA = lw ⊠ dLZ, each sensitivity spread evenly, 1/divisor each, over its window."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "avg_pool2d",
                                       ceil_mode)
    options = avg_options(count_include_pad, divisor_override)
    if saved is not None:
        saved_contents(saved, "avg_pool2d", ENGINE, avg_key(x, window, *options))
    divisor = divisors(x.shape[2:], window, *options)               # kh*kw, or one per window
    share = (dz / divisor).astype(dz.dtype, copy=False)             # dLZ/d, Eq. D.2
    dxp = padded_zeros(x.shape, window.reach(), dz.dtype)           # (N, C, Hp, Wp)
    for i, j in window.offsets():                                   # offset (i, j) of every window
        dxp[(..., *window.tap(i, j))] += share     # P8.3: dA = lw ⊠ dLZ; overlaps add up
    return crop(dxp, window.reach())                                # shares on padding dropped


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    """The reducing operator ⊞ (Eq. 8.22 without w): the sum of every window."""
    x, window = pool_args(x, kernel_size, stride, padding)
    return receptive_fields(pad(x, window.pads), window).sum(axis=(4, 5))    # ⊞A, Eq. 8.22


def pool_weight_gradient(dz, x, kernel_size, stride=None, padding=0):
    """P8.4: the gradient of average pooling's weight per map, dlw = ⊞(dLZ ∘ ⊞A)."""
    dz, x, window = pool_backward_args(dz, x, kernel_size, stride, padding, "sum_pool2d")
    sums = receptive_fields(pad(x, window.pads), window).sum(axis=(4, 5))   # ⊞A
    return (dz * sums).sum(axis=(0, 2, 3))       # P8.4: ⊞ over batch and positions, per map
