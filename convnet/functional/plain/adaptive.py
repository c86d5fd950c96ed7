"""The plain tier's adaptive pooling: the windows of Eq. R.1 gathered side by side.

Layout: ``x`` (N, C, H, W), ``z`` and ``dz`` (N, C, Ho, Wo); every map is
pooled on its own.  The windows differ in size by up to one pixel, so
:func:`window_view` gathers each, padded to the longest, into an array
(N, C, Ho, Wo, kh, kw) with a mask of the pixels really in it; the forward
passes are then one reduction each, as in :mod:`.pool`.  The backward
passes add each window's sensitivity back, offset by offset within the
window (overlapping windows add up).
"""

from __future__ import annotations

import numpy as np

from ..._checks import Saved, saved_contents
from ..._checks_resample import (adaptive_args, adaptive_backward_args, adaptive_bounds,
                                 adaptive_key)

__all__ = ["adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d",
           "adaptive_max_pool2d_backward", "window_view", "window_means", "spread_over_windows",
           "window_maxima", "send_to_winners"]

ENGINE = "plain"


def window_view(x: np.ndarray, out, fill: float) -> tuple:
    """``(fields, rows, cols, inside)``: every window of Eq. R.1, padded with ``fill``.

    ``fields[n, c, i, j, k, l] = x[n, c, rows[i, k], cols[j, l]]`` where
    ``inside[i, j, k, l]`` (the pixel is in window (i, j)), else ``fill``;
    rows (Ho, kh) and cols (Wo, kw) are the pixels each window reads.
    """
    (r_start, r_end), (c_start, c_end) = (adaptive_bounds(x.shape[2], out[0]),
                                          adaptive_bounds(x.shape[3], out[1]))   # Eq. R.1
    kh, kw = int((r_end - r_start).max()), int((c_end - c_start).max())  # the longest windows
    rows = np.minimum(r_start[:, None] + np.arange(kh), x.shape[2] - 1)   # (Ho, kh)
    cols = np.minimum(c_start[:, None] + np.arange(kw), x.shape[3] - 1)   # (Wo, kw)
    inside = ((np.arange(kh) < (r_end - r_start)[:, None])[:, None, :, None]
              & (np.arange(kw) < (c_end - c_start)[:, None])[None, :, None, :])  # (Ho, Wo, kh, kw)
    fields = x[:, :, rows[:, None, :, None], cols[None, :, None, :]]    # (N, C, Ho, Wo, kh, kw)
    return np.where(inside, fields, x.dtype.type(fill)), rows, cols, inside


def window_means(x: np.ndarray, out) -> np.ndarray:
    """Eq. R.2: the mean of every window of Eq. R.1, (N, C, Ho, Wo)."""
    fields, _, _, inside = window_view(x, out, 0.0)                    # zeros past a window
    return fields.sum(axis=(4, 5)) / inside.sum(axis=(2, 3)).astype(x.dtype)   # Eq. R.2


def spread_over_windows(dz: np.ndarray, x_shape, out) -> np.ndarray:
    """Eq. R.3: each sensitivity spread evenly over its window; shared pixels add up."""
    _, rows, cols, inside = window_view(np.zeros((1, 1, *x_shape[2:]), dz.dtype), out, 0.0)
    share = dz / inside.sum(axis=(2, 3)).astype(dz.dtype)              # dLZ / |window|
    dx = np.zeros(x_shape, dz.dtype)                                   # (N, C, H, W)
    for k in range(rows.shape[1]):                                     # offset (k, l) of
        for l in range(cols.shape[1]):                                 # every window at once
            part = np.where(inside[:, :, k, l], share, 0)              # (N, C, Ho, Wo)
            np.add.at(dx, (slice(None), slice(None), rows[:, k, None], cols[None, :, l]),
                      part)                                            # Eq. R.3
    return dx


def adaptive_avg_pool2d(x, output_size, *, return_saved=False):
    """Eq. R.2: the mean of every window."""
    x, out = adaptive_args(x, output_size, return_saved)
    z = window_means(x, out)                                           # (N, C, Ho, Wo)
    if return_saved:
        return z, Saved(ENGINE, "adaptive_avg_pool2d", adaptive_key(x, out), ())
    return z


def adaptive_avg_pool2d_backward(dz, x, output_size, *, saved=None):
    """Eq. R.3: each sensitivity spread evenly over its window."""
    dz, x, out = adaptive_backward_args(dz, x, output_size, "adaptive_avg_pool2d")
    if saved is not None:
        saved_contents(saved, "adaptive_avg_pool2d", ENGINE, adaptive_key(x, out))
    return spread_over_windows(dz, x.shape, out)                       # (N, C, H, W)


def window_maxima(x: np.ndarray, out) -> tuple:
    """``(z, rows, cols)``: every window's maximum (Eq. R.4) and where it is, each (N, C, Ho, Wo).

    The first maximum in row-major order wins ties, as in PyTorch; a NaN
    counts as the maximum (the first NaN wins).  Padding (-inf) never wins:
    each window's first pixel is real and comes first.
    """
    fields, rows, cols, _ = window_view(x, out, -np.inf)              # (N, C, Ho, Wo, kh, kw)
    kh, kw = fields.shape[4:]
    flat = fields.reshape(*fields.shape[:4], kh * kw)                 # each window as a row
    index = flat.argmax(axis=-1)                  # its first maximum, row-major (or first NaN)
    z = np.take_along_axis(flat, index[..., None], axis=-1)[..., 0]   # Eq. R.4: (N, C, Ho, Wo)
    ho, wo = np.indices(out)                                          # (Ho, Wo) each
    return z, rows[ho, index // kw], cols[wo, index % kw]             # the winner's pixel


def send_to_winners(dz: np.ndarray, x_shape, rows, cols) -> np.ndarray:
    """Eq. R.5: ``dA[winner] += dLZ``, added up where a pixel wins several windows."""
    samples, maps = np.indices(dz.shape[:2])[:, :, :, None, None]      # n and c, (N, C, 1, 1)
    dx = np.zeros(x_shape, dz.dtype)                                   # (N, C, H, W)
    np.add.at(dx, (samples, maps, rows, cols), dz)                     # Eq. R.5
    return dx


def adaptive_max_pool2d(x, output_size, *, return_saved=False):
    """Eq. R.4: the largest value of every window of Eq. R.1."""
    x, out = adaptive_args(x, output_size, return_saved, "adaptive_max_pool2d")
    z, rows, cols = window_maxima(x, out)
    if return_saved:
        return z, Saved(ENGINE, "adaptive_max_pool2d", adaptive_key(x, out), (rows, cols))
    return z


def adaptive_max_pool2d_backward(dz, x, output_size, *, saved=None):
    """Eq. R.5: each window's sensitivity goes to its first maximum."""
    dz, x, out = adaptive_backward_args(dz, x, output_size, "adaptive_max_pool2d")
    if saved is not None:
        rows, cols = saved_contents(saved, "adaptive_max_pool2d", ENGINE, adaptive_key(x, out))
    else:
        _, rows, cols = window_maxima(x, out)
    return send_to_winners(dz, x.shape, rows, cols)
