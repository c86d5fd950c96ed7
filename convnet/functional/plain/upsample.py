"""The plain tier's nearest-neighbour upsampling: a gather forward, its sums back.

Layout: ``x`` (N, C, H, W), ``z`` and ``dz`` (N, C, Ho, Wo).  Output pixel
(p, q) copies input pixel (σ_r(p), σ_c(q)) (Eq. R.6): one fancy index.  Going
back, each input pixel collects the sensitivities of its copies (Eq. R.7),
a sum that separates: first over the output rows that copied a row, then
over the output columns that copied a column.
"""

from __future__ import annotations

import numpy as np

from ..._checks import Saved, saved_contents
from ..._checks_resample import (nearest_sources, upsample_args, upsample_backward_args,
                                 upsample_key)

__all__ = ["upsample2d", "upsample2d_backward"]

ENGINE = "plain"


def upsample2d(x, scale_factor=None, mode="nearest", *, size=None, return_saved=False):
    """Eq. R.6: ``z[p, q] = x[σ_r(p), σ_c(q)]``."""
    x, out, scales = upsample_args(x, scale_factor, mode, size, return_saved)
    rows = nearest_sources(x.shape[2], out[0], scales[0])              # σ_r, (Ho,)
    cols = nearest_sources(x.shape[3], out[1], scales[1])              # σ_c, (Wo,)
    z = x[:, :, rows[:, None], cols[None, :]]                          # Eq. R.6: (N, C, Ho, Wo)
    if return_saved:
        return z, Saved(ENGINE, "upsample2d", upsample_key(x, out, scales), ())
    return z


def upsample2d_backward(dz, x, scale_factor=None, mode="nearest", *, size=None, saved=None):
    """Eq. R.7: ``dx[u, v] = sum of dz[p, q] over σ_r(p) = u, σ_c(q) = v``."""
    dz, x, out, scales = upsample_backward_args(dz, x, scale_factor, mode, size)
    if saved is not None:
        saved_contents(saved, "upsample2d", ENGINE, upsample_key(x, out, scales))
    rows = nearest_sources(x.shape[2], out[0], scales[0])              # σ_r, (Ho,)
    cols = nearest_sources(x.shape[3], out[1], scales[1])              # σ_c, (Wo,)
    by_row = np.zeros((*x.shape[:3], out[1]), dz.dtype)                # (N, C, H, Wo)
    np.add.at(by_row, (slice(None), slice(None), rows), dz)            # Eq. R.7: the sum over p
    dx = np.zeros(x.shape, dz.dtype)                                   # (N, C, H, W)
    np.add.at(dx, (slice(None), slice(None), slice(None), cols), by_row)   # and over q
    return dx
