"""Nearest-neighbour upsampling forward and backward (Eq. R.6-R.7), one loop per index.

Output row ``p`` of ``Ho`` copies input row ``σ(p) = min(floor(p * step), H - 1)``
with ``step = 1/scale_factor`` (or ``H/Ho`` for a given size), multiplied in
float32 as PyTorch does; an output as large as the input, or twice as large,
reads ``p`` or ``p // 2``.  Written out here by itself: this engine shares no
index rule with the others.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import Saved, saved_contents
from .._checks_resample import upsample_args, upsample_backward_args, upsample_key

__all__ = ["upsample2d", "upsample2d_backward"]

ENGINE = "reference"


def _source(p, size, out, scale):
    """Eq. R.6: the input index output ``p`` reads (PyTorch's ``nearest_idx``)."""
    if out == size:
        return p
    if out == 2 * size:
        return p // 2
    step = np.float32(1.0 / scale) if scale is not None else np.float32(size) / np.float32(out)
    return min(math.floor(np.float32(p) * step), size - 1)


def _copies(x_shape, out, scales):
    """Yield ``(n, c, p, q, u, v)``: output pixel (p, q) of map (n, c) copies input pixel (u, v)."""
    height, width = x_shape[2:]
    for n in range(x_shape[0]):
        for c in range(x_shape[1]):
            for p in range(out[0]):
                for q in range(out[1]):
                    yield (n, c, p, q, _source(p, height, out[0], scales[0]),
                           _source(q, width, out[1], scales[1]))


def upsample2d(x, scale_factor=None, mode="nearest", *, size=None, return_saved=False):
    """Eq. R.6: ``z[p, q] = x[σ_r(p), σ_c(q)]``.

    Examples
    --------
    >>> upsample2d(np.array([[[[1.0, 2.0, 3.0]]]]), (1, 1.5))[0, 0]
    array([[1., 1., 2., 3.]])
    """
    x, out, scales = upsample_args(x, scale_factor, mode, size, return_saved)
    z = np.zeros((*x.shape[:2], *out), dtype=x.dtype)
    for n, c, p, q, u, v in _copies(x.shape, out, scales):
        z[n, c, p, q] = x[n, c, u, v]
    if return_saved:
        return z, Saved(ENGINE, "upsample2d", upsample_key(x, out, scales), ())
    return z


def upsample2d_backward(dz, x, scale_factor=None, mode="nearest", *, size=None, saved=None):
    """Eq. R.7: ``dx[u, v] = sum of dz[p, q] over the outputs with σ_r(p) = u, σ_c(q) = v``.

    Examples
    --------
    >>> upsample2d_backward(np.ones((1, 1, 1, 4)), np.zeros((1, 1, 1, 3)), (1, 1.5))[0, 0]
    array([[2., 1., 1.]])
    """
    dz, x, out, scales = upsample_backward_args(dz, x, scale_factor, mode, size)
    if saved is not None:
        saved_contents(saved, "upsample2d", ENGINE, upsample_key(x, out, scales))
    dx = np.zeros(x.shape, dtype=dz.dtype)
    for n, c, p, q, u, v in _copies(x.shape, out, scales):
        dx[n, c, u, v] += dz[n, c, p, q]
    return dx
