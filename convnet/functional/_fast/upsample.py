"""The fast engine's nearest-neighbour upsampling: blocks for integer factors, runs otherwise.

For an integer factor ``k`` (output row p reads row ``p // k``) the output
is the input with every pixel written into a ``k x l`` block through one
broadcast assignment, and the backward pass is a reshape and one sum over
each block (⊞).  Otherwise the forward pass takes rows then columns, and the
backward pass adds up each run of outputs that copied the same pixel with
``np.add.reduceat`` (the source index never decreases along an axis), rows
first, then columns; pixels no output copied get zero.
"""

from __future__ import annotations

import numpy as np

from ..._checks import Saved, saved_contents
from ..._checks_resample import (nearest_sources, upsample_args, upsample_backward_args,
                                 upsample_key)

__all__ = ["upsample2d", "upsample2d_backward"]

ENGINE = "fast"


def _sources(x_shape, out, scales):
    """σ_r and σ_c (Eq. R.6) and the integer factors (k, l) when σ(p) = p // k, else None."""
    rows = nearest_sources(x_shape[2], out[0], scales[0])
    cols = nearest_sources(x_shape[3], out[1], scales[1])
    factors = []
    for sources, size, count in ((rows, x_shape[2], out[0]), (cols, x_shape[3], out[1])):
        k = count // size
        if k < 1 or k * size != count or (sources != np.arange(count) // k).any():
            return rows, cols, None
        factors.append(k)
    return rows, cols, tuple(factors)


def upsample2d(x, scale_factor=None, mode="nearest", *, size=None, return_saved=False):
    """Eq. R.6: a ``k x l`` block per pixel, or rows then columns taken."""
    x, out, scales = upsample_args(x, scale_factor, mode, size, return_saved)
    rows, cols, factors = _sources(x.shape, out, scales)
    if factors is None:
        z = np.take(np.take(x, rows, axis=2), cols, axis=3)            # (N, C, Ho, Wo)
    else:
        (n, c, h, w), (k, l) = x.shape, factors
        blocks = np.empty((n, c, h, k, w, l), x.dtype)
        blocks[...] = x[:, :, :, None, :, None]                        # ⊠: each pixel k x l times
        z = blocks.reshape(n, c, h * k, w * l)
    if return_saved:
        return z, Saved(ENGINE, "upsample2d", upsample_key(x, out, scales), ())
    return z


def _runs(dz: np.ndarray, sources: np.ndarray, size: int, axis: int) -> np.ndarray:
    """The sum of each run of equal sources along ``axis``, put at its source; zeros elsewhere."""
    starts = np.flatnonzero(np.r_[True, sources[1:] != sources[:-1]])
    sums = np.add.reduceat(dz, starts, axis=axis)
    shape = list(dz.shape)
    shape[axis] = size
    result = np.zeros(shape, dz.dtype)
    index = [slice(None)] * dz.ndim
    index[axis] = sources[starts]
    result[tuple(index)] = sums
    return result


def upsample2d_backward(dz, x, scale_factor=None, mode="nearest", *, size=None, saved=None):
    """Eq. R.7: each pixel collects the sensitivities of its copies."""
    dz, x, out, scales = upsample_backward_args(dz, x, scale_factor, mode, size)
    if saved is not None:
        saved_contents(saved, "upsample2d", ENGINE, upsample_key(x, out, scales))
    rows, cols, factors = _sources(x.shape, out, scales)
    if factors is not None:
        (n, c, h, w), (k, l) = x.shape, factors
        return dz.reshape(n, c, h, k, w, l).sum(axis=(3, 5))           # ⊞ over each block
    return _runs(_runs(dz, rows, x.shape[2], 2), cols, x.shape[3], 3)
